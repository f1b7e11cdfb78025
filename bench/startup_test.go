package bench

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The command's start-up: vault-token --help and vault-token version against a Go
// hello-world, a hello that links net/http and one that links cobra too, and
// vault-token-fake --help, each built with plain go build in this run. cpu-ns/op is the child's CPU
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

// cobraSource is the least a command of vault-token's kind starts with: cobra and
// net/http linked, one command that prints a line. It is built at the cobra version
// vault-token uses.
// nethttpSource is a hello that links net/http: the least any HTTPS client starts from.
const nethttpSource = `package main

import (
	"fmt"
	"net/http"
)

func main() {
	_ = http.DefaultClient
	fmt.Println("hello, world")
}
`

const cobraSource = `package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	_ = http.DefaultClient
	c := &cobra.Command{Use: "hello", Run: func(*cobra.Command, []string) { fmt.Println("hello, world") }}
	if c.Execute() != nil {
		os.Exit(1)
	}
}
`

// cobraModule is the cobra hello's go.mod: cobra at the version in ../go.mod.
func cobraModule() (string, error) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/spf13/cobra" {
			return "module cobrahello\n\ngo 1.25\n\nrequire github.com/spf13/cobra " + f[1] + "\n", nil
		}
	}
	return "", errors.New("../go.mod requires no github.com/spf13/cobra")
}

// build makes both binaries once per process, in a directory removed at exit.
func build(b *testing.B) map[string][]string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bench-startup-")
		if err != nil {
			buildErr = err
			return
		}
		hello, nethttp := filepath.Join(dir, "hello"), filepath.Join(dir, "nethttp-hello")
		for name, src := range map[string]string{"hello": helloSource, "nethttp": nethttpSource} {
			sub := filepath.Join(dir, name+"-src")
			if err := os.MkdirAll(sub, 0o750); err != nil {
				buildErr = err
				return
			}
			if err := os.WriteFile(filepath.Join(sub, "main.go"), []byte(src), 0o600); err != nil {
				buildErr = err
				return
			}
			if err := os.WriteFile(filepath.Join(sub, "go.mod"), []byte("module "+name+"\n\ngo 1.25\n"), 0o600); err != nil {
				buildErr = err
				return
			}
		}
		cobraDir := filepath.Join(dir, "cobrahello")
		mod, err := cobraModule()
		if err != nil {
			buildErr = err
			return
		}
		sum, err := os.ReadFile("../go.sum")
		if err != nil {
			buildErr = err
			return
		}
		if err := os.MkdirAll(cobraDir, 0o750); err != nil {
			buildErr = err
			return
		}
		for name, data := range map[string][]byte{"main.go": []byte(cobraSource), "go.mod": []byte(mod), "go.sum": sum} {
			if err := os.WriteFile(filepath.Join(cobraDir, name), data, 0o600); err != nil {
				buildErr = err
				return
			}
		}
		cobraHello := filepath.Join(dir, "cobra-hello")
		vt, vtFake := filepath.Join(dir, "vault-token"), filepath.Join(dir, "vault-token-fake")
		builds := []*exec.Cmd{
			exec.Command("go", "build", "-o", hello, "."),
			exec.Command("go", "build", "-o", nethttp, "."),
			exec.Command("go", "build", "-mod=mod", "-o", cobraHello, "."),
			exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/vault-token", "./cmd/vault-token-fake"),
		}
		builds[0].Dir, builds[1].Dir, builds[2].Dir, builds[3].Dir = filepath.Join(dir, "hello-src"), filepath.Join(dir, "nethttp-src"), cobraDir, ".."
		for _, c := range builds {
			if out, err := c.CombinedOutput(); err != nil {
				buildErr = &buildError{c.Args, out, err}
				return
			}
		}
		binaries = map[string][]string{
			"hello":     {hello},
			"nethttp":   {nethttp},
			"cobra":     {cobraHello},
			"help":      {vt, "--help"},
			"version":   {vt, "version"},
			"fake-help": {vtFake, "--help"},
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

// startupImpls are the programs BenchmarkStartup starts, in its order.
var startupImpls = []string{"hello", "nethttp", "cobra", "help", "version", "fake-help"}

// BenchmarkStartup runs each binary b.N times, one after the other.
func BenchmarkStartup(b *testing.B) {
	bins := build(b)
	for _, name := range startupImpls {
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
