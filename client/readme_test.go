package client_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeQuickStart: the README's Quick start is the compiled function in
// example_test.go, verbatim, so the README cannot show code that does not build or run.
func TestReadmeQuickStart(t *testing.T) {
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	code := between(t, string(src), "// README quick start: ", "// README quick start ends.")
	code = code[strings.Index(code, "\n\n")+2:] // after the marker's own comment
	section := between(t, string(readme), "## Quick start in Go", "\n## ")
	shown := between(t, section, "```go\n", "```")
	if strings.TrimSpace(shown) != strings.TrimSpace(code) {
		t.Errorf("the README's Quick start differs from the compiled one in example_test.go.\nREADME:\n%s\nexample_test.go:\n%s", shown, code)
	}
}

// between returns the text of s after start and before the next end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("%q not found", start)
	}
	text, _, ok := strings.Cut(after, end)
	if !ok {
		t.Fatalf("%q not found after %q", end, start)
	}
	return text
}
