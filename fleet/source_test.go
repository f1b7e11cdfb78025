package fleet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/openapi"
)

// TestConsumerRereadsWhenRefused: a consumer whose watch never reported two promotions
// (here: it has none) still holds a token that has since been revoked. Vault refuses it;
// the consumer reads the record afresh, once, and the call goes through with the current
// token.
func TestConsumerRereadsWhenRefused(t *testing.T) {
	w := newWorld(t, nil)
	r := w.rotator(nil)
	first, err := r.Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := &Source{store: w.store(w.etcd.Client(t)), sealer: w.sealer, changed: make(chan struct{})}
	if err := src.reread(w.ctx()); err != nil { // no watch
		t.Fatal(err)
	}
	if _, err := r.Rotate(w.ctx(), RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(11 * time.Minute)
	last, err := r.Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.active()[first.Current.ID]; ok {
		t.Fatal("the first token is still active")
	}
	vault, err := client.New(w.fake.DNS, client.WithHTTPClient(w.fake.Client()), client.WithCredentials(client.AccessTokenFrom(src)))
	if err != nil {
		t.Fatal(err)
	}
	before := w.fake.Count(openapi.OpValidateSessionUser)
	if _, err := vault.MyUserID(w.ctx()); err != nil {
		t.Fatalf("the call after the refusal: %v", err)
	}
	if n := w.fake.Count(openapi.OpValidateSessionUser) - before; n != 2 {
		t.Errorf("%d calls, want the refused one and its replay", n)
	}
	if id := now(src).ID; id != last.Current.ID {
		t.Errorf("the consumer holds %s, want the current %s", id, last.Current.ID)
	}
}

// TestWait: Wait returns what a source gives at once for the zero Snapshot, then at the
// next promotion (the new token's ID and epoch), and with the context's cause when it ends
// first.
func TestWait(t *testing.T) {
	w := newWorld(t, nil)
	r := w.rotator(nil)
	first, err := r.Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := NewSource(w.ctx(), w.store(w.etcd.Client(t)), w.sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	seen, err := src.Wait(w.ctx(), Snapshot{})
	if err != nil || seen.ID != first.Current.ID || seen.Epoch != first.Epoch || seen.Err != nil {
		t.Fatalf("Wait(zero) = %+v, %v; want %s at epoch %d", seen, err, first.Current.ID, first.Epoch)
	}
	stop := errors.New("the test is done waiting")
	ctx, cancel := context.WithCancelCause(w.ctx())
	cancel(stop)
	if got, err := src.Wait(ctx, seen); !errors.Is(err, stop) || got.ID != seen.ID {
		t.Errorf("Wait on an ended context = %+v, %v; want what it gives and the cause", got, err)
	}
	next, err := r.Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := src.Wait(w.ctx(), seen)
	for err == nil && got.ID != next.Current.ID { // an earlier change (none is expected) is passed over
		got, err = src.Wait(w.ctx(), got)
	}
	if err != nil || got.Epoch != next.Epoch || next.Current.Expires == nil || !got.Expires.Equal(*next.Current.Expires) ||
		got.Promoted.Before(next.Current.Created) {
		t.Errorf("Wait after the promotion = %+v, %v; want %s at epoch %d, expiring at %v, promoted after its creation", got, err, next.Current.ID, next.Epoch, next.Current.Expires)
	}
}
