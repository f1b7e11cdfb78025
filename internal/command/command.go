// Package command is the scaffold every program is built on (vault-token, vault-token-fake,
// and the fleet module's vault-token-fleet and fleet-demo): Main, the cobra root's set-up
// (Execute), the one mapping from a run's end to its exit status (Status, Report), how a
// signal stops a run, the environment's names, the one --expires grammar (ParseExpires)
// and quoting for a shell. It is internal: no program's behaviour is an API.
package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses. A signal N ends a program with 128+N (130 for Ctrl-C).
const (
	ExitOK      = 0
	ExitVault   = 1 // a Vault or network error
	ExitUsage   = 2 // a usage error or invalid input: nothing was sent
	ExitUnknown = 3 // Vault may have acted, but the outcome is unknown
)

// StoppedBy is the cause of a context a signal ended.
type StoppedBy struct{ Sig syscall.Signal }

func (s StoppedBy) Error() string { return "stopped by " + s.Sig.String() }

// ExitStatus is the status a program a signal stopped exits with.
func (s StoppedBy) ExitStatus() int { return 128 + int(s.Sig) }

// WithSignals returns a context that every signal a program can catch ends (so a call in
// flight ends, and a temporary file is removed) instead of killing the process where it
// stands; its cause is a StoppedBy. After the first signal a second one has its usual
// effect.
func WithSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			if sig, ok := s.(syscall.Signal); ok {
				cancel(StoppedBy{sig})
			}
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel(nil) }
}

// ShellQuote quotes s for a POSIX shell when it needs quoting.
func ShellQuote(s string) string {
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

// UsageError is a mistake in a command line: nothing was done, and the program exits 2.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// UsageErrorf is a UsageError with a formatted message.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{fmt.Sprintf(format, args...)}
}

// RanError marks an error a command's body returned, as opposed to one cobra found in the
// command line before running it (an unknown flag, a stray argument).
type RanError struct{ Err error }

func (e *RanError) Error() string { return e.Err.Error() }
func (e *RanError) Unwrap() error { return e.Err }

// IsUsage reports whether err is a mistake in the command line: one cobra found before
// running a command, or a UsageError a command returned.
func IsUsage(err error) bool {
	var ran *RanError
	var usage *UsageError
	return !errors.As(err, &ran) || errors.As(err, &usage)
}
