package main

import (
	"strings"
	"testing"
)

// TestReport: each figure's median over the rounds is set beside its target, and one
// over its target is marked as not met.
func TestReport(t *testing.T) {
	in := `goos: linux
BenchmarkRotationSeen/consumers=100-2   100  0 ns/op  7000000 bare-median-ns  20000000 bare-p99-ns  0 consumer-logins/rotation  5 etcd-writes/rotation  9000000 fleet-median-ns  30000000 fleet-p99-ns  1.3 median-ratio  1.5 p99-ratio  4 vault-calls/rotation
BenchmarkRotationSeen/consumers=100-2   100  0 ns/op  6000000 bare-median-ns  10000000 bare-p99-ns  0 consumer-logins/rotation  5 etcd-writes/rotation  9000000 fleet-median-ns  30000000 fleet-p99-ns  1.5 median-ratio  3 p99-ratio  4 vault-calls/rotation
BenchmarkRotationSeen/consumers=100-2   100  0 ns/op  8000000 bare-median-ns  10000000 bare-p99-ns  0 consumer-logins/rotation  5 etcd-writes/rotation  9000000 fleet-median-ns  30000000 fleet-p99-ns  1.1 median-ratio  3 p99-ratio  4 vault-calls/rotation
BenchmarkRotationSeen/store=kubernetes/consumers=100-2   100  0 ns/op  7000000 bare-median-ns  20000000 bare-p99-ns  9000000 fleet-median-ns  30000000 fleet-p99-ns  1.3 median-ratio  1.5 p99-ratio  4 vault-calls/rotation  3 secret-writes/rotation
`
	var out strings.Builder
	if err := report(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"(`median-ratio`) | 1.3 | 1.1 – 1.5 | ≤ 2 | yes |",
		"(`p99-ratio`) | 3 | 1.5 – 3 | ≤ 2 | **no** |",
		"(`etcd-writes/rotation`) | 5 | 5 – 5 | ≤ 6 | yes |",
		"(`bare-median-ns`) | 7ms | 6ms – 8ms |",
		"median of 3 rounds",
		"**BenchmarkRotationSeen/consumers=100**",
		"**BenchmarkRotationSeen/store=kubernetes/consumers=100**",
		"(`secret-writes/rotation`) | 3 | 3 – 3 | ≤ 3 | yes |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	etcdAt := strings.Index(out.String(), "**BenchmarkRotationSeen/consumers=100**")
	kubeAt := strings.Index(out.String(), "**BenchmarkRotationSeen/store=kubernetes/consumers=100**")
	if etcdAt < 0 || kubeAt < etcdAt || strings.Contains(out.String()[kubeAt:], "etcd-writes") {
		t.Errorf("not one table per benchmark, in the order of the results, each with its own figures:\n%s", out.String())
	}
	if err := report(strings.NewReader("PASS\n"), &out); err == nil {
		t.Error("no results, no error")
	}
}
