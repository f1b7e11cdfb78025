package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The command's start-up: vault-token --help and vault-token version against a Go
// hello-world, each built with plain go build in this run. cpu-ns/op is the child's CPU
// time (user and system, from its rusage), peak-rss-KiB its most resident memory.

var (
	buildOnce sync.Once
	binaries  map[string][]string // impl name: the command line
	buildErr  error
)

const helloSource = `package main

import "fmt"

func main() { fmt.Println("hello, world") }
`

// build makes both binaries once per process, in a directory removed at exit.
func build(b *testing.B) map[string][]string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bench-startup-")
		if err != nil {
			buildErr = err
			return
		}
		hello := filepath.Join(dir, "hello")
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(helloSource), 0o600); err != nil {
			buildErr = err
			return
		}
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.25\n"), 0o600); err != nil {
			buildErr = err
			return
		}
		vt := filepath.Join(dir, "vault-token")
		for _, c := range []*exec.Cmd{
			exec.Command("go", "build", "-o", hello, "."),
			exec.Command("go", "build", "-o", vt, "./cmd/vault-token"),
		} {
			if c.Args[len(c.Args)-1] == "." {
				c.Dir = dir
			} else {
				c.Dir = ".."
			}
			if out, err := c.CombinedOutput(); err != nil {
				buildErr = &buildError{c.Args, out, err}
				return
			}
		}
		binaries = map[string][]string{
			"hello":   {hello},
			"help":    {vt, "--help"},
			"version": {vt, "version"},
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binaries
}

type buildError struct {
	args []string
	out  []byte
	err  error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + string(e.out) }

// BenchmarkStartup runs each binary b.N times, one after the other.
func BenchmarkStartup(b *testing.B) {
	bins := build(b)
	for _, name := range []string{"hello", "help", "version"} {
		b.Run("impl="+name, func(b *testing.B) {
			var cpu time.Duration
			var peak int64
			for b.Loop() {
				cmd := exec.Command(bins[name][0], bins[name][1:]...)
				if err := cmd.Run(); err != nil {
					b.Fatalf("%v: %v", bins[name], err)
				}
				ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				if !ok {
					b.Skip("no rusage on this system")
				}
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
				peak = max(peak, ru.Maxrss) // KiB on Linux
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(peak), "peak-rss-KiB")
		})
	}
}
