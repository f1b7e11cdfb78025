//go:build unix

package main

import (
	"context"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/internal/kubetest"
	"github.com/acme/vault-token/fleet/kube"
)

// TestKubernetesProcessesKilledAtRandom is TestProcessesKilledAtRandom on the Kubernetes
// store: each round starts three vault-token-fleet rotate --secret processes at once and
// SIGKILLs one when the fake receives a Vault call chosen at random (the seed is logged);
// in one round the API server is SIGKILLed and started again (etcd keeps its state). The
// same invariants: at most three active tokens of the name after each round; after a last
// rotation, the current token active and none the record does not know.
func TestKubernetesProcessesKilledAtRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the API server and processes")
	}
	bin := t.TempDir()
	build(t, filepath.Join(bin, name), ".")
	api := kubetest.StartTB(t)
	fake := vaulttest.NewTestServer(t, vaulttest.Config{LoginLimit: 1000})
	h := kubeHarness(t, api, fake, "fleet")
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	args := []string{"rotate", "--me", "--name", "fleet-svc", "--grace", "1s", "--timeout", "1m"}

	for round := range 6 {
		var wg sync.WaitGroup
		codes := make([]int, 3)
		said := make([]syncWriter, 3)
		victim := rng.IntN(3)
		op := killOps[rng.IntN(len(killOps))]
		next := fake.Count(op) + 1
		roundCtx, endRound := context.WithCancel(t.Context())
		for i := range 3 {
			cmd := exec.Command(filepath.Join(bin, name), args...)
			cmd.Env = h.environ()
			cmd.Stderr = &said[i]
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if i == victim {
				go func() {
					if fake.WaitForRequests(roundCtx, op, next) == nil {
						_ = cmd.Process.Signal(syscall.SIGKILL)
						if round == 3 {
							// The API server too, mid-rotation; the others wait for it.
							if err := api.Restart(); err != nil {
								t.Error(err)
							}
						}
					}
				}()
			}
			wg.Go(func() {
				_ = cmd.Wait()
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
		if n := len(activeTokens(fake)); n > 3 {
			t.Errorf("round %d: %d active tokens of the name", round, n)
		}
	}

	last := exec.Command(filepath.Join(bin, name), args...)
	last.Env = h.environ()
	if out, err := last.CombinedOutput(); err != nil {
		t.Fatalf("the last rotation: %v\n%s", err, out)
	}
	store, err := kube.NewStore(api.Config(kubetest.Admin), "fleet", "vault-token")
	if err != nil {
		t.Fatal(err)
	}
	st, err := fleet.ReadStatus(t.Context(), store)
	if err != nil {
		t.Fatal(err)
	}
	active := activeTokens(fake)
	if _, ok := active[st.Current.ID]; !ok || len(active) > 3 {
		t.Errorf("current %s; active tokens %v", st.Current.ID, active)
	}
	for id := range active {
		if id != st.Current.ID && (st.Previous == nil || id != st.Previous.ID) {
			t.Errorf("active token %s is not in the record", id)
		}
	}
}
