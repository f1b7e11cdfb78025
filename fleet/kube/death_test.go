package kube

import (
	"testing"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/openapi"
)

// TestRotatorKilledAtEachStep: a rotator dies (cut off from the API server for good: its
// Lease is neither renewed nor released) at each step of a rotation, held there at the
// fake Vault; the next rotator waits out its Lease, recovers what it left, and rotates. The
// fleet's invariants hold after each, and a consumer's call goes through.
func TestRotatorKilledAtEachStep(t *testing.T) {
	for _, step := range []struct {
		name string
		op   string // the Vault call the rotator dies in: it is sent, and answered after
		// second: the call is the second of op in the run (the first is the listing)
		second bool
	}{
		{name: "creating", op: openapi.OpGenerateMyAPIAccessToken},
		{name: "checking", op: openapi.OpValidateSessionUser},
		{name: "reading the new token's expiry", op: openapi.OpQueryAPIAccessTokens, second: true},
		{name: "revoking the previous token", op: openapi.OpDeleteAPIAccessTokens},
	} {
		t.Run(step.name, func(t *testing.T) {
			w := newWorld(t)
			c := w.consumer(nil)
			_, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if step.op == openapi.OpDeleteAPIAccessTokens {
				// A previous token whose grace period is over, for the dying run to revoke.
				if _, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
					t.Fatal(err)
				}
				w.endGrace()
			}
			store, p := w.cutOffStore()
			dying := w.rotator(store)
			dying.LockTTL = shortLease
			hold := make(chan struct{})
			n := w.fake.Count(step.op) + 1
			if step.second {
				n++
				if err := w.fake.Inject(vaulttest.Fault{Op: step.op}); err != nil { // the listing: answered
					t.Fatal(err)
				}
			}
			if err := w.fake.Inject(vaulttest.Fault{Op: step.op, Until: hold}); err != nil {
				t.Fatal(err)
			}
			died := make(chan error, 1)
			go func() {
				_, err := dying.Rotate(ctx(t), fleet.RotateOptions{})
				died <- err
			}()
			if err := w.fake.WaitForRequests(ctx(t), step.op, n); err != nil {
				t.Fatal(err)
			}
			p.Cut() // the process is gone: no more renewals, no release
			close(hold)
			rep, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{})
			if err != nil {
				t.Fatalf("the rotation after the death: %v", err)
			}
			if !rep.Rotated {
				t.Errorf("the rotation after the death: %+v", rep)
			}
			if err := <-died; err == nil {
				t.Error("the dead rotator's run succeeded")
			}
			c.waitFor(t, rep.Current.ID)
			if err := c.call(ctx(t)); err != nil {
				t.Errorf("a consumer's call after the recovery: %v", err)
			}
			// An orphan the dead run's intent claims is revoked by this run or the next.
			w.endGrace()
			if _, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
				t.Fatal(err)
			}
			w.checkInvariants()
		})
	}
}
