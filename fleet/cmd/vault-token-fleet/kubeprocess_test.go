//go:build unix

package main

import (
	"path/filepath"
	"testing"

	"github.com/acme/vault-token/client/vaulttest"
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
	args := []string{"rotate", "--me", "--name", "fleet-svc", "--grace", "1s", "--timeout", "1m"}
	apiRound := 3 // the API server is SIGKILLed with the victim, mid-rotation, and started again
	killRounds(t, filepath.Join(bin, name), h, args, killHooks{killed: func(round int) {
		if round == apiRound {
			if err := api.Restart(); err != nil {
				t.Error(err)
			}
		}
	}})
	store, err := kube.NewStore(api.Config(kubetest.Admin), "fleet", "vault-token")
	if err != nil {
		t.Fatal(err)
	}
	checkAfterRounds(t, h, store)
}
