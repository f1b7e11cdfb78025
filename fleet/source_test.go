package fleet

import (
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
	src := &Source{etcd: w.etcd.Client(t), key: w.key, sealer: w.sealer, changed: make(chan struct{})}
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
	if id, _ := src.Current(); id != last.Current.ID {
		t.Errorf("the consumer holds %s, want the current %s", id, last.Current.ID)
	}
}
