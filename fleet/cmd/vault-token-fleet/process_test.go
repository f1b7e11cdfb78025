//go:build unix

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

// TestProcessesKilledAtRandom: etcd runs as three processes of its own server, and each
// round starts three vault-token-fleet rotate processes at once and SIGKILLs one of them
// when the fake receives a Vault call of a rotation chosen at random (a listing, a token
// request, a check), mid-way through some rotation (the seed is logged); in one round an etcd member is SIGKILLed too and
// started again. After each round the fake holds at most three active tokens of the name;
// after a last rotation that runs to its end, the record's current token is active, the
// fake holds no active token of the name that the record does not know, and the token
// command prints an active token.
func TestProcessesKilledAtRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("builds etcd's server and runs processes")
	}
	bin := t.TempDir()
	build(t, filepath.Join(bin, "etcd"), "github.com/acme/vault-token/fleet/internal/etcdserver")
	build(t, filepath.Join(bin, name), ".")
	etcd := startEtcdProcesses(t, filepath.Join(bin, "etcd"), 3)

	fake := vaulttest.NewTestServer(t, vaulttest.Config{LoginLimit: 1000})
	h := newHarnessWith(t, fake, etcd.endpoints)
	args := []string{"rotate", "--me", "--name", "fleet-svc", "--grace", "300ms", "--timeout", "1m"}

	etcdRound := 3 // an etcd member is SIGKILLed before it and started again after
	killRounds(t, filepath.Join(bin, name), h, args, killHooks{
		before: func(round int) {
			if round == etcdRound {
				etcd.kill(0)
			}
		},
		after: func(round int) {
			if round == etcdRound {
				etcd.restart(t, 0)
			}
		},
	})
	store, err := fleet.NewEtcdStore(etcd.client(t), h.env[command.EnvFleetKey])
	if err != nil {
		t.Fatal(err)
	}
	checkAfterRounds(t, h, store)
	r := h.run("token")
	h.printed.Reset() // the token, printed as asked
	st, err := fleet.ReadStatus(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	if tok, ok := activeTokens(h.fake)[st.Current.ID]; r.code != 0 || !ok || strings.TrimSpace(r.stdout) != tok.Value {
		t.Errorf("token: exit %d, stderr %q", r.code, r.stderr)
	}
}

// killHooks are what a test of killRounds does around its rounds: before each, after its
// victim is killed, and after each.
type killHooks struct{ before, killed, after func(round int) }

// killRounds runs 6 rounds, each of three rotate processes started at once, one of them
// (chosen at random, the seed logged) SIGKILLed when the fake receives a Vault call chosen
// at random, mid-way through some rotation. After each round the fake holds at most three
// active tokens of the name. Then a last rotation runs to its end.
func killRounds(t *testing.T, program string, h *harness, args []string, hooks killHooks) {
	t.Helper()
	fake := h.fake
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	for round := range 6 {
		if hooks.before != nil {
			hooks.before(round)
		}
		var wg sync.WaitGroup
		codes := make([]int, 3)
		said := make([]syncWriter, 3)
		victim := rng.IntN(3)
		// The kill waits for an event: the fake receiving the next call of op.
		op := killOps[rng.IntN(len(killOps))]
		next := fake.Count(op) + 1
		roundCtx, endRound := context.WithCancel(t.Context())
		for i := range 3 {
			cmd := exec.Command(program, args...)
			cmd.Env = h.environ()
			cmd.Stderr = &said[i]
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if i == victim {
				go func() {
					// The call may be another rotator's, and may never come (this round's
					// rotation ends first): then the victim has ended on its own.
					if fake.WaitForRequests(roundCtx, op, next) == nil {
						_ = cmd.Process.Signal(syscall.SIGKILL)
						if hooks.killed != nil {
							hooks.killed(round)
						}
					}
				}()
			}
			wg.Go(func() {
				_ = cmd.Wait() // a rotation refused in the grace period, or killed, is expected
				codes[i] = cmd.ProcessState.ExitCode()
			})
		}
		wg.Wait()
		endRound()
		t.Logf("round %d: exit statuses %v (-1: killed at %s call %d)", round, codes, op, next)
		for i := range said {
			if s := said[i].String(); s != "" {
				t.Logf("  rotator %d: %s", i, strings.TrimSpace(s))
			}
		}
		if hooks.after != nil {
			hooks.after(round)
		}
		if n := len(activeTokens(fake)); n > 3 {
			t.Errorf("round %d: %d active tokens of the name", round, n)
		}
	}
	last := exec.Command(program, args...)
	last.Env = h.environ()
	if out, err := last.CombinedOutput(); err != nil {
		t.Fatalf("the last rotation: %v\n%s", err, out)
	}
}

// checkAfterRounds: the record's current token is active, and the fake holds no active
// token of the name that the record does not know, and at most three.
func checkAfterRounds(t *testing.T, h *harness, store fleet.Store) {
	t.Helper()
	st, err := fleet.ReadStatus(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	active := activeTokens(h.fake)
	if _, ok := active[st.Current.ID]; !ok || len(active) > 3 {
		t.Errorf("current %s; active tokens %v", st.Current.ID, active)
	}
	for id := range active {
		if id != st.Current.ID && (st.Previous == nil || id != st.Previous.ID) {
			t.Errorf("active token %s is not in the record", id)
		}
	}
}

// killOps are the Vault calls of a rotation at which a rotator may be killed.
var killOps = []string{openapi.OpQueryAPIAccessTokens, openapi.OpGenerateMyAPIAccessToken, openapi.OpValidateSessionUser}

func activeTokens(fake *vaulttest.Server) map[string]vaulttest.Token {
	out := map[string]vaulttest.Token{}
	for _, tok := range fake.Tokens() {
		if tok.Name == "fleet-svc" && tok.Active(fake.Now()) {
			out[tok.ID] = tok
		}
	}
	return out
}

// etcdProcesses is an etcd cluster of separate processes on loopback.
type etcdProcesses struct {
	bin       string
	endpoints []string
	args      [][]string
	cmds      []*exec.Cmd
}

func startEtcdProcesses(t *testing.T, bin string, n int) *etcdProcesses {
	t.Helper()
	e := &etcdProcesses{bin: bin}
	var peers, initial []string
	for i := range n {
		peers = append(peers, fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
		e.endpoints = append(e.endpoints, fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
		initial = append(initial, fmt.Sprintf("m%d=%s", i, peers[i]))
	}
	dir := t.TempDir()
	for i := range n {
		e.args = append(e.args, []string{
			"--name", fmt.Sprintf("m%d", i), "--data-dir", filepath.Join(dir, fmt.Sprintf("m%d", i)),
			"--listen-peer-urls", peers[i], "--initial-advertise-peer-urls", peers[i],
			"--listen-client-urls", e.endpoints[i], "--advertise-client-urls", e.endpoints[i],
			"--initial-cluster", strings.Join(initial, ","), "--initial-cluster-token", "fleet-process-test",
			"--log-level", "error",
		})
		e.cmds = append(e.cmds, nil)
		e.start(t, i, "new")
	}
	t.Cleanup(func() {
		for i := range e.cmds {
			e.kill(i)
		}
	})
	// Ready when a write goes through: the client waits for a leader.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := e.client(t).Put(ctx, "ready", "yes"); err != nil {
		t.Fatalf("the etcd processes did not form a cluster: %v", err)
	}
	return e
}

func (e *etcdProcesses) start(t *testing.T, i int, state string) {
	t.Helper()
	cmd := exec.Command(e.bin, append(e.args[i], "--initial-cluster-state", state)...)
	// What a member says is shown only if the test fails.
	var out syncWriter
	cmd.Stdout, cmd.Stderr = &out, &out
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("etcd member %d (%s start):\n%s", i, state, out.String())
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e.cmds[i] = cmd
}

// kill SIGKILLs member i and waits for it to end.
func (e *etcdProcesses) kill(i int) {
	if cmd := e.cmds[i]; cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		e.cmds[i] = nil
	}
}

// syncWriter keeps what a process writes to its two streams.
type syncWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func (e *etcdProcesses) restart(t *testing.T, i int) {
	e.start(t, i, "existing")
}

func (e *etcdProcesses) client(t *testing.T) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: e.endpoints, DialTimeout: time.Minute, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}
