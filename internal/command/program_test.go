package command

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/acme/vault-token/client"
)

// TestStatus: the one mapping from a run's end to its exit status, with and without the
// signal that stopped the run: an unknown outcome is 3 either way.
func TestStatus(t *testing.T) {
	unknown := fmt.Errorf("rotate: %w", &RanError{Err: &client.UnknownOutcomeError{Op: "x", Err: context.Canceled}})
	vault := &RanError{Err: errors.New("Vault refused")}
	usage := &RanError{Err: UsageErrorf("--name is required")}
	stopped, stop := context.WithCancelCause(context.Background())
	stop(StoppedBy{Sig: syscall.SIGTERM})
	for _, tt := range []struct {
		ctx  context.Context
		err  error
		want int
	}{
		{context.Background(), nil, ExitOK},
		{context.Background(), usage, ExitUsage},
		{context.Background(), errors.New("unknown flag --nmae"), ExitUsage}, // cobra's, before the run
		{context.Background(), vault, ExitVault},
		{context.Background(), unknown, ExitUnknown},
		{stopped, unknown, ExitUnknown},
		{stopped, vault, 128 + int(syscall.SIGTERM)},
		{stopped, nil, ExitOK},
		{context.Background(), &RanError{Err: &ExitedError{Program: "child", Code: 7}}, 7},
		{stopped, &RanError{Err: &ExitedError{Program: "child", Code: 143}}, 143},
	} {
		if got := Status(tt.ctx, tt.err); got != tt.want {
			t.Errorf("Status(stopped %v, %v) = %d, want %d", tt.ctx.Err() != nil, tt.err, got, tt.want)
		}
	}
}
