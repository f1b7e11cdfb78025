package main

import (
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
)

// TestExpiresForms: rotate reads --expires in every program's grammar
// (command.ParseExpires) as the life each new token asks for: Nd, Nw, a Go duration, never;
// the fake Vault receives that life from the run's start. A fixed end (a time, a date) is
// refused with a usage error that says why, and sends nothing; so is a form outside the
// grammar.
func TestExpiresForms(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	for _, tt := range []struct {
		expires string
		life    time.Duration // 0: never
	}{{"90d", 90 * 24 * time.Hour}, {"2w", 14 * 24 * time.Hour}, {"720h", 720 * time.Hour}, {"never", 0}} {
		before := time.Now()
		r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "0s", "--expires", tt.expires)
		after := time.Now()
		if r.code != command.ExitOK {
			t.Errorf("--expires %s: %+v", tt.expires, r)
			continue
		}
		toks := h.fake.Tokens()
		got := toks[len(toks)-1].Expiry
		if tt.life == 0 {
			if got != "" {
				t.Errorf("--expires never: the fake received expiry %q", got)
			}
			continue
		}
		at, err := time.Parse(time.RFC3339, got)
		if err != nil || at.Before(before.Add(tt.life).Truncate(time.Second)) || at.After(after.Add(tt.life)) {
			t.Errorf("--expires %s: the fake received expiry %q, want %s from the run", tt.expires, got, tt.life)
		}
	}
	made := len(h.fake.Tokens())
	for bad, says := range map[string]string{
		"2099-12-31": "a fixed end", "2099-12-31T12:00:00Z": "a fixed end", "soon": "a life from now", "0d": "a life from now",
	} {
		if r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "0s", "--expires", bad); r.code != command.ExitUsage || !strings.Contains(r.stderr, says) {
			t.Errorf("--expires %s: %+v, want exit 2 saying %q", bad, r, says)
		}
	}
	if n := len(h.fake.Tokens()); n != made {
		t.Errorf("the refused forms made %d tokens", n-made)
	}
}
