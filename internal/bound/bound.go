// Package bound holds the one rule by which the programs keep --timeout a bound on a whole
// run: the clean-up after the work (releasing a lock, ending a session) runs on a context
// of its own that ends with the run's deadline, or shortly after when the work used it up.
package bound

import (
	"context"
	"time"
)

// Cleanup is the context of the clean-up after work whose context is ctx: not cancelled
// with ctx, and ending at ctx's deadline or allowance from now, whichever is later, so the
// clean-up outlasts the run's bound by allowance at most. Without a deadline it ends
// allowance from now.
func Cleanup(ctx context.Context, allowance time.Duration) (context.Context, context.CancelFunc) {
	end := time.Now().Add(allowance)
	if d, ok := ctx.Deadline(); ok && d.After(end) {
		end = d
	}
	return context.WithDeadline(context.WithoutCancel(ctx), end)
}
