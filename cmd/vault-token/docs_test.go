package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/vault-token/internal/docshell"
)

// The shell shown in README.md and docs/ is tested: the operator's first recipe runs,
// and every vault-token command line on every page parses against the command itself.

// blocks are the ```sh blocks of a page.
func blocks(t *testing.T, page string) []string {
	t.Helper()
	b, err := docshell.Blocks(page)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadmeOperatorRecipe runs the README's first operator block in bash, with the
// vault-token under test first on PATH and /tmp/ replaced by a directory of the test's.
func TestReadmeOperatorRecipe(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	var recipe string
	for _, b := range blocks(t, "../../README.md") {
		if strings.Contains(b, "source <(vault-token fake") {
			recipe = b
			break
		}
	}
	if recipe == "" {
		t.Fatal("the README has no operator recipe (source <(vault-token fake ...))")
	}
	dir := t.TempDir()
	script := "set -euo pipefail\n" + strings.ReplaceAll(recipe, "/tmp/", dir+"/")
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = []string{"PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + dir}
	inOwnGroup(cmd) // the fake included: killed below if the recipe fails
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killGroup(cmd) })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the recipe failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "veeva-vault-") || !strings.Contains(out, "first-token") {
		t.Errorf("stdout %q: want the new token, then a list naming first-token", out)
	}
}

// TestDocsCommandLines: every vault-token command line in a ```sh block of the README and
// docs/ names a command that exists, with flags it takes and values they accept.
func TestDocsCommandLines(t *testing.T) {
	pages, err := docshell.Pages("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range pages {
		for _, block := range blocks(t, page) {
			for _, args := range docshell.Calls(block, "vault-token") {
				if len(args) > 0 && (args[0] == "fake" || args[0] == "demo") {
					continue // vault-token-fake's arguments: its own tests check them
				}
				checked++
				root := (&app{}).newRootCmd()
				root.InitDefaultHelpCmd()
				root.InitDefaultCompletionCmd()
				if err := docshell.Parse(root, args); err != nil {
					t.Errorf("%s: vault-token %s: %v", filepath.Base(page), strings.Join(args, " "), err)
				}
			}
		}
	}
	if checked < 15 {
		t.Errorf("checked %d command lines: the pages hold more", checked)
	}
}
