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
	for _, dir := range []string{"client", "cmd/vault-token", "cmd/vault-token-fake", "internal/command", "internal/docshell", "internal/loopcert", "internal/rawh2", "internal/trust",
		"fleet", "fleet/cmd/vault-token-fleet", "fleet/cmd/fleet-demo", "fleet/internal/etcdtest", "fleet/internal/etcdserver", "fleet/internal/benchreport"} {
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
	// Where each kind of error is made, the one place: an input error by badInput.
	madeIn := map[string]string{"InputError": "errors.go"}
	inspectCode(t, fset, files, func(path string, n ast.Node) {
		name := filepath.Base(path)
		switch n := n.(type) {
		case *ast.CompositeLit:
			if id, ok := n.Type.(*ast.Ident); ok && carriesText[id.Name] && len(n.Elts) > 0 && name != "fromreply.go" {
				t.Errorf("%s: a %s is built outside fromreply.go", fset.Position(n.Pos()), id.Name)
			}
			if id, ok := n.Type.(*ast.Ident); ok && madeIn[id.Name] != "" && name != madeIn[id.Name] {
				t.Errorf("%s: a %s is built outside %s (use badInput)", fset.Position(n.Pos()), id.Name, madeIn[id.Name])
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "newScrubber" && name != "client.go" {
				t.Errorf("%s: a scrubber is made outside exchange", fset.Position(n.Pos()))
			}
		}
	})
}

// TestNoDecisionOnErrorText: no hand-written code of the library or the commands decides
// anything by what an error's text says (strings.Contains(err.Error(), ...), a comparison
// with err.Error()): errors are told apart by type and sentinel, so a changed message
// cannot change behaviour.
func TestNoDecisionOnErrorText(t *testing.T) {
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{".", "vaulttest", "../cmd/vault-token", "../cmd/vault-token-fake", "../internal/command"} {
		found, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(found) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		files = append(files, found...)
	}
	isErrorText := func(e ast.Expr) bool {
		call, ok := e.(*ast.CallExpr)
		if !ok || len(call.Args) != 0 {
			return false
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Error"
	}
	inspectCode(t, fset, files, func(_ string, n ast.Node) {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && (isErrorText(n.X) || isErrorText(n.Y)) {
				t.Errorf("%s: a decision on an error's text", fset.Position(n.Pos()))
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return
			}
			if pkg, isPkg := sel.X.(*ast.Ident); !isPkg || pkg.Name != "strings" {
				return
			}
			for _, a := range n.Args {
				if isErrorText(a) && sel.Sel.Name != "TrimSpace" {
					t.Errorf("%s: strings.%s on an error's text", fset.Position(n.Pos()), sel.Sel.Name)
				}
			}
		}
	})
}

// TestOneFake: tests talk to one fake Vault, vaulttest, and script by hand only the replies
// they are about (vaulttest's HandReply). No test starts a server of its own but those
// listed here, which are not Vaults: a second hand-written Vault would let the client pass
// against it and fail against vaulttest's checks.
func TestOneFake(t *testing.T) {
	allowed := map[string]string{
		"example_oauth_test.go": "a stand-in identity provider, not a Vault",
		"sendonce_test.go":      "raw HTTP/1.1 servers that misbehave below HTTP, which no fake Vault can",
		"design_test.go":        "this test, which names what it looks for",
	}
	var files []string
	for _, dir := range []string{".", "../cmd/vault-token", "../cmd/vault-token-fake", "../internal/command"} {
		found, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if err != nil || len(found) == 0 {
			t.Fatalf("no tests in %s: %v", dir, err)
		}
		files = append(files, found...)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, server := range []string{"httptest.NewServer(", "httptest.NewTLSServer(", "httptest.NewUnstartedServer(", "http.Server{", ".Accept()", "http.ListenAndServe"} {
			if strings.Contains(string(src), server) && allowed[filepath.Base(name)] == "" {
				t.Errorf("%s starts a server of its own (%s): use client/vaulttest, and a HandReply for a reply it must shape", name, server)
			}
		}
	}
}

// inspectCode calls visit with every node of the files that are not tests.
func inspectCode(t *testing.T, fset *token.FileSet, files []string, visit func(path string, n ast.Node)) {
	t.Helper()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			visit(name, n)
			return true
		})
	}
}
