package client_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeQuickStart: the README's Quick start is the compiled function in
// example_test.go, verbatim, so the README cannot show code that does not build or run.
func TestReadmeQuickStart(t *testing.T) {
	checkReadmeShows(t, "example_test.go", "README quick start", "## Quick start in Go", "\n## ")
}

// TestReadmeOAuth: the README's x/oauth2 adapter is the compiled one.
func TestReadmeOAuth(t *testing.T) {
	checkReadmeShows(t, "example_oauth_test.go", "README OAuth", "#### OAuth 2.0 / OpenID Connect", "\n#")
}

// checkReadmeShows fails unless one of the Go blocks of the README's part from start to end
// is the code of file between the comments "// {marker}: " and "// {marker} ends.".
func checkReadmeShows(t *testing.T, file, marker, start, end string) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	code := between(t, string(src), "// "+marker+": ", "// "+marker+" ends.")
	code = strings.TrimSpace(code[strings.Index(code, "\n\n")+2:]) // after the marker's own comment
	section := between(t, string(readme), start, end)
	var shown []string
	for _, block := range strings.Split(section, "```go\n")[1:] {
		b, _, _ := strings.Cut(block, "```")
		if strings.TrimSpace(b) == code {
			return
		}
		shown = append(shown, b)
	}
	t.Errorf("no Go block of the README (%s) is the compiled code in %s.\nREADME:\n%s\n%s:\n%s", start, file, strings.Join(shown, "\n---\n"), file, code)
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
