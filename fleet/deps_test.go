package fleet_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServicesLinkNoAgentLibraries: a service that imports package fleet links etcd's
// client and this module's client, not what the command's agent uses (client_golang and
// the rest of Prometheus'): those stay in the program.
func TestServicesLinkNoAgentLibraries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/acme/vault-token/fleet").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 || !strings.Contains(string(out), "go.etcd.io/etcd/client/v3") {
		t.Fatalf("go list -deps listed %d packages: it did not run as expected", len(deps))
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "github.com/prometheus/") {
			t.Errorf("package fleet links %s", p)
		}
	}
}
