// Command benchreport reads the output of the fleet's BenchmarkRotationSeen runs (go test
// -bench, any number of rounds, of any of its sub-benchmarks: the etcd store at 100 and
// 1,000 consumers, the Kubernetes store) on stdin and writes docs/fleet-benchmark.md's
// tables on stdout, one per sub-benchmark: for each figure, the median over the rounds,
// the smallest and the largest, its target, and whether the median meets it. make
// bench-fleet runs it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// target is a figure's bound: the median over the rounds must be at most max.
type target struct {
	unit, what string
	max        float64
	duration   bool // the figure is in nanoseconds
}

var targets = []target{
	{unit: "median-ratio", what: "median time from the promotion to the last consumer using the new token, over the same number of bare watchers seeing a write", max: 2},
	{unit: "p99-ratio", what: "the same at the 99th percentile", max: 2},
	{unit: "vault-calls/rotation", what: "Vault calls per rotation before the grace period ends", max: 4},
	{unit: "etcd-writes/rotation", what: "etcd writes per rotation (its revision, counted by etcd)", max: 6},
	{unit: "secret-writes/rotation", what: "writes of the Secret per rotation (events of the API server's watch)", max: 3},
	{unit: "consumer-logins/rotation", what: "Vault logins per rotation besides the rotator's own", max: 0},
}

// reported are the figures shown without a target.
var reported = []target{
	{unit: "fleet-median-ns", what: "median: promotion commit to the last consumer", duration: true},
	{unit: "bare-median-ns", what: "median: a write to the last bare watcher", duration: true},
	{unit: "fleet-p99-ns", what: "p99: promotion commit to the last consumer", duration: true},
	{unit: "bare-p99-ns", what: "p99: a write to the last bare watcher", duration: true},
	{unit: "heap-bytes/consumer", what: "live heap per consumer, its store's client included (bytes)"},
}

// name is a result line's benchmark, without the GOMAXPROCS suffix.
var name = regexp.MustCompile(`^(BenchmarkRotationSeen\S*?)(-\d+)?$`)

func main() {
	if err := report(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func report(in io.Reader, out io.Writer) error {
	values := map[string]map[string][]float64{} // benchmark → unit → one value a round
	rounds := map[string]int{}
	var order []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		m := name.FindStringSubmatch(fields[0])
		if m == nil {
			continue
		}
		bench := m[1]
		if values[bench] == nil {
			values[bench] = map[string][]float64{}
			order = append(order, bench)
		}
		rounds[bench]++
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %w", sc.Text(), err)
			}
			values[bench][fields[i+1]] = append(values[bench][fields[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no BenchmarkRotationSeen result on stdin")
	}
	for i, bench := range order {
		if i > 0 {
			fmt.Fprintln(out)
		}
		if err := table(out, bench, values[bench], rounds[bench]); err != nil {
			return err
		}
	}
	return nil
}

// table writes one benchmark's figures: those with a target, then those without; a
// figure the benchmark does not report is left out.
func table(out io.Writer, bench string, values map[string][]float64, rounds int) error {
	fmt.Fprintf(out, "**%s**\n\n| figure | median of %d rounds | range | target | met |\n| --- | --- | --- | --- | --- |\n", bench, rounds)
	for _, t := range targets {
		if values[t.unit] == nil {
			continue
		}
		med, lo, hi, err := summary(values, t.unit)
		if err != nil {
			return err
		}
		met := "yes"
		if med > t.max {
			met = "**no**"
		}
		fmt.Fprintf(out, "| %s (`%s`) | %s | %s – %s | ≤ %s | %s |\n", t.what, t.unit, format(t, med), format(t, lo), format(t, hi), format(t, t.max), met)
	}
	fmt.Fprintf(out, "\n| reported, no target | median of %d rounds | range |\n| --- | --- | --- |\n", rounds)
	for _, t := range reported {
		if values[t.unit] == nil {
			continue
		}
		med, lo, hi, err := summary(values, t.unit)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "| %s (`%s`) | %s | %s – %s |\n", t.what, t.unit, format(t, med), format(t, lo), format(t, hi))
	}
	for _, unit := range []string{"median-ratio", "vault-calls/rotation"} {
		if values[unit] == nil {
			return fmt.Errorf("%s reports no %s", bench, unit)
		}
	}
	return nil
}

func summary(values map[string][]float64, unit string) (med, lo, hi float64, err error) {
	v := slices.Clone(values[unit])
	if len(v) == 0 {
		return 0, 0, 0, fmt.Errorf("no %s in the results", unit)
	}
	slices.Sort(v)
	return v[len(v)/2], v[0], v[len(v)-1], nil
}

func format(t target, v float64) string {
	if t.duration {
		return time.Duration(v).Round(10 * time.Microsecond).String()
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
