package main

import (
	"strings"
	"testing"
	"time"
)

// TestExpiresForms: generate takes every form of the one --expires grammar
// (command.ParseExpires) and sends what it means, as the fake Vault received it: an
// instant in UTC, a date as a date, a life from now as an instant, never as no expiry; a
// form outside the grammar is a usage error and sends nothing.
func TestExpiresForms(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	life := func(d time.Duration) func(string, time.Time, time.Time) bool {
		return func(got string, before, after time.Time) bool {
			at, err := time.Parse(time.RFC3339, got)
			return err == nil && !at.Before(before.Add(d).Truncate(time.Second)) && !at.After(after.Add(d))
		}
	}
	exactly := func(want string) func(string, time.Time, time.Time) bool {
		return func(got string, _, _ time.Time) bool { return got == want }
	}
	for _, tt := range []struct {
		expires string
		sent    func(got string, before, after time.Time) bool
	}{
		{"2099-12-31T13:00:00+01:00", exactly("2099-12-31T12:00:00Z")},
		{"2099-12-31", exactly("2099-12-31")},
		{"90d", life(90 * 24 * time.Hour)},
		{"2w", life(14 * 24 * time.Hour)},
		{"12h", life(12 * time.Hour)},
		{"never", exactly("")},
	} {
		name := "k-" + strings.NewReplacer(":", "", "+", "").Replace(tt.expires)
		before := time.Now()
		r := h.run(env, "", "generate", "--me", "--name", name, "--expires", tt.expires)
		after := time.Now()
		if r.code != 0 {
			t.Errorf("--expires %s: exit %d, stderr %q", tt.expires, r.code, r.stderr)
			continue
		}
		toks := h.fake.Tokens()
		if got := toks[len(toks)-1]; got.Name != name || !tt.sent(got.Expiry, before, after) {
			t.Errorf("--expires %s: the fake received a token named %q with expiry %q", tt.expires, got.Name, got.Expiry)
		}
	}
	made := len(h.fake.Tokens())
	for _, bad := range []string{"soon", "0d", "-5d", "2099-02-30", "1y"} {
		if r := h.run(env, "", "generate", "--me", "--name", "k", "--expires", bad); r.code != 2 || !strings.Contains(r.stderr, "a life from now") {
			t.Errorf("--expires %s: exit %d, stderr %q, want 2 naming the forms", bad, r.code, r.stderr)
		}
	}
	if n := len(h.fake.Tokens()); n != made {
		t.Errorf("the refused forms made %d tokens", n-made)
	}
}
