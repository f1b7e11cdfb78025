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

var impls = []string{"floor", "client", "gen", "ogen"}

// cell is a median with its ratio to the floor's (×) or, for allocations, its difference;
// the floor's own cell is its median alone.
func (r *results) cell(name, unit string, floor float64, isFloor, diff bool) string {
	v, ok := r.median(name, unit)
	if !ok {
		return "–"
	}
	switch {
	case isFloor:
		return num(v)
	case diff:
		return fmt.Sprintf("%s (%+.0f)", num(v), v-floor)
	case floor > 0 && v/floor < 0.1:
		return fmt.Sprintf("%s (%.2g×)", num(v), v/floor)
	case floor > 0:
		return fmt.Sprintf("%s (%.2f×)", num(v), v/floor)
	}
	return num(v)
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
	fmt.Fprintln(w, "| | floor: hand-written `net/http` | `client.Client` | `gen/` alone | ogen v1.24.0 |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
	for _, unit := range units {
		floor, _ := r.median(prefix+"floor"+suffix, unit)
		row := []string{unit}
		for _, im := range impls {
			row = append(row, r.cell(prefix+im+suffix, unit, floor, im == "floor", unit == "allocs/op"))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	runs := "runs each; medians"
	if n := r.count(prefix + "client" + suffix); n == 1 {
		runs = "run each"
	}
	fmt.Fprintf(w, "\n%d %s, with the ratio to the floor (allocations: the difference).\n\n", r.count(prefix+"client"+suffix), runs)
}

// target is one of issue 13's targets and whether this run met it.
type target struct {
	what     string
	measured string
	met      bool
}

func (r *results) targets() []target {
	// A figure this run lacks is NaN, which meets no target.
	m := func(name, unit string) float64 {
		if v, ok := r.median(name, unit); ok {
			return v
		}
		return math.NaN()
	}
	var out []target
	const seq = "Generate/InMemory/impl="
	floorNs, clientNs := m(seq+"floor-2", "ns/op"), m(seq+"client-2", "ns/op")
	out = append(out, target{"in memory: client within 1.3× of the floor in ns/op",
		fmt.Sprintf("%.2f×", clientNs/floorNs), clientNs <= 1.3*floorNs})
	floorAllocs, clientAllocs := m(seq+"floor-2", "allocs/op"), m(seq+"client-2", "allocs/op")
	out = append(out, target{"in memory: client within 12 allocations of the floor",
		fmt.Sprintf("%+.0f", clientAllocs-floorAllocs), clientAllocs-floorAllocs <= 12})
	genNs, ogenNs := m(seq+"gen-2", "ns/op"), m(seq+"ogen-2", "ns/op")
	out = append(out, target{"in memory: client faster than gen and ogen",
		fmt.Sprintf("%s vs %s and %s ns/op", num(clientNs), num(genNs), num(ogenNs)), clientNs < genNs && clientNs < ogenNs})
	const loop = "Generate/Loopback/impl="
	lf, lc := m(loop+"floor-2", "ns/op"), m(loop+"client-2", "ns/op")
	out = append(out, target{"loopback TLS: client within 1.1× of the floor",
		fmt.Sprintf("%.2f×", lc/lf), lc <= 1.1*lf})
	const creds = "Credentials/InMemory/creds="
	sess, pw := m(creds+"session/impl=client-2", "ns/op"), m(creds+"password/impl=client-2", "ns/op")
	out = append(out, target{"RunParallel at GOMAXPROCS 2: password credentials within 5% of a session ID",
		fmt.Sprintf("%+.1f%%", 100*(pw/sess-1)), pw <= 1.05*sess})
	const par = "GenerateParallel/InMemory/impl="
	gain := func(im string) float64 { return m(par+im+"-1", "ns/op") / m(par+im+"-2", "ns/op") }
	out = append(out, target{"throughput gain from GOMAXPROCS 1 to 2: client at least the floor's",
		fmt.Sprintf("client %.2f×, floor %.2f×", gain("client"), gain("floor")), gain("client") >= gain("floor")})
	growth := func(unit string) (float64, float64) {
		return m("Growth/InMemory/calls=100/impl=client-2", unit), m("Growth/InMemory/calls=100000/impl=client-2", unit)
	}
	n100, n100k := growth("ns/op")
	h100, h100k := growth("heap-B")
	out = append(out, target{"flat from 100 to 100,000 calls: ns/op and live heap within 10%",
		fmt.Sprintf("ns/op %.2f×, heap %.2f×", n100k/n100, h100k/h100), n100k <= 1.1*n100 && h100k <= 1.1*h100})
	peak := m("HugeReply/InMemory/impl=client-2", "peak-heap-MiB")
	out = append(out, target{"a 1 GiB reply costs the client under 16 MiB (peak heap)",
		fmt.Sprintf("%.1f MiB", peak), peak > 0 && peak < 16})
	return out
}

func write(w io.Writer, r *results, benchstat string) {
	fmt.Fprintf(w, `# Benchmarks

One Generate API Access Token call with a session already held, made four ways side by
side in one run (package [bench](../bench)): the hand-written `+"`net/http`"+` floor, which
builds the same form body and decodes the same reply; `+"`client.Client`"+`; the generated
package `+"`gen`"+` alone; and a client ogen v1.24.0 generates from the same spec. Each is
checked to return the same token before it is timed. The figures to read are the ratios
to the floor measured in the same run, not the absolute times.

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

	fmt.Fprintln(w, "## One call at a time, in memory")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "An in-memory `RoundTripper` returns the canned reply: what is left is each client's own cost.")
	fmt.Fprintln(w)
	r.implTable(w, "Generate/InMemory/impl=", "-2", "ns/op", "allocs/op", "B/op")

	fmt.Fprintln(w, "## One call at a time, loopback TLS")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "A TLS server on loopback in the same process, with connections kept alive.")
	fmt.Fprintln(w)
	r.implTable(w, "Generate/Loopback/impl=", "-2", "ns/op", "allocs/op", "B/op")

	for _, tr := range []string{"InMemory", "Loopback"} {
		fmt.Fprintf(w, "## Calls from GOMAXPROCS goroutines (`RunParallel`), %s\n\n", tr)
		for _, procs := range []string{"1", "2"} {
			fmt.Fprintf(w, "GOMAXPROCS %s:\n\n", procs)
			r.implTable(w, "GenerateParallel/"+tr+"/impl=", "-"+procs, "ns/op", "allocs/op")
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
	fmt.Fprintln(w, "With the password's session held, a call reads it with one atomic load: no lock.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| GOMAXPROCS | session ID, ns/op | password, ns/op | password / session |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, procs := range []string{"1", "2"} {
		s, _ := r.median("Credentials/InMemory/creds=session/impl=client-"+procs, "ns/op")
		p, _ := r.median("Credentials/InMemory/creds=password/impl=client-"+procs, "ns/op")
		if s > 0 {
			fmt.Fprintf(w, "| %s | %s | %s | %.3f |\n", procs, num(s), num(p), p/s)
		}
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## Growth: after 100, 10,000 and 100,000 calls on one client")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| calls before | floor ns/op | client ns/op | floor live heap | client live heap |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	for _, calls := range []string{"100", "10000", "100000"} {
		row := []string{calls}
		for _, unit := range []string{"ns/op", "heap-B"} {
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
	fmt.Fprintln(w, "The client stops at its bound (1 MiB) and fails; the others read the reply whole.")
	fmt.Fprintln(w)
	r.implTable(w, "HugeReply/InMemory/impl=", "-2", "peak-heap-MiB", "B/op", "ns/op")

	fmt.Fprint(w, `## Reproduce

`+"```sh"+`
make bench         # about 10 minutes: writes this file and docs/benchmarks.txt (the raw results)
cd bench && go test -run '^$' -bench 'Generate$/InMemory' -count 8 .   # one table by hand
`+"```"+`

Compare two runs with benchstat, at the version the Makefile pins (`+"`$(BENCHSTAT) old.txt docs/benchmarks.txt`"+`).
CI builds the benchmarks and runs each once (`+"`make bench-ci`"+`), so they cannot rot; it does not
measure.
`)
	if benchstat != "" {
		fmt.Fprintf(w, "\n## benchstat\n\n`benchstat -col /impl` of the same results, with confidence intervals:\n\n```\n%s```\n", benchstat)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}
