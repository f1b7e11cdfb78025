// Command benchreport reads the output of BenchmarkRotationSeen runs (go test -bench, any
// number of rounds) on stdin and writes docs/fleet-benchmark.md's table on stdout: for
// each figure, the median over the rounds, the smallest and the largest, its target, and
// whether the median meets it. make bench-fleet runs it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
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
	{unit: "median-ratio", what: "median time from the promotion commit to the last of 100 consumers using the new token, over 100 bare etcd watchers seeing a write", max: 2},
	{unit: "p99-ratio", what: "the same at the 99th percentile", max: 2},
	{unit: "vault-calls/rotation", what: "Vault calls per rotation before the grace period ends", max: 4},
	{unit: "etcd-writes/rotation", what: "etcd writes per rotation (its revision, counted by etcd)", max: 6},
	{unit: "consumer-logins/rotation", what: "Vault logins per rotation besides the rotator's own", max: 0},
}

// reported are the figures shown without a target.
var reported = []target{
	{unit: "fleet-median-ns", what: "median: promotion commit to the last consumer", duration: true},
	{unit: "bare-median-ns", what: "median: a write to the last bare watcher", duration: true},
	{unit: "fleet-p99-ns", what: "p99: promotion commit to the last consumer", duration: true},
	{unit: "bare-p99-ns", what: "p99: a write to the last bare watcher", duration: true},
}

func main() {
	if err := report(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func report(in io.Reader, out io.Writer) error {
	values := map[string][]float64{}
	rounds := 0
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || !strings.HasPrefix(fields[0], "BenchmarkRotationSeen") {
			continue
		}
		rounds++
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %w", sc.Text(), err)
			}
			values[fields[i+1]] = append(values[fields[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if rounds == 0 {
		return fmt.Errorf("no BenchmarkRotationSeen result on stdin")
	}
	fmt.Fprintf(out, "| figure | median of %d rounds | range | target | met |\n| --- | --- | --- | --- | --- |\n", rounds)
	for _, t := range targets {
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
		med, lo, hi, err := summary(values, t.unit)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "| %s (`%s`) | %s | %s – %s |\n", t.what, t.unit, format(t, med), format(t, lo), format(t, hi))
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
