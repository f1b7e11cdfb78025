package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
)

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
