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

	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
)

// lines keeps what a process prints, line by line, and wakes whoever waits for a line.
type lines struct {
	mu      sync.Mutex
	all     []string
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
func (l *lines) waitFor(t *testing.T, s string, n int) {
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
			programErr = fmt.Errorf("go build: %v\n%s", err, out)
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

// TestAgentFollowsTheRecord: the agent puts the current token in its file (the token
// alone, mode 0600), replaces it by rename at a promotion and at no other time, exports
// the record's figures on /metrics (parsed with Prometheus' parser) and says on /healthz
// that the file holds the current token. Restarted after SIGKILL, it leaves a file that
// holds the token as it is. A record that cannot be read leaves the file, /healthz 200 and
// counts the error; the record put back, it goes on. Nothing it printed or served holds a
// token.
func TestAgentFollowsTheRecord(t *testing.T) {
	cluster := etcdtest.Start(t, 3, nil)
	h := newHarness(t, cluster.Endpoints())
	rotate := func() {
		t.Helper()
		if r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "0s"); r.code != 0 {
			t.Fatalf("rotate: %+v", r)
		}
	}
	rotate()
	out := filepath.Join(t.TempDir(), "token")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ag := h.startAgent(t, nil, "--out-file", out, "--metrics-addr", addr)
	ag.stderr.waitFor(t, "the file holds the current token", 1)
	check := func(writes float64) {
		t.Helper()
		b, err := os.ReadFile(out)
		if err != nil || string(b) != h.current(t) {
			t.Fatalf("the file does not hold the current token alone (%v)", err)
		}
		if info, _ := os.Stat(out); info.Mode().Perm() != 0o600 {
			t.Errorf("the file's mode is %v, want 0600", info.Mode().Perm())
		}
		st := h.status(t)
		cur := st["current"].(map[string]any)
		expires, _ := time.Parse(time.RFC3339, cur["expires"].(string))
		m := h.scrape(t, addr)
		for name, want := range map[string]float64{
			"vault_token_fleet_epoch": st["epoch"].(float64), "vault_token_fleet_file_writes_total": writes,
			"vault_token_fleet_token_expiry_timestamp_seconds": float64(expires.Unix()), "vault_token_fleet_record_read_errors_total": 0,
		} {
			if m[name] != want {
				t.Errorf("%s = %v, want %v", name, m[name], want)
			}
		}
		if m["vault_token_fleet_last_rotation_timestamp_seconds"] <= 0 {
			t.Error("no last rotation time")
		}
		h.get(t, "http://"+addr+"/healthz", http.StatusOK)
	}
	check(1)
	first := inode(t, out)

	rotate()
	ag.stderr.waitFor(t, "the file holds the current token", 2)
	check(2)
	second := inode(t, out)
	if second == first {
		t.Error("the file was written in place, not replaced by rename")
	}

	// Killed and started again: the file holds the token already, and stays as it is.
	_ = ag.cmd.Process.Kill()
	_ = ag.wait()
	ag = h.startAgent(t, nil, "--out-file", out, "--metrics-addr", addr)
	ag.stderr.waitFor(t, "the file already holds the current token", 1)
	if inode(t, out) != second || h.scrape(t, addr)["vault_token_fleet_file_writes_total"] != 0 {
		t.Error("the restarted agent rewrote a file that held the token")
	}

	// An unreadable record: the file, /healthz and the token stay; the error is counted.
	etcd := cluster.Client(t)
	got, err := etcd.Get(t.Context(), h.env[command.EnvFleetKey])
	if err != nil || len(got.Kvs) != 1 {
		t.Fatalf("the record: %v", err)
	}
	saved := got.Kvs[0].Value
	if _, err := etcd.Put(t.Context(), h.env[command.EnvFleetKey], "garbage"); err != nil {
		t.Fatal(err)
	}
	ag.stderr.waitFor(t, "the file keeps the last good one", 1)
	if inode(t, out) != second || h.scrape(t, addr)["vault_token_fleet_record_read_errors_total"] != 1 {
		t.Error("an unreadable record changed the file, or was not counted")
	}
	h.get(t, "http://"+addr+"/healthz", http.StatusOK)
	if _, err := etcd.Put(t.Context(), h.env[command.EnvFleetKey], string(saved)); err != nil {
		t.Fatal(err)
	}
	ag.stderr.waitFor(t, "the record gives a token again", 1)

	_ = ag.cmd.Process.Signal(syscall.SIGTERM)
	if err := ag.wait(); err != nil {
		t.Errorf("the agent stopped by SIGTERM: %v, want exit 0", err)
	}
}

// TestAgentRefusesBadInput: the agent's mistakes are usage errors, found before anything
// is read.
func TestAgentRefusesBadInput(t *testing.T) {
	h := newHarness(t, []string{"127.0.0.1:1"})
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"agent"}, "--out-file is required"},
		{[]string{"agent", "--out-file", "f", "--file-mode", "0644"}, "others may not"},
		{[]string{"agent", "--out-file", "f", "--file-mode", "rw"}, "octal"},
		{[]string{"agent", "--out-file", "f", "--exec"}, "--exec -- CMD"},
		{[]string{"agent", "--out-file", "f", "--", "sh"}, "--exec -- CMD"},
		{[]string{"agent", "--out-file", "f", "--signal", "USR1"}, "apply to --exec only"},
		{[]string{"agent", "--out-file", "f", "--exec", "--signal", "KILLME", "--", "sh"}, "--signal KILLME"},
		{[]string{"agent", "--out-file", "f", "--exec", "--signal", "USR1", "--restart", "--", "sh"}, "not both"},
	} {
		if r := h.run(tt.args...); r.code != 2 || !strings.Contains(r.stderr, tt.says) {
			t.Errorf("%q: %+v, want exit 2 saying %q", tt.args, r, tt.says)
		}
	}
}
