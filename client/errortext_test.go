package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoDecisionOnErrorText: no hand-written code of the library or the commands decides
// anything by what an error's text says (strings.Contains(err.Error(), ...), a comparison
// with err.Error()): errors are told apart by type and sentinel, so a changed message
// cannot change behaviour. It is a test because no linter says it (errorlint checks how
// errors are compared, not their text); the other rules of the code are lint rules
// (.golangci.yml: depguard, forbidigo).
func TestNoDecisionOnErrorText(t *testing.T) {
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{".", "internal/scrub", "vaulttest", "../cmd/vault-token", "../cmd/vault-token-fake", "../internal/command"} {
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
