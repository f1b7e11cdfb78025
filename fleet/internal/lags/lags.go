// Package lags summarizes the lags the fleet's benchmarks measure: how long readers take
// to see a change, beside bare watchers of the same store seeing a write.
package lags

import (
	"runtime"
	"slices"
	"testing"
	"time"
)

// Quantiles are the median and the 99th percentile of lags (with fewer than 100, the
// largest). It sorts lags.
func Quantiles(lags []time.Duration) (median, p99 time.Duration) {
	slices.Sort(lags)
	at := func(q float64) time.Duration { return lags[min(len(lags)-1, int(q*float64(len(lags))))] }
	return at(0.5), at(0.99)
}

// Report reports the median and p99 of who's lags (who-median-ns, who-p99-ns) and of the
// bare watchers' (bare-median-ns, bare-p99-ns), and their ratios (median-ratio,
// p99-ratio): the figures docs/fleet-benchmark.md sets beside their targets. ns/op is 0:
// the loop's time includes its set-up.
func Report(b *testing.B, who string, lags, bare []time.Duration) {
	m, p := Quantiles(lags)
	bm, bp := Quantiles(bare)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(m), who+"-median-ns")
	b.ReportMetric(float64(p), who+"-p99-ns")
	b.ReportMetric(float64(bm), "bare-median-ns")
	b.ReportMetric(float64(bp), "bare-p99-ns")
	b.ReportMetric(float64(m)/float64(bm), "median-ratio")
	b.ReportMetric(float64(p)/float64(bp), "p99-ratio")
}

// HeapInUse is the live heap after a collection, in bytes (a float: callers take differences).
func HeapInUse() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse)
}
