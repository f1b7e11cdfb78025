package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// lines keeps what a process prints, line by line, and wakes whoever waits for a line.
type lines struct {
	mu      sync.Mutex
	all     []string
	at      time.Time // when the last line came
	partial string
	more    chan struct{} // closed and replaced at each new line
}

func newLines() *lines { return &lines{more: make(chan struct{})} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial += string(p)
	for {
		i := strings.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, l.partial[:i])
		l.at = time.Now()
		l.partial = l.partial[i+1:]
		close(l.more)
		l.more = make(chan struct{})
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n")
}

// lastAt is when the last line came.
func (l *lines) lastAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at
}

// holding is the lines that hold s.
func (l *lines) holding(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.all {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// count is how many lines hold s.
func (l *lines) count(s string) (int, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.all {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n, l.more
}

// waitFor waits until n lines hold s, or fails the test after a minute (a bound on a hang,
// not a pace: it returns at the line).
func (l *lines) waitFor(t testing.TB, s string, n int) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		got, more := l.count(s)
		if got >= n {
			return
		}
		select {
		case <-more:
		case <-timeout:
			t.Fatalf("after a minute, %d lines of %d hold %q:\n%s", got, n, s, l.String())
		}
	}
}

var (
	programOnce sync.Once
	programPath string
	programErr  error
)

// program is the program, built once for the package's tests that run it as a process.
func program(t *testing.T) string {
	t.Helper()
	programOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vault-token-fleet-")
		if err != nil {
			programErr = err
			return
		}
		programPath = filepath.Join(dir, name)
		out, err := exec.Command("go", "build", "-o", programPath, ".").CombinedOutput()
		if err != nil {
			programErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if programErr != nil {
		t.Fatal(programErr)
	}
	return programPath
}

// agentProcess is the agent running as a process, with what it prints.
type agentProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *lines
	wait           func() error // how it ended, once it has
}

func (h *harness) startAgent(t *testing.T, extraEnv []string, args ...string) *agentProcess {
	t.Helper()
	cmd := exec.Command(program(t), append([]string{"agent"}, args...)...)
	cmd.Env = append(h.environ(), extraEnv...)
	ag := &agentProcess{cmd: cmd, stdout: newLines(), stderr: newLines()}
	cmd.Stdout, cmd.Stderr = ag.stdout, ag.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ag.wait = sync.OnceValue(cmd.Wait)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = ag.wait()
		h.printed.WriteString(ag.stdout.String() + ag.stderr.String())
	})
	return ag
}

// scrape reads the agent's /metrics with Prometheus' own parser: each family's one value.
func (h *harness) scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	body := h.get(t, "http://"+addr+"/metrics", http.StatusOK)
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			out[name] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	}
	return -1
}

// get fetches url, wants status, and keeps the body with what was printed.
func (h *harness) get(t *testing.T, url string, status int) string {
	t.Helper()
	res, err := http.Get(url) //nolint:noctx // a loopback test server
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	h.printed.Write(b)
	if res.StatusCode != status {
		t.Fatalf("GET %s: %d %s, want %d", url, res.StatusCode, b, status)
	}
	return string(b)
}

// status is `fleet status -o json`.
func (h *harness) status(t *testing.T) map[string]any {
	t.Helper()
	r := h.run("status", "-o", "json")
	var st map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil {
		t.Fatalf("status: %+v", r)
	}
	return st
}

// rotate runs one rotation of the tests' token with grace, and fails the test if it fails.
func (h *harness) rotate(t testing.TB, grace string) {
	t.Helper()
	if r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", grace); r.code != 0 {
		t.Fatalf("rotate: %+v", r)
	}
}

// current is the value of the record's current token, as the fake Vault issued it.
func (h *harness) current(t *testing.T) string {
	t.Helper()
	id := h.status(t)["current"].(map[string]any)["id"]
	for _, tok := range h.fake.Tokens() {
		if tok.ID == id {
			return tok.Value
		}
	}
	t.Fatalf("the fake issued no token %v", id)
	return ""
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Sys().(*syscall.Stat_t).Ino
}
