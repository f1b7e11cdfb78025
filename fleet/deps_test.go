package fleet_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServicesLinkOnlyTheirStore: a service that imports package fleet (the etcd store)
// links etcd's client and this module's client, and neither client-go (the Kubernetes
// store's, in package kube) nor what the command's agent uses (client_golang and the rest
// of Prometheus'); a service on the Kubernetes store links client-go, and no Prometheus
// either. (client's own footprint, with neither store, is TestConsumerFootprint's.)
func TestServicesLinkOnlyTheirStore(t *testing.T) {
	for _, tt := range []struct {
		pkg       string
		must      string
		forbidden []string
	}{
		{"github.com/acme/vault-token/fleet", "go.etcd.io/etcd/client/v3", []string{"k8s.io/", "github.com/prometheus/"}},
		{"github.com/acme/vault-token/fleet/kube", "k8s.io/client-go/kubernetes", []string{"github.com/prometheus/"}},
	} {
		out, err := exec.Command("go", "list", "-deps", tt.pkg).Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 50 || !strings.Contains(string(out), tt.must) {
			t.Fatalf("go list -deps %s listed %d packages: it did not run as expected", tt.pkg, len(deps))
		}
		for _, p := range deps {
			for _, f := range tt.forbidden {
				if strings.HasPrefix(p, f) {
					t.Errorf("package %s links %s", tt.pkg, p)
				}
			}
		}
	}
}
