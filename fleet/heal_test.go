package fleet

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/openapi"
)

// admin is an administrator's client of the fake: what an operator revokes tokens with.
func (w *world) admin() *client.Client {
	w.t.Helper()
	c, err := client.New(w.fake.DNS, client.WithHTTPClient(w.fake.Client()),
		client.WithCredentials(client.Password(rotatorUser.Username, rotatorUser.Password)))
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// revokeByHand revokes ids as an administrator would, outside the fleet.
func (w *world) revokeByHand(ids ...string) {
	w.t.Helper()
	if _, err := w.admin().RevokeAPIAccessTokens(w.ctx(), ids...); err != nil {
		w.t.Fatal(err)
	}
}

// calling runs the consumers' calls to Vault without pause until the returned stop is
// called, which reports every call that failed.
func calling(t *testing.T, consumers []*consumer) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	for _, c := range consumers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := c.call(context.Background()); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		})
	}
	return func() {
		t.Helper()
		close(done)
		wg.Wait()
		if len(failed) > 0 {
			t.Errorf("%d consumer calls failed; the first: %v", len(failed), failed[0])
		}
	}
}

// TestAdminRevocationHealedByIfDue: an administrator revokes the current token in Vault.
// The next --if-due run, with nothing due by the schedule, learns it from Vault (the
// current token itself, no login) and rotates at once; consumers switch to the new token.
func TestAdminRevocationHealedByIfDue(t *testing.T) {
	w := newWorld(t, nil)
	c := w.consumer()
	first, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, first.Current.ID)

	// Nothing to do: the look costs one call with the token, and no login.
	logins := w.fake.Count(openapi.OpAuthenticate)
	rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil || rep.Rotated || rep.CurrentAccepted == nil || !*rep.CurrentAccepted {
		t.Fatalf("an --if-due run with a working token: %+v, %v", rep, err)
	}
	if n := w.fake.Count(openapi.OpAuthenticate) - logins; n != 0 {
		t.Errorf("an --if-due run with nothing to do logged in %d times", n)
	}

	w.revokeByHand(first.Current.ID)
	if err := c.call(w.ctx()); !errors.Is(err, client.ErrorTypeInvalidSessionID) {
		t.Fatalf("a consumer's call with the revoked token: %v", err)
	}
	rep, err = w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil || !rep.Rotated || rep.CurrentAccepted == nil || *rep.CurrentAccepted {
		t.Fatalf("the --if-due run after the revocation: %+v, %v; want a rotation that says Vault refused the token", rep, err)
	}
	if rec := w.record(); rec.Previous != nil {
		t.Errorf("the refused token is kept as previous: %+v", rec.Previous)
	}
	c.waitFor(t, rep.Current.ID)
	if err := c.call(w.ctx()); err != nil {
		t.Fatalf("a consumer's call after the healing run: %v", err)
	}
	w.checkInvariants()
}

// TestRevokedCurrentInsideGrace: the current token is revoked while the previous one is
// in its grace period. A rotation does not wait for the grace period (the fleet has no
// working token), and keeps the previous token and its grace as they were.
func TestRevokedCurrentInsideGrace(t *testing.T) {
	w := newWorld(t, nil)
	second, prev := w.rotateTwice(w.rotator(nil))
	w.revokeByHand(second.Current.ID)
	rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
	if err != nil || !rep.Rotated {
		t.Fatalf("an --if-due run inside the grace period with a revoked current token: %+v, %v", rep, err)
	}
	if rec := w.record(); rec.Previous == nil || rec.Previous.ID != prev.ID || rec.Grace != w.record().Grace {
		t.Errorf("previous after the healing rotation: %+v, want %s kept", rec.Previous, prev.ID)
	}
	if _, ok := w.active()[prev.ID]; !ok {
		t.Error("the previous token was revoked inside its grace period")
	}
	w.checkInvariants()
}

// TestRestoredBackupHeals: etcd is restored from a backup two rotations old. Its current
// token was revoked since; the tokens made after the backup are active, and the restored
// record cannot prove it made them. The next --if-due run makes a new current token,
// revokes nothing it did not create, names the others and fails.
func TestRestoredBackupHeals(t *testing.T) {
	w := newWorld(t, nil)
	cli := w.etcd.Client(t)
	r := w.rotator(nil)
	if _, err := r.Rotate(w.ctx(), RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	backup, err := cli.Get(w.ctx(), w.key)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		w.clock.Advance(61 * 24 * time.Hour)
		if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true}); err != nil {
			t.Fatal(err)
		}
	}
	madeAfter := ids(w.active())
	if _, err := cli.Put(w.ctx(), w.key, string(backup.Kvs[0].Value)); err != nil {
		t.Fatal(err)
	}
	revocations := w.fake.Count(openapi.OpDeleteAPIAccessTokens)

	rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{IfDue: true})
	var foreign *ForeignTokensError
	if !errors.As(err, &foreign) || rep == nil || !rep.Rotated {
		t.Fatalf("the run after the restore: %+v, %v; want a rotation and a ForeignTokensError", rep, err)
	}
	if diff := cmp.Diff(madeAfter, toSet(foreign.IDs)); diff != "" {
		t.Errorf("the tokens named foreign (-made after the backup +named):\n%s", diff)
	}
	if n := w.fake.Count(openapi.OpDeleteAPIAccessTokens) - revocations; n != 0 {
		t.Errorf("%d revocations after the restore, want none", n)
	}
	for id := range madeAfter {
		if _, ok := w.active()[id]; !ok {
			t.Errorf("token %s, made after the backup, was revoked", id)
		}
	}
	if _, ok := w.active()[w.record().Current.ID]; !ok {
		t.Error("the new current token is not active")
	}
}

func toSet(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// TestTwoRecordsNameOneToken: a second record (a key renamed, a second environment) names
// the same Vault user and token name. Its first run makes its own token and fails naming
// the first fleet's current token, which it does not revoke; the first fleet's next run
// does the same the other way.
func TestTwoRecordsNameOneToken(t *testing.T) {
	w := newWorld(t, nil)
	a, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := w.rotator(nil)
	if other.Store, err = NewEtcdStore(w.etcd.Client(t), w.key+"-renamed"); err != nil {
		t.Fatal(err)
	}
	b, err := other.Rotate(w.ctx(), RotateOptions{IfDue: true})
	var foreign *ForeignTokensError
	if !errors.As(err, &foreign) || !slices.Equal(foreign.IDs, []string{a.Current.ID}) {
		t.Fatalf("the second record's first run: %v; want a ForeignTokensError naming %s", err, a.Current.ID)
	}
	if _, ok := w.active()[a.Current.ID]; !ok {
		t.Fatal("the first fleet's current token was revoked by the second record")
	}
	_, err = w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
	if !errors.As(err, &foreign) || !slices.Equal(foreign.IDs, []string{b.Current.ID}) {
		t.Fatalf("the first record's next run: %v; want a ForeignTokensError naming %s", err, b.Current.ID)
	}
	if _, ok := w.active()[b.Current.ID]; !ok {
		t.Fatal("the second record's current token was revoked by the first")
	}
}

// TestUnreadableRecordKeepsConsumers: the record becomes unreadable (garbage, truncated
// JSON, a newer format, sealed under another key) or is deleted while five consumers call
// Vault without pause. No call fails: each consumer keeps the token it had and reports
// the error; a rotator refuses to touch the record; when the record is put back, every
// consumer reports no error again.
func TestUnreadableRecordKeepsConsumers(t *testing.T) {
	otherKey, err := NewSealer(make([]byte, SealKeySize))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		bad  func(w *world, good []byte) []byte // nil: delete the record
		want error
	}{
		{"garbage", func(*world, []byte) []byte { return []byte("\x00\xffnot a record") }, ErrUnreadableRecord},
		{"truncated", func(_ *world, good []byte) []byte { return good[:len(good)/2] }, ErrUnreadableRecord},
		{"newer format", func(*world, []byte) []byte { return []byte(`{"format":2}`) }, ErrUnreadableRecord},
		{"another key", func(w *world, good []byte) []byte {
			rec, err := decodeRecord(good)
			if err != nil {
				w.t.Fatal(err)
			}
			tok := client.Token{ID: rec.Current.ID, Value: client.NewSecret("veeva-vault-sealed-by-another-key")}
			if rec.Current.Sealed, err = otherKey.seal(w.key, tok.ID, tok.Value); err != nil {
				w.t.Fatal(err)
			}
			b, _ := rec.encode()
			return b
		}, ErrWrongSealKey},
		{"deleted", nil, ErrNoRecord},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, nil)
			cli := w.etcd.Client(t)
			rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var consumers []*consumer
			for range 5 {
				c := w.consumer()
				c.waitFor(t, rep.Current.ID)
				consumers = append(consumers, c)
			}
			stop := calling(t, consumers)
			good, err := cli.Get(w.ctx(), w.key)
			if err != nil {
				t.Fatal(err)
			}
			if tc.bad == nil {
				_, err = cli.Delete(w.ctx(), w.key)
			} else {
				_, err = cli.Put(w.ctx(), w.key, string(tc.bad(w, good.Kvs[0].Value)))
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range consumers {
				c.waitForErr(t, true)
				if err := c.src.Err(); !errors.Is(err, tc.want) {
					t.Errorf("the consumer reports %v, want %v", err, tc.want)
				}
			}
			if tc.bad != nil {
				before := etcdtest.Revision(t, cli)
				if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); !errors.Is(err, tc.want) {
					t.Errorf("a rotation over the record: %v, want %v", err, tc.want)
				}
				if n := etcdtest.Revision(t, cli) - before; n != 0 {
					t.Errorf("the refused rotation wrote %d times", n)
				}
			}
			if _, err := cli.Put(w.ctx(), w.key, string(good.Kvs[0].Value)); err != nil {
				t.Fatal(err)
			}
			for _, c := range consumers {
				c.waitForErr(t, false)
			}
			stop()
		})
	}
}

// waitForErr waits until the consumer's source reports an error (or none, with !want).
func (c *consumer) waitForErr(t *testing.T, want bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seen, _ := c.src.Wait(ctx, Snapshot{})
	for (seen.Err != nil) != want {
		var err error
		if seen, err = c.src.Wait(ctx, seen); err != nil {
			t.Fatalf("after a minute the consumer reports %v", seen.Err)
		}
	}
}

// TestWrongKeyRotatorIsRefused: a rotator given another sealing key is refused before it
// writes to etcd or calls Vault; with ReplaceSealKey (an operator replacing a lost key) it
// keeps the old current token as previous, by ID, and seals a new one with its key.
// Consumers of the old key keep the old token; consumers of the new one get the new token.
func TestWrongKeyRotatorIsRefused(t *testing.T) {
	w := newWorld(t, nil)
	first, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	oldKeyConsumer := w.consumer()
	oldKeyConsumer.waitFor(t, first.Current.ID)

	newKey := make([]byte, SealKeySize)
	newKey[0] = 1
	sealer, err := NewSealer(newKey)
	if err != nil {
		t.Fatal(err)
	}
	wrong := w.rotator(nil)
	wrong.Sealer = sealer
	calls, rev := w.fake.Count(""), etcdtest.Revision(t, w.etcd.Client(t))
	if _, err := wrong.Rotate(w.ctx(), RotateOptions{}); !errors.Is(err, ErrWrongSealKey) {
		t.Fatalf("a rotator with another key: %v, want ErrWrongSealKey", err)
	}
	if n := w.fake.Count("") - calls; n != 0 {
		t.Errorf("the refused rotator made %d Vault calls", n)
	}
	if n := etcdtest.Revision(t, w.etcd.Client(t)) - rev; n != 0 {
		t.Errorf("the refused rotator made %d etcd writes", n)
	}

	rep, err := wrong.Rotate(w.ctx(), RotateOptions{ReplaceSealKey: true})
	if err != nil || !rep.Rotated {
		t.Fatalf("a rotation that replaces the key: %+v, %v", rep, err)
	}
	rec := w.record()
	if rec.Previous == nil || rec.Previous.ID != first.Current.ID || rec.Previous.Sealed != nil {
		t.Errorf("previous after the key's replacement: %+v, want %s by ID only", rec.Previous, first.Current.ID)
	}
	oldKeyConsumer.waitForErr(t, true)
	if err := oldKeyConsumer.call(w.ctx()); err != nil {
		t.Errorf("a consumer of the old key, inside the grace period: %v", err)
	}
	newSrc, err := NewSource(w.ctx(), w.store(w.etcd.Client(t)), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer newSrc.Close()
	if got := now(newSrc); got.ID != rep.Current.ID || got.Err != nil {
		t.Errorf("a consumer of the new key holds %s (%v), want %s", got.ID, got.Err, rep.Current.ID)
	}
	// The next runs open every value with the new key: the replacement is done.
	w.clock.Advance(11 * time.Minute)
	if _, err := wrong.Rotate(w.ctx(), RotateOptions{}); err != nil {
		t.Fatalf("the rotation after the replacement: %v", err)
	}
	w.checkInvariants()
}

// TestConcurrentIfDueRunsMakeNoHerd: twenty --if-due runs at once, each with its own
// client (as twenty jobs would), on a due token: one rotation, and the runs that find the
// work done make no login and no listing. Counted by the fake.
func TestConcurrentIfDueRunsMakeNoHerd(t *testing.T) {
	w := newWorld(t, nil)
	if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(61 * 24 * time.Hour)
	logins, listings := w.fake.Count(openapi.OpAuthenticate), w.fake.Count(openapi.OpQueryAPIAccessTokens)
	epoch := w.record().Epoch
	var wg sync.WaitGroup
	rotated := make(chan bool, 20)
	for range 20 {
		r := w.rotator(nil)
		wg.Go(func() {
			rep, err := r.Rotate(w.ctx(), RotateOptions{IfDue: true})
			if err != nil {
				t.Errorf("a concurrent --if-due run: %v", err)
				return
			}
			rotated <- rep.Rotated
		})
	}
	wg.Wait()
	close(rotated)
	n := 0
	for r := range rotated {
		if r {
			n++
		}
	}
	if n != 1 || w.record().Epoch != epoch+1 {
		t.Errorf("%d runs rotated, epoch %d → %d; want one rotation", n, epoch, w.record().Epoch)
	}
	if got := w.fake.Count(openapi.OpAuthenticate) - logins; got > 2 {
		t.Errorf("%d password logins, want at most 2", got)
	}
	if got := w.fake.Count(openapi.OpQueryAPIAccessTokens) - listings; got > 4 {
		t.Errorf("%d listings, want at most 4", got)
	}
	w.checkInvariants()
}

// skewedClock is a rotator's clock that runs off by skew from the others'.
type skewedClock struct {
	Clock
	skew time.Duration
}

func (c skewedClock) Now() time.Time { return c.Clock.Now().Add(c.skew) }

// TestSkewedClocksKeepTheGrace: rotators whose clocks run two hours fast or slow neither
// end a grace period early nor keep it late: etcd's lease measures it.
func TestSkewedClocksKeepTheGrace(t *testing.T) {
	for _, skew := range []time.Duration{2 * time.Hour, -2 * time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			w := newWorld(t, nil)
			r := w.rotator(nil)
			r.Grace = time.Hour
			_, prev := w.rotateTwice(r)
			skewed := w.rotator(nil)
			skewed.Clock = skewedClock{w.clock, skew}
			var graceErr *GraceError
			if _, err := skewed.Rotate(w.ctx(), RotateOptions{}); !errors.As(err, &graceErr) {
				t.Fatalf("a rotator %s off inside the grace period: %v, want a GraceError", skew, err)
			}
			if _, err := skewed.Rotate(w.ctx(), RotateOptions{IfDue: true}); err != nil {
				t.Fatal(err)
			}
			if _, ok := w.active()[prev.ID]; !ok {
				t.Fatalf("a rotator %s off revoked the previous token inside its grace period", skew)
			}
			w.endGrace() // etcd's clock reaches the end
			rep, err := skewed.Rotate(w.ctx(), RotateOptions{IfDue: true})
			if err != nil || rep.RevokedPrevious != prev.ID {
				t.Fatalf("after the grace period: %+v, %v; want the previous token revoked", rep, err)
			}
		})
	}
}

// rotateTwice runs two rotations with r: the second's report, and the previous token it
// keeps in its grace period.
func (w *world) rotateTwice(r *Rotator) (*Report, *entry) {
	w.t.Helper()
	if _, err := r.Rotate(w.ctx(), RotateOptions{}); err != nil {
		w.t.Fatal(err)
	}
	second, err := r.Rotate(w.ctx(), RotateOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	return second, w.record().Previous
}
