// Command vault-token creates Veeva Vault API access tokens: a safer replacement for
// hand-written curl calls. Run "vault-token help" for the commands.
//
// stdout carries only the result (a token, JSON, a version list); messages go to stderr.
// Exit status: 0 on success, 1 on a Vault or network error, 2 on a usage error or invalid
// input (nothing was sent), 3 when Vault may have acted but the outcome is unknown (a
// token may exist, a revoke may have happened: check before you retry), 128+N when
// stopped by signal N (130 for Ctrl-C).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/acme/vault-token/client"
)

const (
	exitOK      = 0
	exitVault   = 1
	exitUsage   = 2
	exitUnknown = 3
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
	// passwordUser is the user name of the run's password login, if it has one: when
	// Vault refuses the password, report asks how the user signs in (ssoHint).
	passwordUser string
}

func main() {
	ctx, stop := withSignals(context.Background())
	fd := int(os.Stdin.Fd())
	a := &app{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		isTerminal:   func() bool { return term.IsTerminal(fd) },
		readPassword: func(ctx context.Context) ([]byte, error) { return readPassword(ctx, fd) },
		now:          time.Now,
	}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// stoppedBy is the cause of a context a signal ended.
type stoppedBy struct{ sig syscall.Signal }

func (s stoppedBy) Error() string { return "stopped by " + s.sig.String() }

// withSignals returns a context that every signal the command can catch ends (so a call
// in flight ends, and a temporary --out-file is removed) instead of killing the process
// where it stands. After the first signal a second one has its usual effect.
func withSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			if sig, ok := s.(syscall.Signal); ok {
				cancel(stoppedBy{sig})
			}
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
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
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	code := a.report(ctx, cmd.CommandPath(), err)
	a.endSessions(ctx)
	return code
}

// endSessionTimeout bounds ending the run's sessions: the command is done, and a Vault
// that does not answer must not hold it up.
const endSessionTimeout = 5 * time.Second

// endSessions ends the sessions the run logged in for, whatever ended the run (success, an
// error, a signal), so that a session ID leaked from a finished job is useless. Failing to
// end one is a warning, not a failed run.
func (a *app) endSessions(ctx context.Context) {
	for _, cl := range a.clients {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), endSessionTimeout)
		if err := cl.EndSession(ctx); err != nil {
			fmt.Fprintf(a.stderr, "vault-token: warning: the session was not ended (Vault ends it when it idles out): %s\n", message(err))
		}
		cancel()
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// ranError marks an error a command's body returned, as opposed to one cobra found in the
// command line before running it (an unknown flag, a missing required one).
type ranError struct{ err error }

func (e *ranError) Error() string { return e.err.Error() }
func (e *ranError) Unwrap() error { return e.err }

// report prints err once, for a person, and picks the exit status.
func (a *app) report(ctx context.Context, command string, err error) int {
	if err == nil {
		return exitOK
	}
	var ran *ranError
	var usage *usageError
	switch {
	case !errors.As(err, &ran) || errors.As(err, &usage) || errors.Is(err, client.ErrInvalidInput):
		fmt.Fprintf(a.stderr, "%s: %s\nRun '%s --help' for usage.\n", command, message(err), command)
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "vault-token: %s\n", message(err))
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
		fmt.Fprintf(a.stderr, "vault-token:   vault-token list%s %s --name %s\n", where, who, shellQuote(unknown.Find.Name))
	}
	a.ssoHint(ctx, err)
	var stopped stoppedBy
	if errors.As(context.Cause(ctx), &stopped) {
		return 128 + int(stopped.sig)
	}
	if errors.As(err, &unknown) {
		return exitUnknown
	}
	return exitVault
}

// message is err for the operator: invalid input as the field and what is wrong with it
// (the command line's words), anything else as it prints.
func message(err error) string {
	var in *client.InputError
	if errors.As(err, &in) {
		return "invalid " + in.Field + ": " + in.Reason
	}
	return err.Error()
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, needsQuoting) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func needsQuoting(r rune) bool {
	switch {
	case r == '-', r == '_', r == '.', r == '/', '0' <= r && r <= '9', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		return false
	}
	return true
}
