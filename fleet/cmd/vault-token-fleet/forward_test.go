package main

import (
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
)

// TestRunByVaultToken: "vault-token fleet status -o json" runs this program installed
// beside vault-token, with its arguments, streams and exit status.
func TestRunByVaultToken(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both programs")
	}
	bin := t.TempDir()
	buildIn(t, "../../..", filepath.Join(bin, "vault-token"), "./cmd/vault-token") // the root module
	build(t, filepath.Join(bin, name), ".")
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	if r := h.run("rotate", "--me", "--name", "fleet-svc"); r.code != 0 {
		t.Fatalf("rotate: %+v", r)
	}
	cmd := exec.Command(filepath.Join(bin, "vault-token"), "fleet", "status", "-o", "json")
	cmd.Env = h.environ()
	out, err := cmd.Output()
	var st struct{ Current struct{ ID string } }
	if err != nil || json.Unmarshal(out, &st) != nil || st.Current.ID == "" {
		t.Fatalf("vault-token fleet status -o json: %v, %s", err, out)
	}
	cmd = exec.Command(filepath.Join(bin, "vault-token"), "fleet", "status", "--key", "")
	cmd.Env = append(h.environ(), command.EnvFleetKey+"=")
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("vault-token fleet status without a key: %v, want exit 2", err)
	}
}

// TestVaultTokenLinksNoEtcd: vault-token links neither etcd's client nor gRPC, whose
// package initialization would run on every start of every command (the start-up budget,
// docs/performance.md); this program, which vault-token fleet runs, does, so the check looks
// for the right names.
func TestVaultTokenLinksNoEtcd(t *testing.T) {
	heavy := []string{"go.etcd.io/", "google.golang.org/grpc", "go.uber.org/zap"}
	links := func(dir, pkg string) []string {
		cmd := exec.Command("go", "list", "-deps", pkg)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		var found []string
		for _, p := range strings.Fields(string(out)) {
			for _, h := range heavy {
				if strings.HasPrefix(p, h) {
					found = append(found, p)
				}
			}
		}
		return found
	}
	if found := links("../../..", "./cmd/vault-token"); len(found) > 0 {
		t.Errorf("vault-token links %v", found)
	}
	if found := links(".", "."); len(found) == 0 {
		t.Error("vault-token-fleet links no etcd package: the check looks for the wrong names")
	}
}
