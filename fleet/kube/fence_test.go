package kube

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/internal/kubetest"
	"github.com/acme/vault-token/fleet/internal/netcut"
	"github.com/acme/vault-token/openapi"
)

// cutOffStore is a store whose connections to the API server go through a proxy the test
// cuts.
func (w *world) cutOffStore() (*Store, *netcut.Proxy) {
	w.t.Helper()
	u, err := url.Parse(api.URL)
	if err != nil {
		w.t.Fatal(err)
	}
	p := netcut.New(w.t, u.Host)
	cfg := api.Config(kubetest.Admin)
	cfg.Host = "https://" + p.Addr()
	cfg.Timeout = 2 * time.Second // a request into the cut fails soon, not after a minute
	return w.store(cfg), p
}

// TestCutOffHolderIsRefused: a holder cut off from the API server past its Lease knows it
// lost the lock, and its write, sent anyway once it can reach the server again (the fence
// alone: Write does not look at Lost), is refused by the API server: another holder took
// the Lease and wrote the Secret.
func TestCutOffHolderIsRefused(t *testing.T) {
	w := newWorld(t)
	if _, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	a, p := w.cutOffStore()
	held, err := a.Lock(ctx(t), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Read(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	p.Cut()
	b := w.store(nil)
	bHeld, err := b.Lock(ctx(t), 2*time.Second) // waits out a's Lease
	if err != nil {
		t.Fatal(err)
	}
	defer bHeld.Release(ctx(t))
	select {
	case <-held.Lost():
	default:
		t.Error("the cut-off holder does not know it lost the lock, though another holds it")
	}
	bSt, err := b.Read(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	// Its first write changes the record (in a rotation: its intent, before any token is
	// made); a write that changes nothing does not move the resourceVersion.
	bSt.Record = []byte(`{"format":1,"name":"` + tokenName + `","epoch":7}`)
	if _, err := bHeld.Write(ctx(t), bSt); err != nil {
		t.Fatalf("the new holder's write: %v", err)
	}
	p.Restore()
	if _, err := held.Write(ctx(t), fleet.Stored{Record: []byte(`{"format":1,"name":"written by a holder that lost the lock"}`), Version: st.Version}); !errors.Is(err, fleet.ErrLostLock) {
		t.Fatalf("the write of a holder cut off past its Lease: %v, want ErrLostLock", err)
	}
	if got := w.status(); got.Name != tokenName {
		t.Fatalf("the record was overwritten: %+v", got)
	}
}

// TestRotatorCutOffLosesItsWrite: a rotator cut off from the API server right after it
// created a token loses its Lease; another rotator takes the lock and rotates, revoking the
// orphan its intent claims; the first one's next write is refused when it comes back, and
// no token is left that the record does not know.
func TestRotatorCutOffLosesItsWrite(t *testing.T) {
	w := newWorld(t)
	if _, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	store, p := w.cutOffStore()
	cutOff := w.rotator(store)
	cutOff.LockTTL = 2 * time.Second
	hold := make(chan struct{})
	if err := w.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Until: hold}); err != nil {
		t.Fatal(err)
	}
	created := w.fake.Count(openapi.OpGenerateMyAPIAccessToken)
	done := make(chan error, 1)
	go func() {
		_, err := cutOff.Rotate(ctx(t), fleet.RotateOptions{})
		done <- err
	}()
	if err := w.fake.WaitForRequests(ctx(t), openapi.OpGenerateMyAPIAccessToken, created+1); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	close(hold) // the token is made; the rotator cannot write it down
	rep, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Rotated || len(rep.RevokedOrphans) != 1 {
		t.Errorf("the rotation while the first was cut off: %+v, want one orphan revoked", rep)
	}
	p.Restore()
	if err := <-done; err == nil {
		t.Fatal("the cut-off rotator succeeded")
	}
	// The orphan is revoked by the run after the one that saw the intent's token, at the
	// latest: the intent claims it once Vault lists it.
	w.endGrace()
	if _, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	w.checkInvariants()
}
