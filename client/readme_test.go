package client_test

import (
	"os"
	"strings"
	"testing"
)

// The Go shown in README.md and docs/ is compiled code, shown verbatim: each test below
// fails when a page and the code it shows differ, so no page can show code that does not
// build or run.

func TestReadmeQuickStart(t *testing.T) {
	checkDocShows(t, "example_test.go", "README quick start", "../README.md", "## Start here: a Go service", "\n### ")
}

func TestReadmeServiceTest(t *testing.T) {
	checkDocShows(t, "vaulttest/service_test.go", "README service test", "../README.md", "### Test your service against the fake Vault", "\n## ")
}

func TestDocsOAuth(t *testing.T) {
	checkDocShows(t, "example_oauth_test.go", "README OAuth", "../docs/library.md", "### OAuth 2.0 / OpenID Connect", "\n## ")
}

func TestDocsSnippets(t *testing.T) {
	for _, tt := range []struct{ marker, doc, start, end string }{
		{"docs lifecycle", "../docs/library.md", "## Token lifecycle", "\n## "},
		{"docs OAuth credentials", "../docs/library.md", "### OAuth 2.0 / OpenID Connect", "\n## "},
		{"docs vaulttest", "../docs/testing.md", "# Testing against the fake Vault", "\n## "},
	} {
		checkDocShows(t, "docs_snippets_test.go", tt.marker, tt.doc, tt.start, tt.end)
	}
}

// checkDocShows fails unless one of the Go blocks of doc's part from start to end is the
// code of file between the comments "// {marker}: " and "// {marker} ends.", less the
// marker's own paragraph and one level of indentation (a fragment inside a function).
func checkDocShows(t *testing.T, file, marker, doc, start, end string) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	code := between(t, string(src), "// "+marker+": ", "// "+marker+" ends.")
	code = dedent(strings.TrimSpace(code[strings.Index(code, "\n\n")+2:]))
	section := between(t, string(page), start, end)
	var shown []string
	for _, block := range strings.Split(section, "```go\n")[1:] {
		b, _, _ := strings.Cut(block, "```")
		if strings.TrimSpace(b) == code {
			return
		}
		shown = append(shown, b)
	}
	t.Errorf("no Go block of %s (%s) is the compiled code in %s.\n%s:\n%s\n%s:\n%s", doc, start, file, doc, strings.Join(shown, "\n---\n"), file, code)
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

// between returns the text of s after start and before the next end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, after, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("%q not found", start)
	}
	text, _, ok := strings.Cut(after, end)
	if !ok {
		text = after // the last section of a page
	}
	return text
}
