// Command vault-token-fake serves the fake Veeva Vault of package vaulttest on loopback,
// for trying vault-token and for other teams' integration tests, and runs the demo: the
// library's whole flow against an in-process fake. "vault-token fake" and
// "vault-token demo" run it.
//
// It is a program of its own because the fake checks every request and reply against the
// spec with kin-openapi, whose packages take several milliseconds to initialize: linked
// into vault-token, every start of every command would pay for them.
//
// stdout carries only the result (the fake's address or export lines, the demo's story);
// messages go to stderr. Exit status: 0 on success (a fake stopped by a signal included),
// 1 on an error, 2 on a usage error.
package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/acme/vault-token/internal/command"
)

const name = "vault-token-fake"

// app is the program with its surroundings, so tests can run it in-process too.
type app struct {
	stdout, stderr io.Writer
	now            func() time.Time
}

func main() {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, now: time.Now}
	command.Main(a.run)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.fakeCmd()
	root.AddCommand(a.demoCmd())
	root.CompletionOptions.DisableDefaultCmd = true // vault-token's completion covers vault-token fake
	cmd, err := command.Execute(ctx, root, args, a.stdout, a.stderr)
	return command.Report(ctx, a.stderr, name, cmd.CommandPath(), err)
}
