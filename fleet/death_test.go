package fleet

import (
	"errors"
	"testing"
	"time"
)

// TestRotatorDiesAtEachStep: a rotator stops for good at each step of a rotation (its
// etcd client closed, so its lease ends as a dead process's would, and it never writes
// again); the next rotator waits out the lock's lease, recovers, and rotates. Consumers
// end on the record's current token, and no token of the name is left that the record
// does not know.
func TestRotatorDiesAtEachStep(t *testing.T) {
	for _, step := range []phase{phaseCreated, phasePending, phaseVerified, phasePromoted, phaseRevoking} {
		t.Run(string(step), func(t *testing.T) {
			w := newWorld(t, nil)
			consumer := w.consumer()
			if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); err != nil {
				t.Fatal(err)
			}
			if step == phaseRevoking {
				// A previous token past its grace, for the dying run to revoke.
				if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); err != nil {
					t.Fatal(err)
				}
				w.clock.Advance(11 * time.Minute)
			}

			dying := w.rotator(w.etcd.Client(t))
			dying.LockTTL = shortLease
			reached, release := make(chan struct{}), make(chan struct{})
			dying.afterPhase = func(s phase) error {
				if s != step {
					return nil
				}
				close(reached)
				<-release
				return errDied
			}
			died := make(chan error, 1)
			go func() {
				_, err := dying.Rotate(w.ctx(), RotateOptions{})
				died <- err
			}()
			select {
			case <-reached:
			case err := <-died:
				t.Fatalf("the rotator ended before %s: %v", step, err)
			}
			_ = dying.Store.(*EtcdStore).cli.Close() // the process is gone: no more lease keep-alives

			rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
			close(release)
			if err := <-died; !errors.Is(err, errDied) {
				t.Errorf("the dead rotator ended with %v", err)
			}
			if err != nil {
				var graceErr *GraceError
				if step != phasePromoted || !errors.As(err, &graceErr) {
					t.Fatalf("the next rotation: %v", err)
				}
				// The dead rotator promoted: its token is current and the one before it
				// is in its grace period, which the next rotation keeps.
				rep, err = w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
				if err != nil {
					t.Fatal(err)
				}
			}
			rec := w.record()
			consumer.waitFor(t, rec.Current.ID)
			if err := consumer.call(w.ctx()); err != nil {
				t.Errorf("the consumer's call with the current token: %v", err)
			}
			if step == phasePending && rep.AdoptedPending == "" {
				t.Errorf("the dead rotator's pending token was not adopted: %+v", rep)
			}
			if step == phaseCreated && len(rep.RevokedOrphans) != 1 {
				t.Errorf("the dead rotator's uncommitted token was not revoked: %+v", rep)
			}
			w.checkInvariants()
		})
	}
}
