package kube

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/internal/kubetest"
)

// The identities of the documented manifests (docs/kubernetes), as the API server's
// static tokens name them: a pod's service account authenticates as such a user.
const (
	docsNamespace = "vault-token"
	docsSecret    = "vault-token"
	rotatorSA     = "system:serviceaccount:vault-token:vault-token-rotator"
	consumerSA    = "system:serviceaccount:vault-token:myapp"
)

// api is the one API server of this package's tests; each test has a namespace of its own.
var api *kubetest.Server

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kubetest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sa := func(name string) kubetest.User {
		return kubetest.User{Name: name, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + docsNamespace}}
	}
	api, err = kubetest.Start(dir, sa(rotatorSA), sa(consumerSA))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	api.Close()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// tokenName is the fleet token's name in every test.
const tokenName = "fleet-svc"

var namespaces atomic.Int64

// notLabel is what a namespace's name cannot hold.
var notLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// world is one test's fleet: a namespace, the fake Vault, a sealing key.
type world struct {
	t      testing.TB
	ns     string
	name   string // the Secret's
	fake   *vaulttest.Server
	sealer *fleet.Sealer
	admin  kubernetes.Interface
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ns := fmt.Sprintf("t%d-%s", namespaces.Add(1), notLabel.ReplaceAllString(strings.ToLower(t.Name()), "-"))
	if len(ns) > 63 {
		ns = strings.TrimRight(ns[:63], "-")
	}
	return newWorldIn(t, ns)
}

func newWorldIn(t testing.TB, ns string) *world {
	t.Helper()
	admin, err := kubernetes.NewForConfig(api.Config(kubetest.Admin))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CoreV1().Namespaces().Get(ctx(t), ns, metav1.GetOptions{}); err != nil {
		if _, err := admin.CoreV1().Namespaces().Create(ctx(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, fleet.SealKeySize)
	_, _ = rand.Read(key)
	sealer, err := fleet.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, ns: ns, name: "vault-token", fake: vaulttest.NewTestServer(t, vaulttest.Config{}), sealer: sealer, admin: admin}
}

// ctx is a context for one step of a test: a minute, far beyond what any step takes.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// store is the world's Secret reached as cfg says (default: the administrator).
func (w *world) store(cfg *rest.Config) *Store {
	w.t.Helper()
	if cfg == nil {
		cfg = api.Config(kubetest.Admin)
	}
	s, err := NewStore(cfg, w.ns, w.name)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// rotator is a rotator on store (default: a store of its own, as the administrator).
func (w *world) rotator(store *Store) *fleet.Rotator {
	w.t.Helper()
	if store == nil {
		store = w.store(nil)
	}
	user := vaulttest.DefaultUsers()[0]
	connect := func(creds client.Credentials) (*client.Client, error) {
		return client.New(w.fake.DNS, client.WithHTTPClient(w.fake.Client()), client.WithCredentials(creds))
	}
	vault, err := connect(client.Password(user.Username, user.Password))
	if err != nil {
		w.t.Fatal(err)
	}
	return &fleet.Rotator{Store: store, Sealer: w.sealer, Vault: vault, Connect: connect, Name: tokenName,
		Lifetime: 90 * 24 * time.Hour, Grace: 10 * time.Minute} // the default lock: a busy machine's renewals cannot outlast it
}

// consumer is a service replica: a Source on a store of its own (no sealing key: the
// Secret's token key holds the value), and a Vault client that authenticates with it.
type consumer struct {
	src   *fleet.Source
	vault *client.Client
}

func (w *world) consumer(cfg *rest.Config) *consumer {
	w.t.Helper()
	src, err := fleet.NewSource(ctx(w.t), w.store(cfg), nil)
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

func (c *consumer) call(ctx context.Context) error {
	_, err := c.vault.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: tokenName})
	return err
}

// waitFor waits until the consumer gives the token id.
func (c *consumer) waitFor(t testing.TB, id string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var seen fleet.Snapshot
	for seen.ID != id {
		var err error
		if seen, err = c.src.Wait(wctx, seen); err != nil {
			t.Fatalf("the consumer still gives token %q, not %q, after a minute", seen.ID, id)
		}
	}
}

// status is the record as the administrator reads it.
func (w *world) status() *fleet.Status {
	w.t.Helper()
	st, err := fleet.ReadStatus(ctx(w.t), w.store(nil))
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

// endGrace ends the record's grace period now, as the server's clock reaching its end
// would: the grace Lease names another period.
func (w *world) endGrace() {
	w.t.Helper()
	leases := w.admin.CoordinationV1().Leases(w.ns)
	l, err := leases.Get(ctx(w.t), GraceLease(w.name), metav1.GetOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	over := "ended-by-the-test"
	l.Spec.HolderIdentity = &over
	if _, err := leases.Update(ctx(w.t), l, metav1.UpdateOptions{}); err != nil {
		w.t.Fatal(err)
	}
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

// checkInvariants: at most three active tokens of the name, the current one active, and
// none the record does not know.
func (w *world) checkInvariants() {
	w.t.Helper()
	st := w.status()
	active := w.active()
	if len(active) > 3 {
		w.t.Errorf("%d active tokens of the name, want at most 3", len(active))
	}
	if st.Current == nil {
		w.t.Fatalf("no current token in the record: %+v", st)
	}
	if _, ok := active[st.Current.ID]; !ok {
		w.t.Errorf("the current token %s is not active in Vault", st.Current.ID)
	}
	known := map[string]bool{}
	for _, tok := range []*fleet.Token{st.Current, st.Previous, st.Pending} {
		if tok != nil {
			known[tok.ID] = true
		}
	}
	for id := range active {
		if !known[id] {
			w.t.Errorf("active token %s is not in the record", id)
		}
	}
}

// writes counts the Secret's writes as the API server reports them to a watcher: every
// ADDED or MODIFIED event from the version it started at.
type writes struct {
	w      *world
	events chan *corev1.Secret
}

func (w *world) countWrites() *writes {
	w.t.Helper()
	wi, err := w.admin.CoreV1().Secrets(w.ns).Watch(ctx(w.t), metav1.ListOptions{FieldSelector: "metadata.name=" + w.name, ResourceVersion: w.secretVersion()})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(wi.Stop)
	c := &writes{w: w, events: make(chan *corev1.Secret, 1024)}
	go func() {
		for ev := range wi.ResultChan() {
			if sec, ok := ev.Object.(*corev1.Secret); ok && (ev.Type == watch.Added || ev.Type == watch.Modified) {
				c.events <- sec
			}
		}
		close(c.events)
	}()
	return c
}

// secretVersion is the Secret's resourceVersion now ("0" when it does not exist: from
// the start).
func (w *world) secretVersion() string {
	w.t.Helper()
	sec, err := w.admin.CoreV1().Secrets(w.ns).Get(ctx(w.t), w.name, metav1.GetOptions{})
	if err != nil {
		return "0"
	}
	return sec.ResourceVersion
}

// count is the number of writes since the count started or was last read. It writes a
// marker (an annotation) after them and counts the events before it: awaited by event.
func (c *writes) count() int {
	w := c.w
	w.t.Helper()
	secrets := w.admin.CoreV1().Secrets(w.ns)
	sec, err := secrets.Get(ctx(w.t), w.name, metav1.GetOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	marker := randomHex(8)
	if sec.Annotations == nil {
		sec.Annotations = map[string]string{}
	}
	sec.Annotations["test/marker"] = marker
	if _, err := secrets.Update(ctx(w.t), sec, metav1.UpdateOptions{}); err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for sec := range c.events {
		if sec.Annotations["test/marker"] == marker {
			return n
		}
		n++
	}
	w.t.Fatal("the watch ended before the marker")
	return 0
}

// shortLease is the lock's Lease for a rotator a test kills or cuts off: the next rotator
// waits it out.
const shortLease = 2 * time.Second

func secret(name string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{"password": []byte("not the fleet's")}}
}

// RotatedWorld is for the package's external tests (the docs' code, which names the
// package): a namespace whose record one rotation wrote, an administrator's kubeconfig
// whose context names it, and the fake Vault.
func RotatedWorld(t *testing.T) (kubeconfig string, fake *vaulttest.Server) {
	t.Helper()
	w := newWorld(t)
	if _, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := api.Kubeconfig(kubetest.Admin, w.ns)
	if err != nil {
		t.Fatal(err)
	}
	return kubeconfig, w.fake
}
