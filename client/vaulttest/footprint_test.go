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
// vaulttest in its tests), runs go mod tidy on it as the service's owner would, and checks
// what lands in its go.mod: the modules client and vaulttest's packages need, and those
// go mod tidy adds for the tests of those packages' dependencies (it records what
// "go test all" needs). The code generator (oapi-codegen/v2) and what it alone needs must
// not appear, nor etcd (the fleet's, a module of its own) even in its go.sum. The README
// states the count.
//
// go mod tidy looks up the modules of dependencies' tests, which building this module
// never downloads, so it uses the module proxy as go test itself does; where the proxy
// cannot be reached and the cache lacks them, the test is skipped, saying so.
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
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	tidy.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := tidy.CombinedOutput(); err != nil {
		if unreachable.Match(out) {
			t.Skipf("go mod tidy needs the module proxy (GOPROXY) or a module cache that holds the modules of the dependencies' tests:\n%s", out)
		}
		t.Fatalf("go mod tidy: %v\n%s", err, out)
	}

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
		if !needed[m[1]] && !forDependencyTests(t, dir, m[1]) {
			t.Errorf("a service's go.mod requires %s, which neither client nor vaulttest needs, nor the tests of their dependencies", m[1])
		}
		if strings.Contains(m[1], "oapi-codegen/v2") {
			t.Errorf("a service's go.mod requires the code generator, %s", m[1])
		}
	}
	// The fleet is a module of its own: etcd and what it needs reach only its importers,
	// not even this service's go.sum (nor its minimum versions).
	gosum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(gosum), "\n") {
		if strings.HasPrefix(line, "go.etcd.io/") || strings.HasPrefix(line, module+"/fleet ") || strings.HasPrefix(line, "google.golang.org/grpc ") {
			t.Errorf("a service's go.sum names %s", line)
		}
	}
	if len(required) < 2 {
		t.Fatalf("go mod tidy left %d requirements: %s", len(required), gomod)
	}
	t.Logf("a service that imports client and vaulttest requires %d modules: %v", len(required), required)

	readme, err := os.ReadFile(filepath.Join(root, "docs", "library.md"))
	if err != nil {
		t.Fatal(err)
	}
	claim := fmt.Sprintf("requires %d other modules", len(required))
	if !strings.Contains(string(readme), claim) {
		t.Errorf("docs/library.md does not say %q", claim)
	}
}

// unreachable matches what the go command says when it cannot look a module up.
var unreachable = regexp.MustCompile(`module lookup disabled|dial tcp|no such host|connection refused|i/o timeout|proxyconnect|TLS handshake timeout|network is unreachable`)

// forDependencyTests reports whether the service requires module only for the tests of a
// dependency: go mod why's shortest path to it passes through a test of a package outside
// the service.
func forDependencyTests(t *testing.T, dir, module string) bool {
	t.Helper()
	why := exec.Command("go", "mod", "why", "-m", module)
	why.Dir = dir
	why.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := why.Output()
	if err != nil {
		t.Fatalf("go mod why -m %s: %v", module, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(line, ".test") && !strings.HasPrefix(line, "example.com/service") {
			return true
		}
	}
	return false
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
