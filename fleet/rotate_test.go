package fleet

import (
	"errors"
	"testing"
	"time"

	"github.com/acme/vault-token/fleet/internal/etcdtest"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/openapi"
)

// TestRotationReachesEveryConsumer: a first rotation makes the current token, a second
// promotes a new one and keeps the first as previous; consumers switch to each as etcd
// reports it, and none of them logs in. The fake counts the Vault calls, etcd's revision
// the writes.
func TestRotationReachesEveryConsumer(t *testing.T) {
	w := newWorld(t, nil)
	var consumers []*consumer
	for range 5 {
		consumers = append(consumers, w.consumer())
	}
	r := w.rotator(nil)
	first, err := r.Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range consumers {
		c.waitFor(t, first.Current.ID)
		if err := c.call(w.ctx()); err != nil {
			t.Fatalf("a consumer's call with the fleet's token: %v", err)
		}
	}

	w.clock.Advance(61 * 24 * time.Hour) // past two thirds of 90 days: due
	// A run of its own, as the command makes one: its own client, its own login.
	r = w.rotator(nil)
	callsBefore, loginsBefore, revBefore := w.fake.Count(""), w.fake.Count(openapi.OpAuthenticate), etcdtest.Revision(t, w.etcd.Client(t))
	second, err := r.Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil {
		t.Fatal(err)
	}
	logins := w.fake.Count(openapi.OpAuthenticate) - loginsBefore
	calls := w.fake.Count("") - callsBefore - logins
	writes := etcdtest.Revision(t, w.etcd.Client(t)) - revBefore
	if !second.Rotated || second.Current.ID == first.Current.ID {
		t.Fatalf("second rotation: %+v", second)
	}
	// list, create, check, read the expiry.
	if calls > 4 || logins != 1 {
		t.Errorf("the rotation made %d Vault calls besides %d logins, want at most 4 and 1", calls, logins)
	}
	if writes > 6 {
		t.Errorf("the rotation made %d etcd writes, want at most 6", writes)
	}
	for _, c := range consumers {
		c.waitFor(t, second.Current.ID)
		if err := c.call(w.ctx()); err != nil {
			t.Fatalf("a consumer's call with the new token: %v", err)
		}
	}
	if n := w.fake.Count(openapi.OpAuthenticate); n != 2 {
		t.Errorf("%d logins, want the rotators' two (one per run): consumers never log in", n)
	}
	rec := w.record()
	if rec.Previous == nil || rec.Previous.ID != first.Current.ID || rec.Epoch != 2 {
		t.Errorf("after two rotations: previous %+v, epoch %d", rec.Previous, rec.Epoch)
	}
	if diff := cmp.Diff(map[string]bool{first.Current.ID: true, second.Current.ID: true}, ids(w.active())); diff != "" {
		t.Errorf("active tokens (-want +got):\n%s", diff)
	}
	w.checkInvariants()
}

func ids[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for id := range m {
		out[id] = true
	}
	return out
}

// TestGracePeriodIsKept: inside the previous token's grace period a rotation refuses
// (when its deadline ends first) or waits for the period to end; only then is the previous
// token revoked. A job with IfDue neither waits nor fails.
func TestGracePeriodIsKept(t *testing.T) {
	w := newWorld(t, nil)
	r := w.rotator(nil)
	second, prev := w.rotateTwice(r)

	rep, err := r.Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil || rep.Rotated {
		t.Fatalf("IfDue inside the grace period: %+v, %v", rep, err)
	}
	var graceErr *GraceError
	if _, err := r.Rotate(w.ctx(), RotateOptions{}); !errors.As(err, &graceErr) || !graceErr.Until.Equal(w.record().PreviousRevocableAt) {
		t.Fatalf("a rotation whose deadline ends inside the grace period: %v", err)
	}
	if _, ok := w.active()[prev.ID]; !ok {
		t.Fatal("the previous token was revoked inside its grace period")
	}

	done := make(chan error, 1)
	go func() {
		_, err := r.Rotate(t.Context(), RotateOptions{}) // no deadline: it waits
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the rotation did not wait: %v", err)
	case <-w.clock.waited:
	}
	if _, ok := w.active()[prev.ID]; !ok {
		t.Fatal("the previous token was revoked while a rotation waited")
	}
	w.clock.Advance(11 * time.Minute)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := w.active()[prev.ID]; ok {
		t.Error("the previous token is still active after its grace period and a rotation")
	}
	if rec := w.record(); rec.Previous == nil || rec.Previous.ID != second.Current.ID {
		t.Errorf("previous after the third rotation: %+v", rec.Previous)
	}
	w.checkInvariants()
}
