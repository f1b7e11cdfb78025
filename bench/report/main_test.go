package main

import (
	"strings"
	"testing"
)

// A run of go test -bench, cut down: two runs of the in-memory call, with a client 1.25×
// gen and 2 allocations more, and one 1.5× (so the median is 1.375×).
const sample = `goos: linux
cpu: Test CPU
BenchmarkGenerate/InMemory/impl=floor-2    100   4000 ns/op   4000 cpu-ns/op   3000 B/op   40 allocs/op
BenchmarkGenerate/InMemory/impl=floor-2    100   4000 ns/op   4000 cpu-ns/op   3000 B/op   40 allocs/op
BenchmarkGenerate/InMemory/impl=gen-2      100   4000 ns/op   4000 cpu-ns/op   3000 B/op   40 allocs/op
BenchmarkGenerate/InMemory/impl=gen-2      100   4000 ns/op   4000 cpu-ns/op   3000 B/op   40 allocs/op
BenchmarkGenerate/InMemory/impl=client-2   100   5000 ns/op   5000 cpu-ns/op   3100 B/op   42 allocs/op
BenchmarkGenerate/InMemory/impl=client-2   100   6000 ns/op   6000 cpu-ns/op   3100 B/op   42 allocs/op
BenchmarkGenerateParallel/InMemory/impl=floor    100   4000 ns/op
BenchmarkHugeReply/InMemory/impl=client-2   1   5000000 ns/op   2.5 peak-heap-MiB   2000000 B/op   200 allocs/op
BenchmarkStartup/impl=hello-2   20   1000000 ns/op   1000000 cpu-ns/op   11000 peak-rss-KiB
BenchmarkStartup/impl=nethttp-2 20   2000000 ns/op   2000000 cpu-ns/op   11500 peak-rss-KiB
BenchmarkStartup/impl=help-2    20   3000000 ns/op   3000000 cpu-ns/op   14000 peak-rss-KiB
BenchmarkStartup/impl=version-2 20   3000000 ns/op   3000000 cpu-ns/op   14000 peak-rss-KiB
`

func TestReport(t *testing.T) {
	r := newResults()
	if err := r.read(strings.NewReader(sample)); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.median("Generate/InMemory/impl=client-2", "ns/op"); got != 5500 {
		t.Errorf("median = %v, want 5500", got)
	}
	if _, ok := r.median("GenerateParallel/InMemory/impl=floor-1", "ns/op"); !ok {
		t.Error("a result without a -N suffix is not read as GOMAXPROCS 1")
	}
	met := map[string]bool{}
	for _, tg := range r.targets() {
		met[tg.what] = tg.met
	}
	for what, want := range map[string]bool{
		"in memory: client within 1.15× of `gen/` alone (CPU per op)":                              false,
		"in memory: client within 10 allocations of `gen/` alone":                                  true,
		"a 1 GiB reply costs the client under 16 MiB (peak heap)":                                  true,
		"start-up: `vault-token --help` and `version` within 2× a hello that links net/http (CPU)": true,
	} {
		if got, ok := met[what]; !ok || got != want {
			t.Errorf("target %q met = %v (listed %v), want %v", what, got, ok, want)
		}
	}
	var out strings.Builder
	write(&out, r, "")
	for _, want := range []string{
		"Test CPU",
		"Reported, with no target:",
		"| loopback TLS: client, and `gen/` alone, against the idiomatic floor (CPU per op) |",
		"| cpu-ns/op | 4,000 ±0% | – | 5,500 ±9% (1.38×) |",
		"| allocs/op | 40 | – | 42 (+2) | 40 (+0) |",
		"| `vault-token --help` | 3,000,000 | 3.0× | 1.5× | 14,000 KiB |",
		"**no**",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestOverlap: a difference is stated only where the runs' ranges are apart.
func TestOverlap(t *testing.T) {
	r := newResults()
	err := r.read(strings.NewReader(`BenchmarkCredentials/InMemory/creds=session/impl=client    100   1000 ns/op   1000 cpu-ns/op
BenchmarkCredentials/InMemory/creds=session/impl=client    100   1100 ns/op   1100 cpu-ns/op
BenchmarkCredentials/InMemory/creds=password/impl=client    100   1050 ns/op   1050 cpu-ns/op
BenchmarkCredentials/InMemory/creds=password/impl=client    100   1300 ns/op   1300 cpu-ns/op
BenchmarkCredentials/InMemory/creds=session/impl=client-2    100   1000 ns/op   1000 cpu-ns/op
BenchmarkCredentials/InMemory/creds=session/impl=client-2    100   1100 ns/op   1100 cpu-ns/op
BenchmarkCredentials/InMemory/creds=password/impl=client-2    100   1101 ns/op   1101 cpu-ns/op
BenchmarkCredentials/InMemory/creds=password/impl=client-2    100   1300 ns/op   1300 cpu-ns/op
`))
	if err != nil {
		t.Fatal(err)
	}
	const session, password = "Credentials/InMemory/creds=session/impl=client-", "Credentials/InMemory/creds=password/impl=client-"
	for procs, want := range map[string]string{"1": "overlap: no difference shown", "2": "apart: a difference"} {
		if got := r.overlap(session+procs, password+procs, cpu); got != want {
			t.Errorf("GOMAXPROCS %s: %q, want %q", procs, got, want)
		}
	}
}
