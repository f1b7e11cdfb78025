package fleet

import (
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
)

// TestMemberRestartsMidRotation: the etcd leader stops right after the pending commit
// (the rotator's lock lease and its next writes need a new leader) and starts again after
// the rotation: the rotation completes on the other two, the restarted member catches up,
// and a consumer reading only from it gets the new token.
func TestMemberRestartsMidRotation(t *testing.T) {
	c := etcdtest.Start(t, 3, nil)
	w := newWorld(t, c)
	if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := w.rotator(nil) // its lease, the default, outlasts an election on a busy machine
	stopped := -1
	r.afterPhase = func(s phase) error {
		if s == phasePending {
			stopped = c.Leader()
			c.Stop(stopped)
		}
		return nil
	}
	rep, err := r.Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stopped < 0 {
		t.Fatal("the rotation did not reach the pending commit")
	}
	if err := c.Restart(stopped); err != nil {
		t.Fatal(err)
	}

	src, err := NewSource(w.ctx(), w.store(c.ClientOf(t, clientv3.Config{Endpoints: []string{c.Members[stopped].URL}})), w.sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	(&consumer{src: src}).waitFor(t, rep.Current.ID)
	w.checkInvariants()
}
