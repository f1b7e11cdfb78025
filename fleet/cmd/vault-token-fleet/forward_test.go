package main

import (
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
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
	cmd.Env = append(h.environ(), envKey+"=")
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("vault-token fleet status without a key: %v, want exit 2", err)
	}
}
