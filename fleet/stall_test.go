package fleet

import (
	"errors"
	"net/url"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/fleet/internal/netcut"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// TestStalledRotatorsReachTheStatedBound: two rotators lose the lock (cut off from etcd)
// while Vault holds their token requests; a third rotates. When Vault then answers the
// two, four tokens of the name are active: current, previous, and one per stalled
// request, the bound docs/fleet.md states (3 + one per rotator that lost the lock with a
// request in flight). The next run revokes both, because each one's intent claims it.
func TestStalledRotatorsReachTheStatedBound(t *testing.T) {
	w := newWorld(t, nil)
	first, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(61 * 24 * time.Hour) // due
	target, err := url.Parse(w.etcd.Endpoints()[0])
	if err != nil {
		t.Fatal(err)
	}
	holds := []chan struct{}{make(chan struct{}), make(chan struct{})}
	var proxies []*netcut.Proxy
	done := make(chan error, len(holds))
	created := w.fake.Count(openapi.OpGenerateMyAPIAccessToken)
	for i, hold := range holds {
		w.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Until: hold})
		p := netcut.New(t, target.Host)
		proxies = append(proxies, p)
		stalled := w.rotator(w.etcd.ClientOf(t, clientv3.Config{Endpoints: []string{"http://" + p.Addr()}}))
		stalled.LockTTL = shortLease
		go func() {
			_, err := stalled.Rotate(w.ctx(), RotateOptions{IfDue: true})
			done <- err
		}()
		// Vault has its request: cut it off from etcd, so its lease ends and the next
		// rotator takes the lock.
		if err := w.fake.WaitForRequests(w.ctx(), openapi.OpGenerateMyAPIAccessToken, created+i+1); err != nil {
			t.Fatal(err)
		}
		p.Cut()
	}
	rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil || !rep.Rotated {
		t.Fatalf("the rotation while two rotators stalled: %+v, %v", rep, err)
	}
	for i, p := range proxies {
		p.Restore()
		close(holds[i])
	}
	for range holds {
		if err := <-done; !errors.Is(err, ErrLostLock) {
			t.Errorf("a stalled rotator ended with %v, want ErrLostLock", err)
		}
	}
	if n := len(w.active()); n != 4 {
		t.Fatalf("%d active tokens of the name, want the stated bound reached: 4", n)
	}

	next, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil || len(next.RevokedOrphans) != 2 {
		t.Fatalf("the next run: %+v, %v; want both stalled rotators' tokens revoked", next, err)
	}
	if diff := ids(w.active()); len(diff) != 2 || !diff[first.Current.ID] || !diff[rep.Current.ID] {
		t.Errorf("active after the next run: %v, want the current and previous tokens", diff)
	}
	w.checkInvariants()
}
