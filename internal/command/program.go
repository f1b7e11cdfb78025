package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/bound"
)

// Main is every program's main: it runs run with the process's arguments, on a context
// that a signal ends (WithSignals), and exits with the status run returns.
func Main(run func(ctx context.Context, args []string) int) {
	ctx, stop := WithSignals(context.Background())
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Execute runs root, a program's cobra root, with args, writing to stdout and stderr, and
// returns the command that ran (root when none did) with its error. It sets root up as
// every program has it: errors printed once, by Report, and a usage error pointing to
// --help rather than listing every flag; a flag error a usage error (naming the flag
// meant, for a mistyped one); no positional
// argument to a root without commands, unless it says otherwise; and a root with no body of its own, run without a
// command, prints its usage and fails as a usage error.
func Execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) (*cobra.Command, error) {
	root.SilenceErrors, root.SilenceUsage = true, true
	root.SetFlagErrorFunc(flagError)
	if root.Args == nil && !root.HasSubCommands() {
		root.Args = NoArgs // with commands, cobra's own check says "unknown command", with a suggestion
	}
	if root.RunE == nil && root.Run == nil {
		root.RunE = func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			_ = cmd.Usage()
			return UsageErrorf("a command is required")
		}
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if cmd == nil {
		cmd = root
	}
	return cmd, err
}

// Status is the exit status of a run that ended with err, on ctx: the one rule every
// program follows, and the table of docs/command.md.
//
//   - 0: no error.
//   - 2: a usage error or invalid input: nothing was sent.
//   - 3: Vault may have acted and the outcome is unknown (a token may exist). This wins
//     over the signal that stopped the run: a script that checks for 3 must learn that a
//     token may exist, however the run ended.
//   - 128+N: signal N stopped the run (130 for Ctrl-C).
//   - 1: any other error (Vault, the network, a store).
//
// A program that ran another in its place (an *ExitedError) exits with that one's status.
func Status(ctx context.Context, err error) int {
	var unknown *client.UnknownOutcomeError
	var exited *ExitedError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &exited):
		return exited.Code
	case IsUsage(err) || errors.Is(err, client.ErrInvalidInput):
		return ExitUsage
	case errors.As(err, &unknown):
		return ExitUnknown
	}
	if code, stopped := SignalExit(ctx); stopped {
		return code
	}
	return ExitVault
}

// Report ends a run of program: it prints err once (a usage error with a pointer to
// cmdPath's --help) and returns the status Status gives.
func Report(ctx context.Context, w io.Writer, program, cmdPath string, err error) int {
	code := Status(ctx, err)
	var exited *ExitedError
	switch {
	case errors.As(err, &exited):
		// The program that ran said what it had to.
	case code == ExitOK:
	case code == ExitUsage:
		ReportUsage(w, cmdPath, Message(err))
	default:
		fmt.Fprintf(w, "%s: %s\n", program, Message(err))
	}
	return code
}

// ExitedError is the exit status of a program a run ran in its place or as its child:
// the run exits with it and prints nothing more (the program said what it had to).
type ExitedError struct {
	Program string
	Code    int
}

func (e *ExitedError) Error() string {
	return fmt.Sprintf("%s exited with status %d", e.Program, e.Code)
}

// Message is err for the operator: invalid input as the field and what is wrong with it
// (the command line's words), anything else as it prints.
func Message(err error) string {
	var in *client.InputError
	if errors.As(err, &in) {
		return "invalid " + in.Field + ": " + in.Reason
	}
	return err.Error()
}

// EndSessionAllowance is how long ending a run's Vault sessions may take past the run's
// --timeout: the command is done, and a Vault that does not answer must not hold it up.
const EndSessionAllowance = time.Second

// EndSessions ends the sessions clients logged in for, whatever ended the run (success, an
// error, a signal), so that a session ID leaked from a finished job is useless. It ends
// with ctx's deadline, or EndSessionAllowance from now when the run used that up (the
// session idles out in Vault). Failing to end one is a warning on w, not a failed run.
func EndSessions(ctx context.Context, w io.Writer, program string, clients ...*client.Client) {
	ctx, cancel := bound.Cleanup(ctx, EndSessionAllowance)
	defer cancel()
	for _, c := range clients {
		if err := c.EndSession(ctx); err != nil {
			fmt.Fprintf(w, "%s: warning: the session was not ended (Vault ends it when it idles out): %s\n", program, Message(err))
		}
	}
}
