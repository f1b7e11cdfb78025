package fleet

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/vault-token/fleet/internal/etcdtest"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
)

// tokenName is the fleet token's name in every test.
const tokenName = "fleet-svc"

// rotatorUser is the fake's user who rotates: an administrator, whose password logs in.
var rotatorUser = vaulttest.DefaultUsers()[0]

// testClock is the fake Vault's clock, which a test moves forward: tokens expire, grace
// periods end, and a rotator waiting for one wakes, without the test waiting.
type testClock struct {
	fake    *vaulttest.Server
	mu      sync.Mutex
	waiters []waiter
	waited  chan struct{} // receives when a rotator starts waiting
	// onAdvance moves etcd's side of time: it ends the grace leases the advance outlives.
	onAdvance func(d time.Duration)
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func (c *testClock) Now() time.Time { return c.fake.Now() }

func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{at: c.fake.Now().Add(d), ch: ch})
	select {
	case c.waited <- struct{}{}:
	default:
	}
	return ch
}

func (c *testClock) Advance(d time.Duration) {
	c.fake.Advance(d)
	if c.onAdvance != nil {
		c.onAdvance(d)
	}
	now := c.fake.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if now.Before(w.at) {
			kept = append(kept, w)
		} else {
			w.ch <- now
		}
	}
	c.waiters = kept
}

// world is one test's fleet: an etcd cluster, the fake Vault, a sealing key and the
// record's key.
type world struct {
	t      testing.TB
	etcd   *etcdtest.Cluster
	fake   *vaulttest.Server
	clock  *testClock
	sealer *Sealer
	key    string

	mu       sync.Mutex
	leaseAge map[int64]time.Duration // how far the test clock moved since each grace lease was seen
}

// worlds numbers the worlds, so that a benchmark that runs again gets a key of its own.
var worlds atomic.Int64

func newWorld(t testing.TB, c *etcdtest.Cluster) *world {
	t.Helper()
	return newWorldWith(t, c, vaulttest.Config{})
}

// newWorldWith is newWorld with a fake Vault as cfg says.
func newWorldWith(t testing.TB, c *etcdtest.Cluster, cfg vaulttest.Config) *world {
	t.Helper()
	if c == nil {
		c = shared
	}
	fake := vaulttest.NewTestServer(t, cfg)
	key := make([]byte, SealKeySize)
	_, _ = rand.Read(key)
	sealer, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, etcd: c, fake: fake, clock: &testClock{fake: fake, waited: make(chan struct{}, 1)}, sealer: sealer, key: fmt.Sprintf("/vault-token/%s/%d", t.Name(), worlds.Add(1))}
	w.clock.onAdvance = w.ageGraceLeases
	return w
}

// ageGraceLeases ends the record's grace lease once the test clock has moved past its
// time to live since the lease was first seen: etcd's clock, which measures the grace,
// does not follow the test's, so the test revokes the lease as time passing would end it.
func (w *world) ageGraceLeases(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.leaseAge == nil {
		w.leaseAge = map[int64]time.Duration{}
	}
	cli := w.etcd.Client(w.t)
	rec, _, err := readRecord(w.ctx(), w.store(cli))
	lease := graceLease(rec)
	if err != nil || lease == 0 {
		return
	}
	w.leaseAge[int64(lease)] += d
	resp, err := cli.TimeToLive(w.ctx(), lease)
	if err != nil || resp.TTL <= 0 {
		return
	}
	if w.leaseAge[int64(lease)] >= time.Duration(resp.GrantedTTL)*time.Second {
		w.endGrace()
	}
}

// endGrace ends the record's grace period now, as etcd's clock reaching its end would.
func (w *world) endGrace() {
	w.t.Helper()
	lease := graceLease(w.record())
	if lease == 0 {
		return
	}
	if _, err := w.etcd.Client(w.t).Revoke(w.ctx(), lease); err != nil {
		w.t.Fatalf("end the grace period: %v", err)
	}
}

// graceLease is the etcd lease of rec's grace period (0 for none).
func graceLease(rec *record) clientv3.LeaseID {
	if rec == nil || rec.Grace == "" {
		return 0
	}
	id, _ := strconv.ParseInt(rec.Grace, 10, 64)
	return clientv3.LeaseID(id)
}

// store is the world's record reached through cli.
func (w *world) store(cli *clientv3.Client) *EtcdStore {
	w.t.Helper()
	s, err := NewEtcdStore(cli, w.key)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// rotator is a new rotator with an etcd client of its own.
func (w *world) rotator(cli *clientv3.Client) *Rotator {
	w.t.Helper()
	if cli == nil {
		cli = w.etcd.Client(w.t)
	}
	vault, err := client.New(w.fake.DNS, client.WithHTTPClient(w.fake.Client()),
		client.WithCredentials(client.Password(rotatorUser.Username, rotatorUser.Password)))
	if err != nil {
		w.t.Fatal(err)
	}
	return &Rotator{
		Store: w.store(cli), Sealer: w.sealer, Vault: vault, Name: tokenName,
		Connect: func(creds client.Credentials) (*client.Client, error) {
			return client.New(w.fake.DNS, client.WithHTTPClient(w.fake.Client()), client.WithCredentials(creds))
		},
		Lifetime: 90 * 24 * time.Hour, Grace: 10 * time.Minute, Clock: w.clock,
	}
}

// consumer is a service replica: a Source on an etcd client of its own, and a Vault
// client that authenticates with it.
type consumer struct {
	src   *Source
	vault *client.Client
}

func (w *world) consumer() *consumer {
	w.t.Helper()
	src, err := NewSource(w.ctx(), w.store(w.etcd.Client(w.t)), w.sealer)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = src.Close() })
	vault, err := client.New(w.fake.DNS, client.WithHTTPClient(w.fake.Client()), client.WithCredentials(client.AccessTokenFrom(src)))
	if err != nil {
		w.t.Fatal(err)
	}
	return &consumer{src: src, vault: vault}
}

// call makes a call to Vault with the consumer's token: a token query, which Vault answers
// afresh each time (unlike the user's ID, which a client asks for once).
func (c *consumer) call(ctx context.Context) error {
	_, err := c.vault.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: tokenName})
	return err
}

// ctx is a context for one step of a test: a minute, far beyond what any step takes.
func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	w.t.Cleanup(cancel)
	return ctx
}

// record reads the record.
func (w *world) record() *record {
	w.t.Helper()
	rec, _, err := readRecord(w.ctx(), w.store(w.etcd.Client(w.t)))
	if err != nil {
		w.t.Fatal(err)
	}
	return rec
}

// active is the fake's active tokens of the fleet's name.
func (w *world) active() map[string]vaulttest.Token {
	out := map[string]vaulttest.Token{}
	for _, tok := range w.fake.Tokens() {
		if tok.Name == tokenName && tok.Active(w.fake.Now()) {
			out[tok.ID] = tok
		}
	}
	return out
}

// checkInvariants checks what must hold after any scenario, once a rotator has run its
// recovery: at most three active tokens of the name, the current one active, and none the
// record does not know.
func (w *world) checkInvariants() {
	w.t.Helper()
	rec := w.record()
	active := w.active()
	if len(active) > 3 {
		w.t.Errorf("%d active tokens of the name, want at most 3", len(active))
	}
	if rec == nil || rec.Current == nil {
		w.t.Fatalf("no current token in the record: %+v", rec)
	}
	if _, ok := active[rec.Current.ID]; !ok {
		w.t.Errorf("the current token %s is not active in Vault", rec.Current.ID)
	}
	for id := range active {
		if !rec.knows(id) {
			w.t.Errorf("active token %s is not in the record", id)
		}
	}
}

// waitFor waits until the consumer gives the token id, or fails the test after a minute.
func (c *consumer) waitFor(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var seen Snapshot
	for seen.ID != id {
		var err error
		if seen, err = c.src.Wait(ctx, seen); err != nil {
			t.Fatalf("the consumer still gives token %q, not %q, after a minute", seen.ID, id)
		}
	}
}

// now is what src gives now.
func now(src *Source) Snapshot {
	s, _ := src.Wait(context.Background(), Snapshot{})
	return s
}

// shortLease is the lock lease of a rotator a test kills or cuts off: the next rotator
// waits for it to end. Others keep the default, which a busy machine's elections cannot
// outlast.
const shortLease = 2 * time.Second

// errDied stops a rotator at a step, as if its process died there.
var errDied = errors.New("the rotator died here (test)")
