// Package docshell reads what README.md and docs/ show, for the tests that run it or check
// it: the ```sh blocks of a page and the command lines in them that run a given program,
// and (ShowsCode) whether a ```go block is the compiled code it claims to be. It is for
// tests only; no program imports it.
package docshell

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// Pages are the module's Markdown pages people read: README.md and docs/*.md, from the
// module's root.
func Pages(root string) ([]string, error) {
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	return append(pages, filepath.Join(root, "README.md")), err
}

// Blocks are the ```sh blocks of a page.
func Blocks(page string) ([]string, error) {
	text, err := os.ReadFile(page) //nolint:gosec // a page of this module, named by a test
	if err != nil {
		return nil, err
	}
	var out []string
	for _, b := range strings.Split(string(text), "```sh\n")[1:] {
		block, _, _ := strings.Cut(b, "```")
		out = append(out, block)
	}
	return out, nil
}

// Calls are the argument lists of every command line in block that runs program
// (program's own name not included), in a pipeline, a list, <(...) or $(...) too.
func Calls(block, program string) [][]string {
	var out [][]string
	for _, line := range logicalLines(block) {
		out = append(out, calls(shellWords(line), program)...)
	}
	return out
}

// logicalLines joins lines ended by a backslash and drops comments.
func logicalLines(block string) []string {
	block = strings.ReplaceAll(block, "\\\n", " ")
	var out []string
	for _, l := range strings.Split(block, "\n") {
		if i := commentStart(l); i >= 0 {
			l = l[:i]
		}
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// commentStart is where a # comment starts in a shell line (outside quotes, at a word's
// start), or -1.
func commentStart(l string) int {
	var quote byte
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || l[i-1] == ' ' || l[i-1] == '\t'):
			return i
		}
	}
	return -1
}

// shellWords splits a line into words, quotes removed; the operators |, &, ;, <(, $(, )
// and redirections are words of their own.
func shellWords(l string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(l[i+1:], c)
			if j < 0 {
				j = len(l) - i - 1
			}
			cur.WriteString(l[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == ' ' || c == '\t':
			flush()
		case strings.HasPrefix(l[i:], "<(") || strings.HasPrefix(l[i:], "$("):
			flush()
			words = append(words, l[i:i+2])
			i++
		case strings.ContainsRune("|&;)<>", rune(c)):
			flush()
			words = append(words, string(c))
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
}

// calls are the argument lists of each program a line's words run as a command.
func calls(words []string, program string) [][]string {
	var calls [][]string
	start := true // at a command's position
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case start && w == program:
			var args []string
			for i++; i < len(words) && !strings.Contains("|&;)<>", words[i]); i++ {
				args = append(args, words[i])
			}
			calls = append(calls, args)
			i--
			start = false
		case w == "|" || w == "&" || w == ";" || w == "<(" || w == "$(":
			start = true
		case strings.Contains(w, "=") && start:
			// an assignment before the command: still at its position
		default:
			start = false
		}
	}
	return calls
}

// Parse parses args against root as root would run them, without running anything: the
// command they name, its flags and their values, its arguments.
func Parse(root *cobra.Command, args []string) error {
	cmd, rest, err := root.Find(args)
	if err == nil {
		err = cmd.ParseFlags(rest)
	}
	if err == nil && cmd.Args != nil {
		err = cmd.Args(cmd, cmd.Flags().Args())
	}
	return err
}
