package command

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// What every program's commands share: how a command's errors are marked, how arguments
// are refused, how JSON is printed and how a run's end is reported.

// RunE marks what f returns as an error of the run (a RanError), apart from the errors
// cobra finds in the command line before running it, which are all usage errors.
func RunE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := f(cmd, args); err != nil {
			return &RanError{Err: err}
		}
		return nil
	}
}

// NoArgs refuses positional arguments, in the operator's words: usually a value whose flag
// was mistyped, or a name with spaces left unquoted.
func NoArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return UsageErrorf("unexpected argument %q (quote a name with spaces)", args[0])
	}
	return nil
}

// EncodeJSON is v as every command prints it: indented by two spaces, one line at the end.
func EncodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

// PrintJSON writes v to w as EncodeJSON makes it.
func PrintJSON(w io.Writer, v any) error {
	b, err := EncodeJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// ReportUsage prints a usage error for cmdPath and returns ExitUsage.
func ReportUsage(w io.Writer, cmdPath, message string) int {
	fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", cmdPath, message, cmdPath)
	return ExitUsage
}

// SignalExit is the exit status of a run a signal stopped (128+N), if one did.
func SignalExit(ctx context.Context) (int, bool) {
	var stopped StoppedBy
	if errors.As(context.Cause(ctx), &stopped) {
		return stopped.ExitStatus(), true
	}
	return 0, false
}
