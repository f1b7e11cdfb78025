package fleet

import (
	"errors"
	"net/url"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/fleet/internal/netcut"
)

// TestFenceRefusesAWriteAfterTheLeaseEnds: a holder whose lease ended while it went on
// believing it held the lock (it has not noticed: the check before writing is skipped)
// has its write refused by etcd itself, once another holder has taken the lock.
func TestFenceRefusesAWriteAfterTheLeaseEnds(t *testing.T) {
	w := newWorld(t, nil)
	a, err := lockStore(w.ctx(), w.store(w.etcd.Client(t)), w.sealer, shortLease)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.read(w.ctx()); err != nil {
		t.Fatal(err)
	}
	// The lease ends under a, as when a partition outlasts it.
	if _, err := w.etcd.Client(t).Revoke(w.ctx(), a.hold.(*etcdHold).session.Lease()); err != nil {
		t.Fatal(err)
	}
	b, err := lockStore(w.ctx(), w.store(w.etcd.Client(t)), w.sealer, shortLease)
	if err != nil {
		t.Fatal(err)
	}
	defer b.release(w.ctx())
	// The store's fence alone: Write does not look at Lost.
	if _, err := a.hold.Write(w.ctx(), Stored{Record: []byte(`{"format":1}`), Version: a.version}); !errors.Is(err, ErrLostLock) {
		t.Fatalf("the write of a holder whose lease ended: %v, want ErrLostLock", err)
	}
	if got := w.record(); got != nil {
		t.Fatalf("the record was written: %+v", got)
	}
	if _, err := b.read(w.ctx()); err != nil {
		t.Fatal(err)
	}
	if err := b.write(w.ctx(), &record{Format: recordFormat, Name: "the holder"}); err != nil {
		t.Fatalf("the holder's write: %v", err)
	}
}

// TestRotatorCutOffLosesItsWrite: a rotator behind a loopback proxy is cut off from etcd
// right after it created a token; its lease ends while it waits, another rotator takes
// the lock and rotates (revoking the orphan), and when the first one comes back its next
// write is refused. No token is left that the record does not know.
func TestRotatorCutOffLosesItsWrite(t *testing.T) {
	w := newWorld(t, nil)
	if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(61 * 24 * time.Hour)
	target, err := url.Parse(w.etcd.Endpoints()[0])
	if err != nil {
		t.Fatal(err)
	}
	p := netcut.New(t, target.Host)
	cutOff := w.rotator(w.etcd.ClientOf(t, clientv3.Config{Endpoints: []string{"http://" + p.Addr()}}))
	cutOff.LockTTL = shortLease
	created, resume := make(chan struct{}), make(chan struct{})
	cutOff.afterPhase = func(s phase) error {
		if s == phaseCreated {
			p.Cut()
			close(created)
			<-resume
			p.Restore()
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := cutOff.Rotate(w.ctx(), RotateOptions{})
		done <- err
	}()
	<-created
	rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Rotated || len(rep.RevokedOrphans) != 1 {
		t.Errorf("the rotation while the first was cut off: %+v", rep)
	}
	close(resume)
	if err := <-done; !errors.Is(err, ErrLostLock) {
		t.Fatalf("the cut-off rotator ended with %v, want ErrLostLock", err)
	}
	if rec := w.record(); rec.Current.ID != rep.Current.ID || rec.Pending != nil {
		t.Errorf("the record after the cut-off rotator came back: %+v", rec)
	}
	w.checkInvariants()
}
