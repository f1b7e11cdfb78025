package kube

import (
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/openapi"
)

// TestAPIServerRestartsMidRotation: the API server is killed and started again while a
// rotation checks its new token; etcd keeps the record, the rotation promotes once the
// server is back, and a consumer whose watch broke follows it to the new token.
func TestAPIServerRestartsMidRotation(t *testing.T) {
	w := newWorld(t)
	first, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := w.consumer(nil)
	c.waitFor(t, first.Current.ID)
	r := w.rotator(nil)
	r.LockTTL = 30 * time.Second // the Lease outlives the restart
	hold := make(chan struct{})
	n := w.fake.Count(openapi.OpValidateSessionUser)
	if err := w.fake.Inject(vaulttest.Fault{Op: openapi.OpValidateSessionUser, Until: hold}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var rep *fleet.Report
	go func() {
		var err error
		rep, err = r.Rotate(ctx(t), fleet.RotateOptions{})
		done <- err
	}()
	if err := w.fake.WaitForRequests(ctx(t), openapi.OpValidateSessionUser, n+1); err != nil {
		t.Fatal(err)
	}
	if st := w.status(); st.Pending == nil {
		t.Fatalf("no pending token while the rotation checks it: %+v", st)
	}
	if err := api.Restart(); err != nil {
		t.Fatal(err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatalf("the rotation across the restart: %v", err)
	}
	if !rep.Rotated || rep.Current.ID == first.Current.ID {
		t.Fatalf("the rotation across the restart: %+v", rep)
	}
	c.waitFor(t, rep.Current.ID)
	if err := c.call(ctx(t)); err != nil {
		t.Errorf("a consumer's call after the restart: %v", err)
	}
	w.checkInvariants()
}
