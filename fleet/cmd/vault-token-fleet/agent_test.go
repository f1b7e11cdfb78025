package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
)

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
	rotate := func() { h.rotate(t, "0s") }
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

// TestAgentRidesOutQuorumLoss: with two of three etcd members down the agent keeps the
// file and /healthz as they are; with the members back, the next promotion reaches the
// file.
func TestAgentRidesOutQuorumLoss(t *testing.T) {
	cluster := etcdtest.Start(t, 3, nil)
	h := newHarness(t, cluster.Endpoints())
	h.rotate(t, "0s")
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
	h.rotate(t, "0s") // after the members came back
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
	rotate := func() { h.rotate(t, "0s") }
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
