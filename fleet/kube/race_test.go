package kube

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/vault-token/fleet"
)

// TestRotatorsRaceWhileConsumersCall: three rotators rotate at once, again and again,
// while consumers call Vault without pause: no call fails (nothing a consumer may hold is
// revoked inside its grace period), and the fleet's invariants hold at the end.
func TestRotatorsRaceWhileConsumersCall(t *testing.T) {
	w := newWorld(t)
	if _, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	consumers := []*consumer{w.consumer(nil), w.consumer(nil), w.consumer(nil)}
	stop := make(chan struct{})
	var calls, failed atomic.Int64
	var firstErr atomic.Value
	var cwg sync.WaitGroup
	for _, c := range consumers {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				calls.Add(1)
				if err := c.call(context.Background()); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	var rwg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		r := w.rotator(nil)
		r.Grace = time.Second // on the API server's clock; the rotators wait it out
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for range 2 {
				rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				_, err := r.Rotate(rctx, fleet.RotateOptions{})
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	rwg.Wait()
	close(stop)
	cwg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a rotator: %v", err)
	}
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d consumer calls failed; the first: %v", n, calls.Load(), firstErr.Load())
	}
	if st := w.status(); st.Epoch != 7 {
		t.Errorf("epoch %d after 1+6 rotations, want 7", st.Epoch)
	}
	w.checkInvariants()
}
