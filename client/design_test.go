package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDesignNamesEveryFile: docs/design.md walks a call through the code file by file; it
// must name files that exist, and every hand-written file of client/, the commands and
// internal/.
func TestDesignNamesEveryFile(t *testing.T) {
	doc, err := os.ReadFile("../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("\\*\\*`([^`]+\\.go)`\\*\\*").FindAllStringSubmatch(string(doc), -1) {
		path := m[1]
		if !strings.Contains(path, "/") {
			path = "cmd/vault-token/" + path
		}
		named[path] = true
		if _, err := os.Stat(filepath.Join("..", path)); err != nil {
			t.Errorf("docs/design.md names %s: %v", m[1], err)
		}
	}
	for _, dir := range []string{"client", "cmd/vault-token", "cmd/vault-token-fake", "internal/command", "internal/docshell", "internal/loopcert", "internal/rawh2"} {
		files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Errorf("no Go files in %s (%v): a moved folder must be named here again", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			if path := dir + "/" + filepath.Base(f); !named[path] {
				t.Errorf("docs/design.md does not name %s", path)
			}
		}
	}
}

// TestNetworkTextHasOnePath: every error and value that carries text from a reply is made
// in client/fromreply.go, through the reply's scrubber, and a scrubber is made only in
// exchange, from the call's, the client's and the reply's secrets: an error cannot be
// built from network text without them.
func TestNetworkTextHasOnePath(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	carriesText := map[string]bool{"APIError": true, "Message": true, "UnexpectedResponseError": true, "Response": true}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && carriesText[id.Name] && len(n.Elts) > 0 && name != "fromreply.go" {
					t.Errorf("%s: a %s is built outside fromreply.go", fset.Position(n.Pos()), id.Name)
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "newScrubber" && name != "client.go" {
					t.Errorf("%s: a scrubber is made outside exchange", fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
}
