// Command vault-token creates Veeva Vault API access tokens: a safer replacement for
// hand-written curl calls. Run "vault-token help" for the commands.
//
// stdout carries only the result (a token, JSON, a version list); messages go to stderr.
// Exit status: 0 on success, 1 on a Vault or network error, 2 on a usage error or invalid
// input (nothing was sent), 3 when Vault may have acted but the outcome is unknown (a
// token may exist, a revoke may have happened: check before you retry; also when a signal
// stopped it while such a request was in flight), 128+N when stopped by signal N otherwise
// (130 for Ctrl-C).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

// app is the command with its surroundings, so tests can run it in-process too.
type app struct {
	stdin        io.Reader
	stdout       io.Writer
	stderr       io.Writer
	getenv       func(string) string
	isTerminal   func() bool
	readPassword func(context.Context) ([]byte, error) // no echo; ends with ctx
	now          func() time.Time
	// clients are the clients the run made: a session one of them logged in for is ended
	// before the command exits.
	clients []*client.Client
	// deadline is when the run's --timeout ends (zero before a command set one).
	deadline time.Time
	// passwordUser is the user name of the run's password login, if it has one: when
	// Vault refuses the password, report asks how the user signs in (ssoHint).
	passwordUser string
}

func main() {
	fd := int(os.Stdin.Fd())
	a := &app{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		isTerminal:   func() bool { return term.IsTerminal(fd) },
		readPassword: func(ctx context.Context) ([]byte, error) { return readPassword(ctx, fd) },
		now:          time.Now,
	}
	command.Main(a.run)
}

// readPassword reads a line from the terminal without echo. A signal (Ctrl-C) ends the
// wait at once and restores the terminal: term.ReadPassword alone would go on reading,
// since the signal no longer kills the process.
func readPassword(ctx context.Context, fd int) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	type result struct {
		pw  []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := term.ReadPassword(fd)
		done <- result{pw, err}
	}()
	select {
	case r := <-done:
		return r.pw, r.err
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		return nil, context.Cause(ctx)
	}
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.newRootCmd()
	root.SetIn(a.stdin)
	cmd, err := command.Execute(ctx, root, args, a.stdout, a.stderr)
	code := a.report(ctx, cmd.CommandPath(), err)
	a.endSessions(ctx)
	return code
}

// endSessions ends the sessions the run logged in for (command.EndSessions), within the
// run's --timeout.
func (a *app) endSessions(ctx context.Context) {
	if !a.deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, a.deadline)
		defer cancel()
	}
	command.EndSessions(ctx, a.stderr, "vault-token", a.clients...)
}

// report prints err once, for a person, and picks the exit status (command.Status).
func (a *app) report(ctx context.Context, cmdPath string, err error) int {
	var exited *command.ExitedError
	if errors.As(err, &exited) {
		return exited.Code
	}
	code := command.Status(ctx, err)
	var stopped command.StoppedBy
	switch {
	case code == command.ExitOK:
		return code
	case code == command.ExitUsage:
		return command.ReportUsage(a.stderr, cmdPath, command.Message(err))
	case code != command.ExitUnknown && errors.As(context.Cause(ctx), &stopped):
		// The library's words for a wait that ended ("stopped waiting ...: context
		// canceled") are not the operator's: say what stopped the command.
		fmt.Fprintf(a.stderr, "vault-token: stopped by a signal (%s) before the command finished\n", stopped.Sig)
	default:
		fmt.Fprintf(a.stderr, "vault-token: %s\n", command.Message(err))
	}
	var unknown *client.UnknownOutcomeError
	if errors.As(err, &unknown) && unknown.Find != nil {
		who := "--me"
		if unknown.Find.UserID != "" {
			who = "--user " + unknown.Find.UserID
		}
		where := ""
		if unknown.Sandbox != "" {
			where = " --vault SANDBOX-DNS"
		}
		fmt.Fprintln(a.stderr, "vault-token: the request may have reached Vault, so it was not sent again. Before trying again, look for a token it made (and revoke it):")
		fmt.Fprintf(a.stderr, "vault-token:   vault-token list%s %s --name %s\n", where, who, command.ShellQuote(unknown.Find.Name))
	}
	a.ssoHint(ctx, err)
	return code
}
