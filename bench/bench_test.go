package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
)

// Benchmark names read as Benchmark<Group>/<InMemory|Loopback>/[<key>=<value>/]impl=<name>,
// with -<GOMAXPROCS> at the end, so that report (and benchstat -col /impl) can read them.

// transports are the two ways to Vault: in memory isolates the client's own cost; loopback
// TLS is a real connection.
var transports = []struct {
	name string
	open func() (dns string, hc *http.Client, stop func())
}{
	{"InMemory", func() (string, *http.Client, func()) { dns, hc := inMemoryClient(); return dns, hc, func() {} }},
	{"Loopback", loopback},
}

// prepare builds im against the transport and checks that it returns the canned token.
func prepare(tb testing.TB, im impl, dns string, hc *http.Client) generateFunc {
	tb.Helper()
	f, err := im.new(dns, hc)
	if err != nil {
		tb.Fatalf("%s: %v", im.name, err)
	}
	if err := check(context.Background(), f); err != nil {
		tb.Fatalf("%s: %v", im.name, err)
	}
	return f
}

// fresh opens the transport for one benchmark (each run of each, under -cpu 1,2 too), so
// that none inherits another's connections, and collects the garbage the last one left:
// otherwise whichever runs first has an edge.
func fresh(b *testing.B, open func() (string, *http.Client, func())) (string, *http.Client) {
	dns, hc, stop := open()
	b.Cleanup(func() { hc.CloseIdleConnections(); stop() })
	runtime.GC()
	return dns, hc
}

// TestImplsAgree: every implementation, over each transport, returns the canned token, and
// package client with password credentials too (after one login).
func TestImplsAgree(t *testing.T) {
	for _, tr := range transports {
		dns, hc, stop := tr.open()
		for _, im := range impls {
			prepare(t, im, dns, hc)
		}
		f, err := newClient(dns, hc, client.Password("olivia@veepharm.com", "demo-password"))
		if err != nil {
			t.Fatal(err)
		}
		if err := check(context.Background(), f); err != nil {
			t.Errorf("%s: client with a password: %v", tr.name, err)
		}
		stop()
	}
}

// round is the number of this run among make bench's rounds: each round runs the
// implementations in an order rotated by one more, so that none always runs after the
// same one.
var round = flag.Int("round", 0, "rotate the order of the implementations by this much")

// rotated are the implementations in this round's order.
func rotated() []impl {
	n := len(impls)
	k := ((*round % n) + n) % n
	return append(slices.Clone(impls[k:]), impls[:k]...)
}

// eachImpl runs body as a sub-benchmark per transport and implementation, each on a
// fresh transport, in this round's order.
func eachImpl(b *testing.B, body func(b *testing.B, f generateFunc)) {
	for _, tr := range transports {
		b.Run(tr.name, func(b *testing.B) {
			for _, im := range rotated() {
				b.Run("impl="+im.name, func(b *testing.B) {
					dns, hc := fresh(b, tr.open)
					body(b, prepare(b, im, dns, hc))
				})
			}
		})
	}
}

// BenchmarkGenerate: one call at a time.
func BenchmarkGenerate(b *testing.B) {
	eachImpl(b, func(b *testing.B, f generateFunc) {
		ctx := context.Background()
		b.ReportAllocs()
		cpu := startCPU()
		for b.Loop() {
			if _, _, err := f(ctx); err != nil {
				b.Fatal(err)
			}
		}
		cpu.report(b)
	})
}

// cpuClock reads the process's CPU time (user and system, every thread) with getrusage:
// on a shared machine it swings far less than wall time, which counts the time other
// processes had the CPU. Over loopback it includes the in-process server's work, the
// same for every implementation.
type cpuClock struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuClock { return cpuClock{processCPU()} }

// report adds cpu-ns/op, the process CPU time per iteration since startCPU.
func (c cpuClock) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkGenerateParallel: calls from GOMAXPROCS goroutines on one client (run with
// -cpu 1,2: the gain from 1 to 2 is the throughput a second core buys).
func BenchmarkGenerateParallel(b *testing.B) {
	eachImpl(b, runParallel)
}

func runParallel(b *testing.B, f generateFunc) {
	ctx := context.Background()
	var failed atomic.Pointer[error]
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := f(ctx); err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		}
	})
	cpu.report(b)
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
}

// BenchmarkCredentials: package client with a session ID and with a password whose
// session is held, from GOMAXPROCS goroutines. Reading a held session must not serialize
// the calls.
func BenchmarkCredentials(b *testing.B) {
	for _, creds := range []struct {
		name  string
		creds client.Credentials
	}{
		{"session", client.SessionID(session)},
		{"password", client.Password("olivia@veepharm.com", "demo-password")},
	} {
		b.Run("InMemory/creds="+creds.name+"/impl=client", func(b *testing.B) {
			dns, hc := fresh(b, transports[0].open)
			f, err := newClient(dns, hc, creds.creds)
			if err != nil {
				b.Fatal(err)
			}
			if err := check(context.Background(), f); err != nil { // logs in, for the password
				b.Fatal(err)
			}
			runParallel(b, f)
		})
	}
}

// BenchmarkGrowth: the cost of a call, and the live heap, after 100, 10,000 and 100,000
// calls on one client. Both should be flat: nothing may grow with the calls made.
func BenchmarkGrowth(b *testing.B) {
	for _, calls := range []int{100, 10_000, 100_000} {
		for _, im := range []impl{impls[0], impls[2]} { // the floor and client
			b.Run(fmt.Sprintf("InMemory/calls=%d/impl=%s", calls, im.name), func(b *testing.B) {
				dns, hc := fresh(b, transports[0].open)
				f := prepare(b, im, dns, hc)
				ctx := context.Background()
				for range calls {
					if _, _, err := f(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				cpu := startCPU()
				for range b.N {
					if _, _, err := f(ctx); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
				b.StopTimer()
				b.ReportMetric(float64(liveHeap()), "heap-B")
			})
		}
	}
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// hugeSize is the size of the token__sys of BenchmarkHugeReply's reply: 1 GiB, a reply no
// Vault sends and a hostile server or broken proxy can. CI, which only runs the benchmark
// to keep it working, makes it smaller (-args -hugesize=...): the others read it whole.
var hugeSize = flag.Int64("hugesize", 1<<30, "bytes of token in BenchmarkHugeReply's reply")

// BenchmarkHugeReply: one call against a reply streaming 1 GiB (-hugesize). peak-heap-MiB is the most
// heap the call held at once, sampled; package client and the bounded floor read at most
// 1 MiB and fail, the others read the reply whole.
func BenchmarkHugeReply(b *testing.B) {
	hc := &http.Client{Transport: hugeReply{size: *hugeSize}}
	for _, im := range append(slices.Clone(impls), impl{"boundedfloor", newBoundedFloor}) {
		bounded := im.name == "client" || im.name == "boundedfloor"
		b.Run("InMemory/impl="+im.name, func(b *testing.B) {
			f, err := im.new("myvault.veevavault.com", hc)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var peak uint64
			b.ReportAllocs()
			for range b.N {
				before := liveHeap()
				stop := samplePeakHeap()
				_, tok, err := f(ctx)
				if p := stop(); p > before && p-before > peak {
					peak = p - before
				}
				var unexpected *client.UnexpectedResponseError
				switch {
				case im.name == "client" && !errors.As(err, &unexpected):
					b.Fatalf("client: error = %v, want an UnexpectedResponseError for the size", err)
				case im.name == "boundedfloor" && err == nil:
					b.Fatalf("the bounded floor read %d bytes of token", len(tok))
				case !bounded && (err != nil || int64(len(tok)) < *hugeSize):
					b.Fatalf("%s read %d bytes of token, error %v", im.name, len(tok), err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// samplePeakHeap samples the heap's live objects every millisecond until the returned
// function is called, which returns the most seen.
func samplePeakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	var peak atomic.Uint64
	peak.Store(read())
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		if v := read(); v > peak.Load() {
			peak.Store(v)
		}
		return peak.Load()
	}
}
