package fleet

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// TestRotatorsRaceConsumersKeepWorking: three rotators, each with its own etcd client,
// run at once, round after round, while five consumers call Vault without pause. Each round
// exactly one rotator rotates (the others find the new token inside its grace period); the
// round ends when every consumer uses the new token, and only then does the grace period
// end (the rule: at least the longest consumer refresh). No consumer call ever fails, so
// no consumer held a revoked token; a consumer never holds anything but the record's
// current token when a revocation is sent.
func TestRotatorsRaceConsumersKeepWorking(t *testing.T) {
	w := newWorld(t, nil)
	var consumers []*consumer
	for range 5 {
		consumers = append(consumers, w.consumer())
	}
	rotators := make([]*Rotator, 3)
	for i := range rotators {
		rotators[i] = w.rotator(nil)
		rotators[i].afterPhase = func(s phase) error {
			if s != phaseRevoking {
				return nil
			}
			current := w.record().Current
			for _, c := range consumers {
				if id := now(c.src).ID; current == nil || id != current.ID {
					t.Errorf("a revocation is sent while a consumer holds %s, not the current token", id)
				}
			}
			return nil
		}
	}

	stop := make(chan struct{})
	var calls sync.WaitGroup
	callErrs := make(chan error, len(consumers))
	first, err := rotators[0].Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range consumers {
		c.waitFor(t, first.Current.ID)
		calls.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := c.call(w.ctx()); err != nil {
					callErrs <- err
					return
				}
			}
		})
	}

	for round := range 4 {
		w.clock.Advance(61 * 24 * time.Hour) // due
		reports := make([]*Report, len(rotators))
		errs := make([]error, len(rotators))
		var wg sync.WaitGroup
		for i, r := range rotators {
			wg.Go(func() { reports[i], errs[i] = r.Rotate(w.ctx(), RotateOptions{IfDue: true}) })
		}
		wg.Wait()
		var rotated []*Report
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, rotator %d: %v", round, i, err)
			}
			if reports[i].Rotated {
				rotated = append(rotated, reports[i])
			}
		}
		if len(rotated) != 1 {
			t.Fatalf("round %d: %d rotators rotated, want 1", round, len(rotated))
		}
		for _, c := range consumers {
			c.waitFor(t, rotated[0].Current.ID)
		}
		if n := len(w.active()); n > 3 {
			t.Errorf("round %d: %d active tokens of the name", round, n)
		}
		w.clock.Advance(11 * time.Minute) // the grace period ends
	}
	close(stop)
	calls.Wait()
	close(callErrs)
	for err := range callErrs {
		t.Errorf("a consumer's call failed: %v", err)
	}
	// A last run revokes the last previous token.
	if _, err := rotators[1].Rotate(w.ctx(), RotateOptions{IfDue: true}); err != nil && !errors.Is(err, ErrLostLock) {
		t.Fatal(err)
	}
	w.checkInvariants()
	if n := len(w.active()); n != 1 {
		t.Errorf("%d active tokens of the name after the last grace period, want 1", n)
	}
}
