package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
)

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
	rotate := func() { h.rotate(t, "1s") }
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
