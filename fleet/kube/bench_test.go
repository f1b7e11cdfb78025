package kube

import (
	"context"
	"flag"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/internal/kubetest"
	"github.com/acme/vault-token/fleet/internal/lags"
	"github.com/acme/vault-token/openapi"
)

var consumersFlag = flag.Int("consumers", 100, "BenchmarkRotationSeen's consumers, and bare watchers")

// BenchmarkRotationSeen is the etcd store's benchmark of the same name on the Kubernetes
// store: one rotation seen by N consumers (fleet.Source on a Store of their own) beside,
// alternating in the same loop, N bare client-go watchers of the same Secret seeing a plain
// update of it (an annotation): the floor of any design that tells readers of a change
// through the API server.
// A rotation is timed from just before its promotion is sent (the last write of the
// Secret in a rotation) until the last consumer gives the new token. Reported as the
// etcd benchmark's figures, with the Secret's writes per rotation as the API server's
// watch reports them; make bench-fleet runs it into docs/fleet-benchmark.md.
func BenchmarkRotationSeen(b *testing.B) {
	b.Run(fmt.Sprintf("store=kubernetes/consumers=%d", *consumersFlag), func(b *testing.B) { benchmarkRotationSeen(b, *consumersFlag) })
}

func benchmarkRotationSeen(b *testing.B, fanOut int) {
	w := newWorld(b)
	w.fake = vaulttest.NewTestServer(b, vaulttest.Config{LoginLimit: math.MaxInt32, BurstLimit: math.MaxInt32})
	bare := newBareWatchers(b, w, fanOut)
	heap := lags.HeapInUse()
	var consumers []*consumer
	for range fanOut {
		consumers = append(consumers, w.consumer(nil))
	}
	perConsumer := (lags.HeapInUse() - heap) / float64(fanOut)
	if _, err := w.rotator(nil).Rotate(ctx(b), fleet.RotateOptions{}); err != nil {
		b.Fatal(err)
	}
	writes := w.countWrites()
	var fleetLags, bareLags []time.Duration
	var calls, written int
	b.ResetTimer()
	for i := range b.N {
		bareLags = append(bareLags, bare.write(b, i))

		store := &timedStore{Store: w.store(nil)}
		r := w.rotator(store.Store)
		r.Store = store
		r.Grace = 0
		switched := make([]time.Time, len(consumers))
		var seen sync.WaitGroup
		for i, cons := range consumers {
			before, _ := cons.src.Wait(context.Background(), fleet.Snapshot{})
			seen.Go(func() { _, _ = cons.src.Wait(context.Background(), before); switched[i] = time.Now() })
		}
		writes.count() // the bare update, not the rotation's
		before := w.fake.Count("") - w.fake.Count(openapi.OpAuthenticate) - w.fake.Count(openapi.OpDeleteAPIAccessTokens)
		rep, err := r.Rotate(context.Background(), fleet.RotateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		seen.Wait()
		for _, cons := range consumers {
			if s, _ := cons.src.Wait(context.Background(), fleet.Snapshot{}); s.ID != rep.Current.ID {
				b.Fatalf("a consumer gives %s after the rotation to %s", s.ID, rep.Current.ID)
			}
		}
		fleetLags = append(fleetLags, slices.MaxFunc(switched, time.Time.Compare).Sub(store.lastWrite()))
		calls += w.fake.Count("") - w.fake.Count(openapi.OpAuthenticate) - w.fake.Count(openapi.OpDeleteAPIAccessTokens) - before
		written += writes.count()
	}
	b.StopTimer()
	lags.Report(b, "fleet", fleetLags, bareLags)
	b.ReportMetric(float64(calls)/float64(b.N), "vault-calls/rotation")
	b.ReportMetric(float64(written)/float64(b.N), "secret-writes/rotation")
	b.ReportMetric(perConsumer, "heap-bytes/consumer")
	runtime.KeepAlive(consumers)
}

// timedStore notes when each write of a rotation is sent: the last is the promotion.
type timedStore struct {
	*Store
	mu   sync.Mutex
	sent time.Time
}

func (s *timedStore) Lock(ctx context.Context, ttl time.Duration) (fleet.Hold, error) {
	h, err := s.Store.Lock(ctx, ttl)
	if err != nil {
		return nil, err
	}
	return &timedHold{Hold: h, s: s}, nil
}

func (s *timedStore) lastWrite() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

type timedHold struct {
	fleet.Hold
	s *timedStore
}

func (h *timedHold) Write(ctx context.Context, st fleet.Stored) (string, error) {
	h.s.mu.Lock()
	h.s.sent = time.Now()
	h.s.mu.Unlock()
	return h.Hold.Write(ctx, st)
}

// bareWatchers are client-go watchers of the record's Secret, each on a clientset of its
// own, that see each update marked bare (the rotations' updates keep the last mark: only
// a new one counts).
type bareWatchers struct {
	w    *world
	seen chan seenAt
	n    int
}

// seenAt is when a watcher saw the Secret with a mark.
type seenAt struct {
	mark string
	at   time.Time
}

const bareMark = "bench/bare"

func newBareWatchers(b *testing.B, w *world, fanOut int) *bareWatchers {
	bw := &bareWatchers{w: w, seen: make(chan seenAt, 16*fanOut), n: fanOut}
	sec, err := w.admin.CoreV1().Secrets(w.ns).Create(ctx(b), secret(w.name), metav1.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for range fanOut {
		cs, err := kubernetes.NewForConfig(api.Config(kubetest.Admin))
		if err != nil {
			b.Fatal(err)
		}
		wi, err := cs.CoreV1().Secrets(w.ns).Watch(b.Context(), metav1.ListOptions{FieldSelector: "metadata.name=" + w.name, ResourceVersion: sec.ResourceVersion})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(wi.Stop)
		go func() {
			for ev := range wi.ResultChan() {
				if s, ok := ev.Object.(*corev1.Secret); ok && ev.Type == watch.Modified {
					bw.seen <- seenAt{s.Annotations[bareMark], time.Now()}
				}
			}
		}()
	}
	return bw
}

// write updates the Secret (its annotation only) and returns how long the last watcher
// took to see it.
func (bw *bareWatchers) write(b *testing.B, i int) time.Duration {
	secrets := bw.w.admin.CoreV1().Secrets(bw.w.ns)
	sec, err := secrets.Get(b.Context(), bw.w.name, metav1.GetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if sec.Annotations == nil {
		sec.Annotations = map[string]string{}
	}
	sec.Annotations[bareMark] = fmt.Sprint(i + 1)
	start := time.Now()
	if _, err := secrets.Update(b.Context(), sec, metav1.UpdateOptions{}); err != nil {
		b.Fatal(err)
	}
	var last time.Time
	for n := 0; n < bw.n; {
		if s := <-bw.seen; s.mark == sec.Annotations[bareMark] {
			n++
			if s.at.After(last) {
				last = s.at
			}
		}
	}
	return last.Sub(start)
}
