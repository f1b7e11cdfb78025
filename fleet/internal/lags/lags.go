// Package lags summarizes the lags the fleet's benchmarks measure.
package lags

import (
	"slices"
	"time"
)

// Quantiles are the median and the 99th percentile of lags (with fewer than 100, the
// largest). It sorts lags.
func Quantiles(lags []time.Duration) (median, p99 time.Duration) {
	slices.Sort(lags)
	at := func(q float64) time.Duration { return lags[min(len(lags)-1, int(q*float64(len(lags))))] }
	return at(0.5), at(0.99)
}
