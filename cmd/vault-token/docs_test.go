package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The shell shown in README.md and docs/ is tested: the operator's first recipe runs,
// and every vault-token command line on every page parses against the command itself.

// shBlocks are the ```sh blocks of a page.
func shBlocks(t *testing.T, page string) []string {
	t.Helper()
	text, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range strings.Split(string(text), "```sh\n")[1:] {
		block, _, _ := strings.Cut(b, "```")
		out = append(out, block)
	}
	return out
}

// TestReadmeOperatorRecipe runs the README's first operator block in bash, with the
// vault-token under test first on PATH and /tmp/ replaced by a directory of the test's.
func TestReadmeOperatorRecipe(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	var recipe string
	for _, b := range shBlocks(t, "../../README.md") {
		if strings.Contains(b, "source <(vault-token fake") {
			recipe = b
			break
		}
	}
	if recipe == "" {
		t.Fatal("the README has no operator recipe (source <(vault-token fake ...))")
	}
	dir := t.TempDir()
	script := "set -euo pipefail\n" + strings.ReplaceAll(recipe, "/tmp/", dir+"/")
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = []string{"PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the fake included: killed below if the recipe fails
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the recipe failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "veeva-vault-") || !strings.Contains(out, "first-token") {
		t.Errorf("stdout %q: want the new token, then a list naming first-token", out)
	}
}

// TestDocsCommandLines: every vault-token command line in a ```sh block of the README and
// docs/ names a command that exists, with flags it takes and values they accept.
func TestDocsCommandLines(t *testing.T) {
	pages, _ := filepath.Glob("../../docs/*.md")
	pages = append(pages, "../../README.md")
	checked := 0
	for _, page := range pages {
		for _, block := range shBlocks(t, page) {
			for _, line := range logicalLines(block) {
				for _, args := range vaultTokenCalls(shellWords(line)) {
					checked++
					root := (&app{}).newRootCmd()
					root.InitDefaultHelpCmd()
					root.InitDefaultCompletionCmd()
					cmd, rest, err := root.Find(args)
					if err == nil {
						err = cmd.ParseFlags(rest)
					}
					if err == nil && cmd.Args != nil {
						err = cmd.Args(cmd, cmd.Flags().Args())
					}
					if err != nil {
						t.Errorf("%s: vault-token %s: %v", filepath.Base(page), strings.Join(args, " "), err)
					}
				}
			}
		}
	}
	if checked < 15 {
		t.Errorf("checked %d command lines: the pages hold more", checked)
	}
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

// vaultTokenCalls are the argument lists of each vault-token a line runs as a command.
func vaultTokenCalls(words []string) [][]string {
	var calls [][]string
	start := true // at a command's position
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case start && w == "vault-token":
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
