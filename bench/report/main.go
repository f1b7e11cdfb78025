// Command report turns the output of the benchmarks in package bench into
// docs/benchmarks.md: medians, ratios to the floor measured in the same run, the targets
// and whether this run met them, the machine, and how to reproduce. make bench runs it.
//
// Usage: go run ./report [-benchstat FILE] RESULTS...
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	benchstat := flag.String("benchstat", "", "benchstat's output, to include")
	flag.Parse()
	r := newResults()
	for _, name := range flag.Args() {
		f, err := os.Open(name) //nolint:gosec // the files to read are this command's arguments
		if err != nil {
			fail(err)
		}
		err = r.read(f)
		_ = f.Close()
		if err != nil {
			fail(fmt.Errorf("%s: %w", name, err))
		}
	}
	if len(r.samples) == 0 {
		fail(fmt.Errorf("no benchmark results in %v", flag.Args()))
	}
	var stat []byte
	if *benchstat != "" {
		var err error
		if stat, err = os.ReadFile(*benchstat); err != nil { //nolint:gosec // as above
			fail(err)
		}
	}
	write(os.Stdout, r, string(stat))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(1)
}

// results are the samples of each benchmark (its name with the GOMAXPROCS suffix, as
// "Generate/InMemory/impl=client-2") and unit.
type results struct {
	samples map[string]map[string][]float64
	cpu     string
}

func newResults() *results { return &results{samples: map[string]map[string][]float64{}} }

var procsSuffix = regexp.MustCompile(`-(\d+)$`)

func (r *results) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			r.cpu = strings.TrimSpace(cpu)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if !procsSuffix.MatchString(name) {
			name += "-1" // go test leaves out -1
		}
		if r.samples[name] == nil {
			r.samples[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %w", line, err)
			}
			r.samples[name][f[i+1]] = append(r.samples[name][f[i+1]], v)
		}
	}
	return sc.Err()
}

// median is the median of a benchmark's samples in unit, and whether there were any.
func (r *results) median(name, unit string) (float64, bool) {
	s := slices.Clone(r.samples[name][unit])
	if len(s) == 0 {
		return 0, false
	}
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

func (r *results) count(name string) int { return len(r.samples[name]["ns/op"]) }

const cpu = "cpu-ns/op"

// impls are the implementations, in the tables' order; the idiomatic floor is the base of
// every ratio.
var impls = []string{"floor", "minfloor", "client", "gen", "ogen", "ogen-notel"}

// implNames head the tables' columns.
var implNames = map[string]string{
	"floor": "floor (idiomatic `net/http`)", "minfloor": "minimal floor", "client": "`client.Client`",
	"gen": "`gen/` alone", "ogen": "ogen v1.24.0, defaults", "ogen-notel": "ogen, telemetry off",
	"boundedfloor": "floor, reads ≤ 1 MiB",
}

// spread is half the range of a benchmark's samples in unit, as a share of the median.
func (r *results) spread(name, unit string) (float64, bool) {
	s := r.samples[name][unit]
	med, ok := r.median(name, unit)
	if !ok || med == 0 || len(s) < 2 {
		return 0, false
	}
	return (slices.Max(s) - slices.Min(s)) / 2 / med, true
}

// overlap says whether two benchmarks' runs overlap in unit: where they do, their
// difference is not one the runs show.
func (r *results) overlap(a, b, unit string) string {
	x, y := r.samples[a][unit], r.samples[b][unit]
	if len(x) == 0 || len(y) == 0 {
		return "–"
	}
	if slices.Min(x) <= slices.Max(y) && slices.Min(y) <= slices.Max(x) {
		return "overlap: no difference shown"
	}
	return "apart: a difference"
}

// cell is a median with its ratio to the floor's (×) or, for allocations, its difference;
// the floor's own cell is its median alone.
func (r *results) cell(name, unit string, floor float64, isFloor, diff bool) string {
	v, ok := r.median(name, unit)
	if !ok {
		return "–"
	}
	spread := ""
	if sp, ok := r.spread(name, unit); ok && unit != "allocs/op" {
		spread = fmt.Sprintf(" ±%.0f%%", 100*sp)
	}
	switch {
	case isFloor:
		return num(v) + spread
	case diff:
		return fmt.Sprintf("%s (%+.0f)", num(v), v-floor)
	case floor > 0 && v/floor < 0.1:
		return fmt.Sprintf("%s%s (%.2g×)", num(v), spread, v/floor)
	case floor > 0:
		return fmt.Sprintf("%s%s (%.2f×)", num(v), spread, v/floor)
	}
	return num(v) + spread
}

func num(v float64) string {
	if v >= 100 || v == math.Trunc(v) {
		s := strconv.FormatFloat(v, 'f', 0, 64)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// implTable is one table row per unit, one column per implementation, for the benchmarks
// named prefix+impl+suffix.
func (r *results) implTable(w io.Writer, prefix, suffix string, units ...string) {
	r.table(w, prefix, suffix, impls, units...)
}

// table is implTable for the implementations cols, the first of them the base.
func (r *results) table(w io.Writer, prefix, suffix string, cols []string, units ...string) {
	head := []string{""}
	for _, im := range cols {
		head = append(head, implNames[im])
	}
	fmt.Fprintf(w, "| %s |\n|---%s|\n", strings.Join(head, " | "), strings.Repeat("|---:", len(cols)))
	for _, unit := range units {
		floor, _ := r.median(prefix+cols[0]+suffix, unit)
		row := []string{unit}
		for _, im := range cols {
			row = append(row, r.cell(prefix+im+suffix, unit, floor, im == cols[0], unit == "allocs/op"))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	runs := "runs each; medians"
	if n := r.count(prefix + "client" + suffix); n == 1 {
		runs = "run each"
	}
	fmt.Fprintf(w, "\n%d %s ± half their range, with the ratio to the first column (allocations: the difference).\n\n", r.count(prefix+"client"+suffix), runs)
}

// target is a target of the benchmarks and whether this run met it; a figure reported
// without a target has only what and measured.
type target struct {
	what     string
	measured string
	met      bool
}

// m is the median of name in unit; NaN, which meets no target, when the run lacks it.
func (r *results) m(name, unit string) float64 {
	if v, ok := r.median(name, unit); ok {
		return v
	}
	return math.NaN()
}

// targets are what the client is held to: a thin wrapper over gen/, flat growth, a
// bounded huge reply, and a start-up within twice a hello that links net/http.
func (r *results) targets() []target {
	m := r.m
	var out []target
	const seq = "Generate/InMemory/impl="
	gen, cl := m(seq+"gen-2", cpu), m(seq+"client-2", cpu)
	out = append(out, target{"in memory: client within 1.15× of `gen/` alone (CPU per op)",
		fmt.Sprintf("%.2f×", cl/gen), cl <= 1.15*gen})
	genAllocs, clAllocs := m(seq+"gen-2", "allocs/op"), m(seq+"client-2", "allocs/op")
	out = append(out, target{"in memory: client within 10 allocations of `gen/` alone",
		fmt.Sprintf("%+.0f", clAllocs-genAllocs), clAllocs-genAllocs <= 10})
	growth := func(unit string) (float64, float64) {
		return m("Growth/InMemory/calls=100/impl=client-2", unit), m("Growth/InMemory/calls=100000/impl=client-2", unit)
	}
	n100, n100k := growth(cpu)
	h100, h100k := growth("heap-B")
	out = append(out, target{"flat from 100 to 100,000 calls: CPU per op and live heap within 10%",
		fmt.Sprintf("CPU %.2f×, heap %.2f×", n100k/n100, h100k/h100), n100k <= 1.1*n100 && h100k <= 1.1*h100})
	peak := m("HugeReply/InMemory/impl=client-2", "peak-heap-MiB")
	out = append(out, target{"a 1 GiB reply costs the client under 16 MiB (peak heap)",
		fmt.Sprintf("%.1f MiB", peak), peak > 0 && peak < 16})
	// Start-up against a hello that links net/http, which no HTTPS client can start below.
	help, version := m("Startup/impl=help-2", cpu), m("Startup/impl=version-2", cpu)
	b := m("Startup/impl=nethttp-2", cpu)
	out = append(out, target{"start-up: `vault-token --help` and `version` within 2× a hello that links net/http (CPU)",
		fmt.Sprintf("%.1f×, %.1f×", help/b, version/b), math.Max(help, version) <= 2*b})
	return out
}

// reported are figures shown without a target: over loopback the generated builders' own
// cost (reflection, three URL parses) and the network dominate what the client adds, so a
// target there would measure gen/ and the kernel (docs/performance.md says why).
func (r *results) reported() []target {
	m := r.m
	const loop, seq = "Generate/Loopback/impl=", "Generate/InMemory/impl="
	lf, lc, lg := m(loop+"floor-2", cpu), m(loop+"client-2", cpu), m(loop+"gen-2", cpu)
	cl, og := m(seq+"client-2", cpu), m(seq+"ogen-2", cpu)
	help, version, hello := m("Startup/impl=help-2", cpu), m("Startup/impl=version-2", cpu), m("Startup/impl=hello-2", cpu)
	return []target{
		{what: "loopback TLS: client, and `gen/` alone, against the idiomatic floor (CPU per op)", measured: fmt.Sprintf("%.2f×, %.2f×", lc/lf, lg/lf)},
		{what: "in memory: client against ogen with its defaults (CPU per op)", measured: fmt.Sprintf("%s vs %s cpu-ns/op", num(cl), num(og))},
		{what: "start-up: `vault-token --help` and `version` against a hello-world (CPU)", measured: fmt.Sprintf("%.1f×, %.1f×", help/hello, version/hello)},
	}
}

func write(w io.Writer, r *results, benchstat string) {
	fmt.Fprintf(w, `# Benchmarks

One Generate API Access Token call with a session already held, made six ways side by
side in one run (package [bench](../bench)): two hand-written `+"`net/http`"+` floors that
build the same form body and decode the same reply, the idiomatic one (headers set and the
body encoded on every call) and a minimal one (everything constant prepared once);
`+"`client.Client`"+`; the generated package `+"`gen`"+` alone; and a client ogen v1.24.0
generates from the same spec, with its defaults (OpenTelemetry hooks on the global
providers) and with telemetry off (no-op providers). Each is checked to return the same
token before it is timed.

The figure to read is CPU time per call (`+"`cpu-ns/op`"+`: the process's user and system
time from getrusage, divided by the calls), as a ratio to the idiomatic floor in the same
run: on a shared machine wall time swings with what else runs, CPU time much less. Each
round is a fresh process that runs the implementations in an order rotated by one. Cells
are medians ± half the range of the runs; a ratio inside that spread is not a difference,
and benchstat's tables at the end say where it finds one (`+"`~`"+` where it does not).

Machine: %s, %d cores, %s %s/%s; run on %s. Written by `+"`make bench`"+`.

`, orUnknown(r.cpu), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02"))

	fmt.Fprintln(w, "## Targets")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | this run | met |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, t := range r.targets() {
		met := "yes"
		if !t.met {
			met = "**no**"
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.what, t.measured, met)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Reported, with no target:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| figure | this run |")
	fmt.Fprintln(w, "|---|---|")
	for _, t := range r.reported() {
		fmt.Fprintf(w, "| %s | %s |\n", t.what, t.measured)
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## One call at a time, in memory")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "An in-memory `RoundTripper` returns the canned reply: what is left is each client's own cost.")
	fmt.Fprintln(w)
	r.implTable(w, "Generate/InMemory/impl=", "-2", cpu, "ns/op", "allocs/op", "B/op")
	fmt.Fprintln(w, "The client's own cost over the generated code it wraps (client against `gen/` alone, no target for the minimal floor):")
	fmt.Fprintln(w)
	r.table(w, "Generate/InMemory/impl=", "-2", []string{"gen", "client", "minfloor"}, cpu, "allocs/op")

	fmt.Fprintln(w, "## One call at a time, loopback TLS")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "A TLS server on loopback in the same process, with connections kept alive.")
	fmt.Fprintln(w)
	r.implTable(w, "Generate/Loopback/impl=", "-2", cpu, "ns/op", "allocs/op", "B/op")

	for _, tr := range []string{"InMemory", "Loopback"} {
		fmt.Fprintf(w, "## Calls from GOMAXPROCS goroutines (`RunParallel`), %s\n\n", tr)
		for _, procs := range []string{"1", "2"} {
			fmt.Fprintf(w, "GOMAXPROCS %s:\n\n", procs)
			r.implTable(w, "GenerateParallel/"+tr+"/impl=", "-"+procs, cpu, "ns/op", "allocs/op")
		}
		fmt.Fprint(w, "Throughput gain from GOMAXPROCS 1 to 2 (ns/op at 1 over ns/op at 2):")
		for _, im := range impls {
			one, _ := r.median("GenerateParallel/"+tr+"/impl="+im+"-1", "ns/op")
			two, _ := r.median("GenerateParallel/"+tr+"/impl="+im+"-2", "ns/op")
			if two > 0 {
				fmt.Fprintf(w, " %s %.2f×;", im, one/two)
			}
		}
		fmt.Fprint(w, "\n\n")
	}

	fmt.Fprintln(w, "## Password credentials against a session ID, `RunParallel`")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "With the password's session held, a call reads it with one atomic load: no lock. With a password")
	fmt.Fprintln(w, "the client holds two secrets (the session and the password), and searches each reply's text for")
	fmt.Fprintln(w, "both; with a session ID, one. No target.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| GOMAXPROCS | session ID, cpu-ns/op | password, cpu-ns/op | password / session | runs' ranges |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for _, procs := range []string{"1", "2"} {
		session := "Credentials/InMemory/creds=session/impl=client-" + procs
		password := "Credentials/InMemory/creds=password/impl=client-" + procs
		s, _ := r.median(session, cpu)
		p, _ := r.median(password, cpu)
		if s > 0 {
			fmt.Fprintf(w, "| %s | %s | %s | %.3f | %s |\n", procs, r.cell(session, cpu, 0, true, false),
				r.cell(password, cpu, 0, true, false), p/s, r.overlap(session, password, cpu))
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## Growth: after 100, 10,000 and 100,000 calls on one client")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| calls before | floor cpu-ns/op | client cpu-ns/op | floor live heap | client live heap |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	for _, calls := range []string{"100", "10000", "100000"} {
		row := []string{calls}
		for _, unit := range []string{cpu, "heap-B"} {
			for _, im := range []string{"floor", "client"} {
				v, _ := r.median("Growth/InMemory/calls="+calls+"/impl="+im+"-2", unit)
				row = append(row, num(v))
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s B | %s B |\n", row[0], row[1], row[2], row[3], row[4])
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## A reply of 1 GiB")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "A reply whose token streams for 1 GiB, as a hostile server or a broken proxy could send: the")
	fmt.Fprintln(w, "most heap the call held at once (sampled every millisecond), the bytes it allocated, its time.")
	fmt.Fprintln(w, "The client and the bounded floor (one `io.LimitReader`) stop at 1 MiB and fail; the others read the reply whole.")
	fmt.Fprintln(w)
	r.table(w, "HugeReply/InMemory/impl=", "-2", append([]string{"boundedfloor"}, impls...), "peak-heap-MiB", "B/op", "ns/op")

	fmt.Fprintln(w, "## The command's start-up")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "`vault-token --help` and `vault-token version` against a Go hello-world, a hello that links")
	fmt.Fprintln(w, "net/http (the least an HTTPS client starts from) and one that links cobra too, and")
	fmt.Fprintln(w, "`vault-token-fake --help` (the fake Vault's program, which links the spec validator), all built")
	fmt.Fprintln(w, "with plain `go build` in the same run and run one after the other: the child's CPU time (user")
	fmt.Fprintln(w, "and system, from its rusage) and its peak resident memory.")
	fmt.Fprintln(w)
	startNames := map[string]string{
		"hello": "hello-world", "nethttp": "net/http hello", "cobra": "cobra + net/http hello",
		"help": "`vault-token --help`", "version": "`vault-token version`", "fake-help": "`vault-token-fake --help`",
	}
	fmt.Fprintln(w, "| | cpu-ns/op | × hello-world | × net/http hello | peak RSS |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	hello, _ := r.median("Startup/impl=hello-2", cpu)
	nethttp, _ := r.median("Startup/impl=nethttp-2", cpu)
	for _, im := range []string{"hello", "nethttp", "cobra", "help", "version", "fake-help"} {
		c, ok := r.median("Startup/impl="+im+"-2", cpu)
		rss, _ := r.median("Startup/impl="+im+"-2", "peak-rss-KiB")
		if ok && hello > 0 && nethttp > 0 {
			fmt.Fprintf(w, "| %s | %s | %.1f× | %.1f× | %s KiB |\n", startNames[im], num(c), c/hello, c/nethttp, num(rss))
		}
	}
	fmt.Fprintln(w)

	fmt.Fprint(w, `## Reproduce

`+"```sh"+`
make bench         # about 15 minutes: writes this file and docs/benchmarks.txt (the raw results)
cd bench && go test -run '^$' -bench 'Generate$/InMemory' -count 8 .   # one table by hand
`+"```"+`

Compare two runs with benchstat, at the version the Makefile pins (`+"`$(BENCHSTAT) old.txt docs/benchmarks.txt`"+`).
CI builds the benchmarks and runs each once (`+"`make bench-ci`"+`), so they cannot rot; it does not
measure.
`)
	if benchstat != "" {
		fmt.Fprintf(w, "\n## benchstat\n\n`benchstat -col /impl` of the same results: each column against the idiomatic floor, with confidence intervals and the p-value of the difference (`~` where there is none to state):\n\n```\n%s```\n", benchstat)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}
