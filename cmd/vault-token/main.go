// Command vault-token creates Veeva Vault API access tokens: a safer replacement for
// hand-written curl calls. Run "vault-token help" for the subcommands.
//
// stdout carries only the result (a token, JSON, a version list); messages go to stderr.
// Exit status: 0 on success, 1 on a Vault or network error, 2 on a usage error or invalid
// input.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/acme/vault-token/client"
)

const (
	exitOK    = 0
	exitVault = 1
	exitUsage = 2
)

// app is the command with its surroundings, so tests can run it in-process too.
type app struct {
	stdin        io.Reader
	stdout       io.Writer
	stderr       io.Writer
	getenv       func(string) string
	isTerminal   func() bool
	readPassword func() ([]byte, error) // no echo
	now          func() time.Time
}

func main() {
	// Every signal the command can catch ends the call (and so removes a temporary
	// --out-file) instead of killing the process where it stands.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer stop()
	fd := int(os.Stdin.Fd())
	a := &app{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		isTerminal:   func() bool { return term.IsTerminal(fd) },
		readPassword: func() ([]byte, error) { return term.ReadPassword(fd) },
		now:          time.Now,
	}
	os.Exit(a.run(ctx, os.Args[1:]))
}

const usage = `vault-token creates Veeva Vault API access tokens.

Usage:
  vault-token generate --vault DNS (--user ID | --me | --sandbox NAME) --name NAME [--expires WHEN]
  vault-token versions --vault DNS
  vault-token demo      the whole flow against an in-process fake Vault (no network, no credentials)
  vault-token fake      serve the fake Vault on loopback for integration tests

Credentials come from the environment: VAULT_SESSION_ID, or VAULT_ACCESS_TOKEN, or
VAULT_USERNAME with VAULT_PASSWORD (or --password-stdin, or a prompt on a terminal).

Run "vault-token COMMAND --help" for a command's flags and an example.
`

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return exitUsage
	}
	cmds := map[string]func(context.Context, []string) error{
		"generate": a.generate,
		"versions": a.versions,
		"demo":     a.demo,
		"fake":     a.fake,
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(a.stderr, "vault-token: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return a.report(cmd(ctx, args[1:]))
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// report prints err for a person and picks the exit status.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(a.stderr, "vault-token: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, client.ErrInvalidInput) {
		return exitUsage
	}
	var unknown *client.UnknownOutcomeError
	if errors.As(err, &unknown) {
		fmt.Fprintln(a.stderr, "vault-token: the request may have reached Vault, so it was not retried. Before trying again, list the user's tokens:")
		fmt.Fprintln(a.stderr, `vault-token:   SELECT id, name__v, status__v, expiry_date__sys FROM api_access_token__sys WHERE user__sys = {user_id}`)
	}
	return exitVault
}
