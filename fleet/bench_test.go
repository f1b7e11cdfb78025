package fleet

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

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/fleet/internal/lags"
	"github.com/acme/vault-token/openapi"
)

// consumersFlag is how many readers see each write in BenchmarkRotationSeen (make
// bench-fleet runs 100 and 1,000).
var consumersFlag = flag.Int("consumers", 100, "BenchmarkRotationSeen's consumers, and bare watchers")

// BenchmarkRotationSeen: one rotation seen by N consumers, each with its own etcd client,
// on a three-member cluster on loopback; and, alternating with it in the same loop, the
// floor this design can reach: N bare etcd watchers of one key, each with its own
// client, seeing a plain write. Each is timed from just before its write is sent (for a
// rotation: the end of the check, which the promotion commit follows at once) until the
// last reader has it. Reported: the median and p99 of each (fleet-median-ns,
// bare-median-ns, ...) and their ratios, and per rotation the Vault calls made before the
// grace period ends (list, create, check, read the expiry), the etcd writes (the cluster's
// revision, counted by etcd) and the logins besides the rotator's own, and the heap each
// consumer takes (its etcd client included). make bench-fleet runs it and writes
// docs/fleet-benchmark.md.
func BenchmarkRotationSeen(b *testing.B) {
	b.Run(fmt.Sprintf("consumers=%d", *consumersFlag), func(b *testing.B) { benchmarkRotationSeen(b, *consumersFlag) })
}

func benchmarkRotationSeen(b *testing.B, fanOut int) {
	c := etcdtest.StartWith(b, etcdtest.Config{Members: 3})
	// A login per rotation, as a job run per rotation makes: past Vault's limit of about
	// 20 a minute, which a benchmark would reach.
	w := newWorldWith(b, c, vaulttest.Config{LoginLimit: math.MaxInt32, BurstLimit: math.MaxInt32})
	bare := newBareWatchers(b, c, w.key+"-bare", fanOut)
	heap := lags.HeapInUse()
	var consumers []*consumer
	for range fanOut {
		consumers = append(consumers, w.consumer())
	}
	perConsumer := (lags.HeapInUse() - heap) / float64(fanOut)
	if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); err != nil {
		b.Fatal(err)
	}
	var fleetLags, bareLags []time.Duration
	var calls, writes, otherLogins int
	b.ResetTimer()
	for i := range b.N {
		bareLags = append(bareLags, bare.write(b, i))

		r := w.rotator(nil)
		r.Grace = 0 // the next rotation may run at once; its revocation of this one's previous is not counted
		var start time.Time
		r.afterPhase = func(s phase) error {
			if s == phaseVerified {
				start = time.Now()
			}
			return nil
		}
		// Each consumer's switch is timed where it happens, not after Rotate returns
		// (which also releases the lock): a promotion is the only change of the token a
		// consumer gives in a rotation.
		switched := make([]time.Time, len(consumers))
		var seen sync.WaitGroup
		for i, cons := range consumers {
			before := now(cons.src)
			seen.Go(func() { _, _ = cons.src.Wait(context.Background(), before); switched[i] = time.Now() })
		}
		counts := w.counts()
		rev := etcdtest.Revision(b, w.etcd.Client(b))
		rep, err := r.Rotate(context.Background(), RotateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		seen.Wait()
		for _, cons := range consumers {
			if id := now(cons.src).ID; id != rep.Current.ID {
				b.Fatalf("a consumer gives %s after the rotation to %s", id, rep.Current.ID)
			}
		}
		fleetLags = append(fleetLags, slices.MaxFunc(switched, time.Time.Compare).Sub(start))
		after := w.counts()
		calls += after.beforeGrace - counts.beforeGrace
		otherLogins += after.logins - counts.logins - 1 // the rotator's own login
		writes += int(etcdtest.Revision(b, w.etcd.Client(b)) - rev)
	}
	b.StopTimer()
	lags.Report(b, "fleet", fleetLags, bareLags)
	b.ReportMetric(float64(calls)/float64(b.N), "vault-calls/rotation")
	b.ReportMetric(float64(writes)/float64(b.N), "etcd-writes/rotation")
	b.ReportMetric(float64(otherLogins)/float64(b.N), "consumer-logins/rotation")
	b.ReportMetric(perConsumer, "heap-bytes/consumer")
	runtime.KeepAlive(consumers)
}

// bareWatchers are etcd watchers of one key, each on a client of its own.
type bareWatchers struct {
	writer *clientv3.Client
	key    string
	seen   chan time.Time
	n      int
}

func newBareWatchers(b *testing.B, c *etcdtest.Cluster, key string, fanOut int) *bareWatchers {
	ctx := b.Context()
	bw := &bareWatchers{writer: c.Client(b), key: key, seen: make(chan time.Time, fanOut), n: fanOut}
	for range fanOut {
		wch := c.Client(b).Watch(clientv3.WithRequireLeader(ctx), key, clientv3.WithCreatedNotify())
		<-wch // created: the watch is in place
		go func() {
			for resp := range wch {
				for range resp.Events {
					bw.seen <- time.Now()
				}
			}
		}()
	}
	return bw
}

// write puts a value and returns how long the last watcher took to see it.
func (bw *bareWatchers) write(b *testing.B, i int) time.Duration {
	start := time.Now()
	if _, err := bw.writer.Put(b.Context(), bw.key, string(rune('a'+i%26))); err != nil {
		b.Fatal(err)
	}
	var last time.Time
	for range bw.n {
		if t := <-bw.seen; t.After(last) {
			last = t
		}
	}
	return last.Sub(start)
}

// vaultCounts are the fake's counts of the calls a rotation makes before its grace
// period ends (every call but logins and revocations), and of logins.
type vaultCounts struct{ beforeGrace, logins int }

func (w *world) counts() vaultCounts {
	logins := w.fake.Count(openapi.OpAuthenticate)
	return vaultCounts{beforeGrace: w.fake.Count("") - logins - w.fake.Count(openapi.OpDeleteAPIAccessTokens), logins: logins}
}
