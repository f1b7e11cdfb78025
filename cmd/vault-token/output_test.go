package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// resultless are the commands that print no result a script would read: they narrate
// (demo), serve (fake: its address is a line for the shell), write files (man), or print
// a script (completion, help). fleet runs vault-token-fleet, whose own tests check its
// commands' -o json.
var resultless = []string{"demo", "fake", "man", "completion", "help", "fleet"}

// TestEveryCommandPrintsJSON: every command that prints a result takes -o json.
func TestEveryCommandPrintsJSON(t *testing.T) {
	root := (&app{}).newRootCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	seen := 0
	for _, cmd := range root.Commands() {
		if slices.Contains(resultless, cmd.Name()) || !cmd.IsAvailableCommand() {
			continue // a help topic (no Run) prints its text, not a result
		}
		seen++
		f := cmd.Flags().Lookup("output")
		if f == nil || f.Shorthand != "o" {
			t.Errorf("%s has no -o/--output", cmd.Name())
			continue
		}
		if err := f.Value.Set("json"); err != nil {
			t.Errorf("%s -o json: %v", cmd.Name(), err)
		}
	}
	if seen < 6 {
		t.Errorf("checked %d commands: the list of commands is not what the test expects", seen)
	}
}

func TestVersionJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, now: time.Now}
	if code := a.run(context.Background(), []string{"version", "-o", "json"}); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	var v buildVersion
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatalf("%v: %q", err, stdout.String())
	}
	if v.Client == "" || v.Spec == "" || v.APIVersion == "" || !strings.HasPrefix(v.Go, "go") {
		t.Errorf("version %+v", v)
	}
}

// TestShortVIsVerbose: -v is --verbose on every command that talks to a Vault, and the
// root's --version has no -v of its own.
func TestShortVIsVerbose(t *testing.T) {
	root := (&app{}).newRootCmd()
	if f := root.Flags().Lookup("version"); f == nil || f.Shorthand != "" {
		t.Errorf("--version: %+v, want a flag without a shorthand", f)
	}
	n := 0
	for _, cmd := range root.Commands() {
		if cmd.Flags().Lookup("vault") == nil {
			continue
		}
		n++
		if f := cmd.Flags().ShorthandLookup("v"); f == nil || f.Name != "verbose" {
			t.Errorf("%s -v is %v, want --verbose", cmd.Name(), f)
		}
	}
	if n < 5 {
		t.Errorf("%d commands take --vault, want generate, rotate, list, revoke and versions", n)
	}
}
