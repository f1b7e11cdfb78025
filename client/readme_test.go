package client_test

import (
	"testing"

	"github.com/acme/vault-token/internal/docshell"
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

// checkDocShows fails unless a Go block of doc's part from start to end is the code of file
// between the comments "// {marker}: " and "// {marker} ends." (docshell.ShowsCode).
func checkDocShows(t *testing.T, file, marker, doc, start, end string) {
	t.Helper()
	if err := docshell.ShowsCode(file, marker, doc, start, end); err != nil {
		t.Error(err)
	}
}
