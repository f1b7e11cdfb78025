package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// clientIdentifiers are package client's exported names made of two words or more
// (ListAPIAccessTokens, TokenFilter, ErrInvalidInput): a message that names one speaks Go,
// not the operator's language.
func clientIdentifiers(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../client/*.go")
	if err != nil {
		t.Fatal(err)
	}
	twoWords := regexp.MustCompile(`^[A-Z][a-z0-9]+[A-Z]`)
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if ast.IsExported(d.Name.Name) && twoWords.MatchString(d.Name.Name) {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					var idents []*ast.Ident
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						idents = []*ast.Ident{spec.Name}
					case *ast.ValueSpec:
						idents = spec.Names
					}
					for _, id := range idents {
						if ast.IsExported(id.Name) && twoWords.MatchString(id.Name) {
							names = append(names, id.Name)
						}
					}
				}
			}
		}
	}
	if len(names) < 20 {
		t.Fatalf("found %d identifiers in package client: the search would prove nothing", len(names))
	}
	return names
}

// TestMessagesSpeakTheOperatorsWords: what the command prints for mistakes names flags and
// says what to do; it never names a Go identifier of package client or uses cobra's
// flag-group phrasing.
func TestMessagesSpeakTheOperatorsWords(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	var printed strings.Builder
	for _, args := range [][]string{
		{"list"}, {"list", "--user", "1", "--me"}, {"generate", "--name", "k"}, {"generate", "--me"},
		{"generate", "--me", "--user", "12345", "--name", "k"}, {"rotate", "--sandbox", "S", "--name", "k"},
		{"rotate", "--me", "--name", "k", "--keep", "-1"}, {"revoke", "not-an-id"}, {"revoke"},
		{"generate", "--me", "--name", "k", "--expires", "yesterday"}, {"list", "--user", "x'1"},
		{"generate", "--me", "--name", ""}, {"rotate", "--me", "--name", "k", "--out-file="},
	} {
		r := h.run(env, "", args...)
		if r.code != 2 {
			t.Errorf("%q: exit %d, want 2; stderr %q", args, r.code, r.stderr)
		}
		printed.WriteString(r.stderr)
	}
	out := printed.String()
	for _, cobraWords := range []string{"flags in the group", "are set none of the others", "is required", "flag(s)", "not set"} {
		if strings.Contains(out, cobraWords) {
			t.Errorf("cobra's phrasing %q reached the operator:\n%s", cobraWords, out)
		}
	}
	for _, name := range clientIdentifiers(t) {
		if regexp.MustCompile(`\b` + name + `\b`).MatchString(out) {
			t.Errorf("the Go identifier %s reached the operator:\n%s", name, out)
		}
	}
}
