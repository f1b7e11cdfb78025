package vaulttest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestConsumerFootprint makes a module the way a service would (importing client, with
// vaulttest in its tests), runs go mod tidy on it, and checks what lands in its go.mod:
// only modules that client and vaulttest's packages need. The code generator
// (oapi-codegen/v2) and what it alone needs must not appear. The README states the count.
//
// It runs offline: GOPROXY=off, every module comes from the cache that building this
// module filled, and the checksums from this module's go.sum.
func TestConsumerFootprint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	module := strings.TrimSpace(run(t, root, "go", "list", "-m"))
	needed := map[string]bool{module: true}
	for _, m := range strings.Fields(run(t, root, "go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", "./client", "./client/vaulttest")) {
		needed[m] = true
	}

	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", fmt.Sprintf("module example.com/service\n\ngo 1.25.0\n\nrequire %s v0.0.0\n\nreplace %s => %s\n", module, module, root))
	write("service.go", fmt.Sprintf("package service\n\nimport _ %q\n", module+"/client"))
	write("service_test.go", fmt.Sprintf("package service\n\nimport _ %q\n", module+"/client/vaulttest"))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sum))
	// -e: offline, tidy cannot look up what the tests of dependencies import (kr/pretty for
	// a YAML library's tests, say); those are checksums for "go test all", never requirements.
	run(t, dir, "go", "mod", "tidy", "-e")

	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	var required []string // besides this module
	for _, m := range regexp.MustCompile(`(?m)^(?:require)?\s+(\S+) v\S+`).FindAllStringSubmatch(string(gomod), -1) {
		if m[1] == module {
			continue
		}
		required = append(required, m[1])
		if !needed[m[1]] {
			t.Errorf("a service's go.mod requires %s, which neither client nor vaulttest needs", m[1])
		}
		if strings.Contains(m[1], "oapi-codegen/v2") {
			t.Errorf("a service's go.mod requires the code generator, %s", m[1])
		}
	}
	if len(required) < 2 {
		t.Fatalf("go mod tidy left %d requirements: %s", len(required), gomod)
	}
	t.Logf("a service that imports client and vaulttest requires %d modules: %v", len(required), required)

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	claim := fmt.Sprintf("requires %d other modules", len(required))
	if !strings.Contains(string(readme), claim) {
		t.Errorf("the README does not say %q", claim)
	}
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
