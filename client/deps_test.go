package client_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyBudget: what package client imports reaches every service that uses it.
// Beyond the standard library it may use this module's own packages, golang.org/x, and the
// generated code's runtime (github.com/oapi-codegen/runtime) with what that needs; anything
// else fails here, so a new dependency is a decision, not an accident.
func TestDependencyBudget(t *testing.T) {
	const runtime = "github.com/oapi-codegen/runtime"
	module := goList(t, "-m")[0]
	allowed := map[string]bool{}
	for _, p := range goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", runtime) {
		allowed[p] = true
	}
	if !allowed[runtime] {
		t.Fatalf("go list found no %s: the budget would allow nothing from it", runtime)
	}
	deps := goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/client")
	if len(deps) < 2 {
		t.Fatalf("go list -deps listed %v: it did not run as expected", deps)
	}
	for _, p := range deps {
		switch {
		case p == module || strings.HasPrefix(p, module+"/"):
		case strings.HasPrefix(p, "golang.org/x/"):
		case allowed[p]:
		default:
			t.Errorf("package client depends on %s, outside its budget (the standard library, golang.org/x, %s and its needs)", p, runtime)
		}
	}
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}
