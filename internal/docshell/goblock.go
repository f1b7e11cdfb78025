package docshell

import (
	"fmt"
	"os"
	"strings"
)

// ShowsCode returns an error unless one of the ```go blocks of doc's part from start to
// the next end is the code of file between the comments "// {marker}: " and
// "// {marker} ends.", less the marker's own paragraph and one level of indentation (a
// fragment inside a function): a page shows compiled code verbatim, or a test says it
// does not.
func ShowsCode(file, marker, doc, start, end string) error {
	src, err := os.ReadFile(file) //nolint:gosec // a file of this module, named by a test
	if err != nil {
		return err
	}
	page, err := os.ReadFile(doc) //nolint:gosec // a page of this module, named by a test
	if err != nil {
		return err
	}
	code, err := between(string(src), "// "+marker+": ", "// "+marker+" ends.")
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	code = dedent(strings.TrimSpace(code[strings.Index(code, "\n\n")+2:]))
	section, err := between(string(page), start, end)
	if err != nil {
		return fmt.Errorf("%s: %w", doc, err)
	}
	var shown []string
	for _, block := range strings.Split(section, "```go\n")[1:] {
		b, _, _ := strings.Cut(block, "```")
		if strings.TrimSpace(b) == code {
			return nil
		}
		shown = append(shown, b)
	}
	return fmt.Errorf("no Go block of %s (%s) is the compiled code in %s.\n%s:\n%s\n%s:\n%s", doc, start, file, doc, strings.Join(shown, "\n---\n"), file, code)
}

// dedent removes one tab from lines that begin with one, when every line that is not
// empty does.
func dedent(code string) string {
	lines := strings.Split(code, "\n")
	for _, l := range lines[1:] {
		if l != "" && !strings.HasPrefix(l, "\t") {
			return code
		}
	}
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	return strings.Join(lines, "\n")
}

// between returns the text of s after start and before the next end (or to the end of s:
// the last section of a page).
func between(s, start, end string) (string, error) {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return "", fmt.Errorf("%q not found", start)
	}
	text, _, _ := strings.Cut(after, end)
	return text, nil
}
