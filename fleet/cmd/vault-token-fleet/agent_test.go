package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
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

// TestOtherLanguagesFollowRotations: a Python service that reads the agent's file before
// each call, and a Node service the agent runs with --exec that reads it again at each
// SIGHUP, call the fake Vault in a loop while three rotations with a grace period run.
// No call fails, every read is a whole token, and the agent wrote the file once per
// promotion. Each round waits for both services to have called with the new token before
// the next rotation revokes the one before it, so nothing here depends on speed.
func TestOtherLanguagesFollowRotations(t *testing.T) {
	python, perr := exec.LookPath("python3")
	node, nerr := exec.LookPath("node")
	if perr != nil || nerr != nil {
		t.Skipf("needs python3 and node on PATH (CI has both): %v, %v", perr, nerr)
	}
	fake := vaulttest.NewTestServer(t, vaulttest.Config{BurstLimit: 1 << 30}) // the services call without end
	h := newHarnessWith(t, fake, etcdtest.Start(t, 3, nil).Endpoints())
	rotate := func() {
		t.Helper()
		if r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "1s"); r.code != 0 {
			t.Fatalf("rotate: %+v", r)
		}
	}
	rotate()
	dir := t.TempDir()
	out, stop := filepath.Join(dir, "token"), filepath.Join(dir, "stop")
	env := []string{"STOP_FILE=" + stop}
	ag := h.startAgent(t, env, "--out-file", out, "--exec", "--", node, filepath.Join("testdata", "child.js"))
	ag.stderr.waitFor(t, "the file holds the current token", 1)

	py := exec.Command(python, filepath.Join("testdata", "reader.py"))
	py.Env = append(h.environ(), append(env, envTokenFile+"="+out)...)
	pyOut := newLines()
	py.Stdout, py.Stderr = pyOut, pyOut
	if err := py.Start(); err != nil {
		t.Fatal(err)
	}
	pyDone := sync.OnceValue(py.Wait)
	t.Cleanup(func() { _ = py.Process.Kill(); _ = pyDone(); h.printed.WriteString(pyOut.String()) })

	digest := func(v string) string { s := sha256.Sum256([]byte(v)); return hex.EncodeToString(s[:])[:12] }
	seen := map[string]bool{}
	const rounds = 3
	for round := 1; ; round++ {
		want := digest(h.current(t))
		seen[want] = true
		ag.stdout.waitFor(t, "ok "+want, 1) // Node
		pyOut.waitFor(t, "ok "+want, 1)
		if round > rounds {
			break
		}
		rotate()
		ag.stderr.waitFor(t, "the file holds the current token", round+1)
	}
	write(t, stop, nil)
	if err := pyDone(); err != nil {
		t.Errorf("the Python service: %v", err)
	}
	if err := ag.wait(); err != nil {
		t.Errorf("the agent, ending with its Node child: %v, want exit 0", err)
	}
	for service, said := range map[string]*lines{"Python": pyOut, "Node": ag.stdout} {
		calls, _ := said.count("ok ")
		for _, line := range strings.Split(said.String(), "\n") {
			if f := strings.Fields(line); len(f) != 2 || f[0] != "ok" || !seen[f[1]] {
				t.Errorf("the %s service said %q", service, line)
			}
		}
		t.Logf("the %s service made %d calls, none failed", service, calls)
	}
	if n, _ := ag.stderr.count("the file holds the current token"); n != rounds+1 {
		t.Errorf("the agent wrote the file %d times for %d promotions", n, rounds+1)
	}
}

// activeOf is how many active tokens the fake holds for the rotator's user, of any name.
func activeOf(h *harness) int {
	n := 0
	for _, tok := range h.fake.Tokens() {
		if tok.UserID == rotatorUser.ID && tok.Active(h.fake.Now()) {
			n++
		}
	}
	return n
}

// TestRotateMetricsFile: --metrics-file leaves what an alert on a rotation job needs, in
// node_exporter's textfile format: the last run, its outcome, the last success (kept by a
// run that fails), the epoch, the token's expiry and when it is due, and the user's active
// tokens (as the fake Vault holds them) against Vault's 25.
func TestRotateMetricsFile(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	file := filepath.Join(t.TempDir(), "vault-token-fleet.prom")
	read := func() map[string]float64 {
		t.Helper()
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var p expfmt.TextParser
		families, err := p.TextToMetricFamilies(f)
		if err != nil {
			t.Fatalf("the metrics file does not parse: %v", err)
		}
		out := map[string]float64{}
		for name, fam := range families {
			if m := fam.GetMetric(); len(m) == 1 && m[0].GetLabel()[0].GetValue() == h.env[command.EnvFleetKey] {
				out[name] = value(m[0])
			}
		}
		return out
	}
	before := time.Now()
	for range 2 { // the second keeps the first token as previous, for an hour's grace
		if r := h.run("rotate", "--me", "--name", "fleet-svc", "--metrics-file", file); r.code != 0 {
			t.Fatalf("rotate: %+v", r)
		}
	}
	ok := read()
	st := h.status(t)
	expires, _ := time.Parse(time.RFC3339, st["current"].(map[string]any)["expires"].(string))
	if ok["vault_token_fleet_rotate_last_run_success"] != 1 || ok[lastSuccess] < float64(before.Unix()) ||
		ok["vault_token_fleet_epoch"] != st["epoch"].(float64) || ok["vault_token_fleet_token_expiry_timestamp_seconds"] != float64(expires.Unix()) ||
		ok["vault_token_fleet_rotate_due_timestamp_seconds"] <= float64(before.Unix()) ||
		ok["vault_token_fleet_user_active_tokens"] != float64(activeOf(h)) || ok["vault_token_fleet_user_max_active_tokens"] != 25 {
		t.Errorf("after a rotation: %v; status %v", ok, st)
	}
	// Inside the grace period, with no time to wait it out: the run fails, the last success stays.
	if r := h.run("rotate", "--me", "--name", "fleet-svc", "--metrics-file", file, "--timeout", "3s"); r.code != 1 {
		t.Fatalf("a rotation inside the grace period: %+v", r)
	}
	failed := read()
	if failed["vault_token_fleet_rotate_last_run_success"] != 0 || failed[lastSuccess] != ok[lastSuccess] ||
		failed["vault_token_fleet_rotate_last_run_timestamp_seconds"] < ok["vault_token_fleet_rotate_last_run_timestamp_seconds"] {
		t.Errorf("after a failed run: %v, before it %v", failed, ok)
	}
	if r := h.run("rotate", "--me", "--name", "fleet-svc", "--metrics-file", "metrics.txt"); r.code != 2 || !strings.Contains(r.stderr, ".prom") {
		t.Errorf("--metrics-file without .prom: %+v", r)
	}
}

// TestAgentRidesOutQuorumLoss: with two of three etcd members down the agent keeps the
// file and /healthz as they are; with the members back, the next promotion reaches the
// file.
func TestAgentRidesOutQuorumLoss(t *testing.T) {
	cluster := etcdtest.Start(t, 3, nil)
	h := newHarness(t, cluster.Endpoints())
	if r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "0s"); r.code != 0 {
		t.Fatalf("rotate: %+v", r)
	}
	out := filepath.Join(t.TempDir(), "token")
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ag := h.startAgent(t, nil, "--out-file", out, "--metrics-addr", addr)
	ag.stderr.waitFor(t, "the file holds the current token", 1)
	held := inode(t, out)
	cluster.Stop(1)
	cluster.Stop(2)
	h.get(t, "http://"+addr+"/healthz", http.StatusOK)
	if inode(t, out) != held {
		t.Error("the file changed while etcd had no quorum")
	}
	for _, i := range []int{1, 2} {
		if err := cluster.Restart(i); err != nil {
			t.Fatal(err)
		}
	}
	if r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "0s"); r.code != 0 {
		t.Fatalf("rotate after the members came back: %+v", r)
	}
	ag.stderr.waitFor(t, "the file holds the current token", 2)
	if b, _ := os.ReadFile(out); string(b) != h.current(t) {
		t.Error("the file does not hold the token promoted after the members came back")
	}
	h.get(t, "http://"+addr+"/healthz", http.StatusOK)
}

// TestAgentChild: with --restart the child starts again at a new token (and reads the new
// file); a signal to the agent goes on to the child (a HUP or USR1 it takes as "reload"
// does not stop the agent, which goes on following the record), and the child's exit
// status is the agent's.
func TestAgentChild(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	rotate := func() {
		t.Helper()
		if r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "0s"); r.code != 0 {
			t.Fatalf("rotate: %+v", r)
		}
	}
	rotate()
	out := filepath.Join(t.TempDir(), "token")
	// The child sets its traps, says it started and what the file's hash is, then waits:
	// USR1 it answers "reloading", TERM with exit 7.
	script := `trap 'echo stopping; exit 7' TERM; trap 'echo reloading' USR1; echo "started $(sha256sum "$VEEVA_VAULT_TOKEN_FILE" | cut -c1-12)"; while :; do sleep 1 & wait $!; done`
	ag := h.startAgent(t, nil, "--out-file", out, "--exec", "--restart", "--", "sh", "-c", script)
	ag.stdout.waitFor(t, "started", 1)
	_ = ag.cmd.Process.Signal(syscall.SIGUSR1)
	ag.stdout.waitFor(t, "reloading", 1)
	rotate()
	ag.stdout.waitFor(t, "started", 2)
	if started := ag.stdout.holding("started"); len(started) != 2 || started[0] == started[1] {
		t.Errorf("the restarted child read the file it had: %q", started)
	}
	_ = ag.cmd.Process.Signal(syscall.SIGTERM)
	err := ag.wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Errorf("the agent stopped by SIGTERM with a child that exits 7: %v", err)
	}
	if n, _ := ag.stdout.count("stopping"); n != 2 {
		t.Errorf("the child was told to stop %d times, want 2 (a restart, the agent's stop)", n)
	}
}
