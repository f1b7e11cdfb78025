package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/internal/docshell"
)

// run runs the program in-process with args.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, now: time.Now}
	code = a.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// TestReadmeDemo runs the README's first command: the demo, through to a run with no spec
// violations.
func TestReadmeDemo(t *testing.T) {
	blocks, err := docshell.Blocks("../../README.md")
	if err != nil || len(blocks) == 0 {
		t.Fatalf("README.md: %v", err)
	}
	var args []string
	for _, call := range docshell.Calls(blocks[0], "go") {
		if len(call) > 2 && call[0] == "run" && call[1] == "./cmd/vault-token-fake" {
			args = call[2:]
		}
	}
	if len(args) == 0 || args[0] != "demo" {
		t.Fatalf("the README's first block does not run go run ./cmd/vault-token-fake demo:\n%s", blocks[0])
	}
	code, stdout, stderr := run(t, args...)
	if code != 0 || !strings.Contains(stdout, ": 0 violations") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "give --cert-out FILE"},
		{[]string{"--cert-out", filepath.Join(t.TempDir(), "c.pem"), "-o", "yaml"}, "-o must be text, env or json"},
		{[]string{"stray"}, `unexpected argument "stray"`},
		{[]string{"--nmae"}, "unknown flag: --nmae"},
		{[]string{"demo", "stray"}, `unexpected argument "stray"`},
	} {
		code, stdout, stderr := run(t, tt.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "--help' for usage") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

// TestDocsCommandLines: every command line in README.md and docs/ that runs the fake (as
// vault-token fake, vault-token demo, vault-token-fake or go run ./cmd/vault-token-fake)
// parses against this program.
func TestDocsCommandLines(t *testing.T) {
	pages, err := docshell.Pages("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range pages {
		blocks, err := docshell.Blocks(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range blocks {
			var lines [][]string
			for _, args := range docshell.Calls(block, "vault-token") {
				switch {
				case len(args) > 0 && args[0] == "fake":
					lines = append(lines, args[1:])
				case len(args) > 0 && args[0] == "demo":
					lines = append(lines, args)
				}
			}
			lines = append(lines, docshell.Calls(block, name)...)
			for _, args := range docshell.Calls(block, "go") {
				if len(args) >= 2 && args[0] == "run" && args[1] == "./cmd/"+name {
					lines = append(lines, args[2:])
				}
			}
			for _, args := range lines {
				checked++
				root := (&app{}).fakeCmd()
				root.AddCommand((&app{}).demoCmd())
				if err := docshell.Parse(root, args); err != nil {
					t.Errorf("%s: %s %s: %v", filepath.Base(page), name, strings.Join(args, " "), err)
				}
			}
		}
	}
	if checked < 3 {
		t.Errorf("checked %d command lines: the pages hold more", checked)
	}
}

// TestEnvOutputSaysHowToLeave: -o env ends with the line that stops the fake and unsets
// every variable it exported, and the README's operator recipe ends the same way.
func TestEnvOutputSaysHowToLeave(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out}
	if err := a.printFake("env", "127.0.0.1:8443", "/tmp/fake-vault.pem"); err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, line := range strings.Split(out.String(), "\n") {
		if name, _, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			exported = append(exported, name)
		}
	}
	if !strings.HasSuffix(out.String(), "# to leave: "+leaveFake+"\n") {
		t.Errorf("-o env does not end with how to leave:\n%s", out.String())
	}
	for _, name := range exported {
		if !strings.Contains(leaveFake, " "+name) {
			t.Errorf("leaving does not unset %s", name)
		}
	}
	if strings.Contains(out.String(), "SSL_CERT_FILE") {
		t.Error("-o env replaces the shell's trusted roots")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "\n"+leaveFake+"\n") {
		t.Error("the README's recipe does not end with how to leave")
	}
}
