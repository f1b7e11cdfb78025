package main

import (
	"errors"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra/doc"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/openapi"
)

// The habits of gh, kubectl and docker: each test runs the built binary.

func TestTypoSuggestions(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session()}
	r := h.run(env, "", "genrate", "--me")
	if r.code != 2 || !strings.Contains(r.stderr, "Did you mean this?\n\tgenerate") {
		t.Errorf("genrate: exit %d, stderr %q", r.code, r.stderr)
	}
	r = h.run(env, "", "generate", "--vault", h.fake.DNS, "--me", "--nmae", "k")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown flag: --nmae (did you mean --name?)") {
		t.Errorf("--nmae: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "unknown flag"); n != 1 || strings.Count(r.stderr, "\n") > 2 {
		t.Errorf("the error is printed %d times, in %d lines: %q", n, strings.Count(r.stderr, "\n"), r.stderr)
	}
	if !strings.Contains(r.stderr, "Run 'vault-token generate --help' for usage.") {
		t.Errorf("no pointer to --help: %q", r.stderr)
	}
}

func TestCompletion(t *testing.T) {
	h := &harness{t: t, cert: os.DevNull}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := h.run(nil, "", "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "vault-token") || len(r.stdout) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes on stdout, stderr %q", shell, r.code, len(r.stdout), r.stderr)
		}
	}
	// The dynamic completion cobra's scripts call: --output's values.
	r := h.run(nil, "", "__complete", "generate", "--output", "")
	if r.code != 0 || !strings.Contains(r.stdout, "text\njson\n") {
		t.Errorf("__complete --output: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestVersion(t *testing.T) {
	h := &harness{t: t, cert: os.DevNull}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := h.run(nil, "", args...)
		for _, want := range []string{"vault-token ", "client " + client.Version, "spec " + openapi.SpecVersion, client.DefaultAPIVersion} {
			if r.code != 0 || !strings.Contains(r.stdout, want) {
				t.Errorf("%v: exit %d, stdout %q; want %q", args, r.code, r.stdout, want)
			}
		}
	}
}

// TestFlagsAnywhere: flags may come in any order, -o is --output, and the environment
// gives the Vault when --vault is left out.
func TestFlagsAnywhere(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session()}
	for _, args := range [][]string{
		{"generate", "--me", "--name", "a", "-o", "json", "--vault", h.fake.DNS},
		{"generate", "-o", "json", "--vault", h.fake.DNS, "--name", "b", "--me"},
	} {
		r := h.run(env, "", args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "{") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	r := h.run(append(env, "VEEVA_VAULT_DNS="+h.fake.DNS), "", "versions")
	if r.code != 0 || !strings.Contains(r.stdout, "v26.2") {
		t.Errorf("VEEVA_VAULT_DNS: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = h.run(append(env, "VAULT_ADDR=https://"+h.fake.DNS, "VAULT_TOKEN=x"), "", "versions")
	if r.code != 2 || !strings.Contains(r.stderr, "VEEVA_VAULT_DNS") {
		t.Errorf("HashiCorp Vault's variables were read: exit %d, stderr %q", r.code, r.stderr)
	}
	r = h.run(env, "", "generate", "--vault", h.fake.DNS, "--me", "--name", "c", "stray")
	if r.code != 2 || !strings.Contains(r.stderr, `unexpected argument "stray"`) {
		t.Errorf("a stray argument: exit %d, stderr %q", r.code, r.stderr)
	}
}

// manDir is where TestManPages writes the man pages: make man sets it; otherwise a
// temporary folder.
var manDir = flag.String("man-dir", "", "write the man pages here (make man)")

// TestManPages renders a man page per command, as packagers ship them: "make man" runs it
// with -man-dir. Rendering lives in a test, not in a command, so that vault-token does not
// link a Markdown renderer whose packages it would initialize on every start.
func TestManPages(t *testing.T) {
	dir := *manDir
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "man", "man1") // made by MkdirAll, as make man's folder may need
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // man pages are for everyone to read
		t.Fatal(err)
	}
	root := (&app{}).newRootCmd()
	root.DisableAutoGenTag = true // the pages do not change from build to build
	if err := doc.GenManTree(root, &doc.GenManHeader{Title: "VAULT-TOKEN", Section: "1", Source: versionInfo()}, dir); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"vault-token.1", "vault-token-generate.1", "vault-token-versions.1", "vault-token-fake.1", "vault-token-demo.1"} {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil || !strings.Contains(string(b), `.TH "VAULT-TOKEN"`) {
			t.Errorf("%s: %v, %d bytes", page, err, len(b))
		}
	}
	if *manDir != "" {
		t.Logf("man pages written to %s", dir)
	}
}

// TestFakeOnABusyPort: one line and exit 1, not a stack trace.
func TestFakeOnABusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h := &harness{t: t, cert: os.DevNull}
	r := h.run(nil, "", "fake", "--addr", l.Addr().String(), "--cert-out", filepath.Join(t.TempDir(), "c.pem"))
	if r.code != 1 || !strings.Contains(r.stderr, "address already in use") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q; want exit 1 and one line", r.code, r.stderr)
	}
}

func TestFakeProgramMissing(t *testing.T) {
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	alone := filepath.Join(t.TempDir(), filepath.Base(binary))
	if err := os.WriteFile(alone, data, 0o755); err != nil { //nolint:gosec // a program, run below
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args    []string
		install string
	}{
		{[]string{"demo"}, "go install ./cmd/..."},
		{[]string{"fake", "--cert-out", filepath.Join(t.TempDir(), "c.pem")}, "go install ./cmd/..."},
		{[]string{"fleet", "status"}, "(cd fleet && go install ./cmd/...)"},
	} {
		cmd := exec.Command(alone, tt.args...)
		cmd.Env = []string{"PATH=" + t.TempDir()}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || stdout.Len() != 0 ||
			!strings.Contains(stderr.String(), tt.install) {
			t.Errorf("%v: %v, stdout %q, stderr %q; want exit 1 and how to install the program", tt.args, err, stdout.String(), stderr.String())
		}
	}
}

// TestStartPaysNoValidator: vault-token links neither the fake's spec validation nor a
// man-page renderer, whose package inits would run on every start (docs/performance.md);
// vault-token-fake links the validation, so the check can see it.
func TestStartPaysNoValidator(t *testing.T) {
	heavy := []string{"github.com/getkin/kin-openapi/", "github.com/santhosh-tekuri/jsonschema/",
		"github.com/russross/blackfriday/", "github.com/spf13/cobra/doc"}
	links := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		var found []string
		for _, p := range strings.Fields(string(out)) {
			for _, h := range heavy {
				if strings.HasPrefix(p, h) {
					found = append(found, p)
				}
			}
		}
		return found
	}
	if found := links("."); len(found) > 0 {
		t.Errorf("vault-token links %v", found)
	}
	if found := links("../vault-token-fake"); len(found) == 0 {
		t.Error("vault-token-fake links no kin-openapi package: the check looks for the wrong names")
	}
}

// TestHelpTopics: `vault-token help environment` names every VEEVA_VAULT_ variable the
// command's code reads, and `help exit-codes` every exit status: what go install users
// have in place of man pages.
func TestHelpTopics(t *testing.T) {
	h := &harness{t: t, cert: os.DevNull}
	env := h.run(nil, "", "help", "environment")
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sources: %v", err)
	}
	// The programs name the variables by command's constants: the values are in env.go.
	envGo, err := os.ReadFile(filepath.Join("..", "..", "internal", "command", "env.go"))
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, m := range regexp.MustCompile(`(Env[A-Za-z]+)\s*=\s*"(VEEVA_VAULT_[A-Z_]+)"`).FindAllStringSubmatch(string(envGo), -1) {
		values[m[1]] = m[2]
	}
	read := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range regexp.MustCompile(`"(VEEVA_VAULT_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1) {
			read[v[1]] = true
		}
		for _, c := range regexp.MustCompile(`command\.(Env[A-Za-z]+)`).FindAllStringSubmatch(string(src), -1) {
			if values[c[1]] == "" {
				t.Fatalf("%s names command.%s, which env.go does not define", f, c[1])
			}
			read[values[c[1]]] = true
		}
	}
	if len(read) < 5 {
		t.Fatalf("found %d variables in the sources", len(read))
	}
	for v := range read {
		if !strings.Contains(env.stdout, v) {
			t.Errorf("help environment does not name %s", v)
		}
	}
	codes := h.run(nil, "", "help", "exit-codes")
	for _, want := range []string{"0 ", "1 ", "2 ", "3 ", "128+N", "drop-after-create"} {
		if codes.code != 0 || !strings.Contains(codes.stdout, want) {
			t.Errorf("help exit-codes: exit %d, stdout %q lacks %q", codes.code, codes.stdout, want)
		}
	}
}
