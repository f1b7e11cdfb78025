package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

func TestDiscoverCommand(t *testing.T) {
	h := newHarness(t)
	host := []string{"--oauth-login-host", h.fake.DNS}
	r := h.run(nil, "", append([]string{"discover", "sso.user@veepharm.com"}, host...)...)
	if want := "sso\nOAuth profiles (log in with --oauth-profile ID):\n  " + vaulttest.DefaultOAuthProfileID + "\n"; r.code != 0 || r.stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
	r = h.run(nil, "", append([]string{"discover", "olivia@veepharm.com", "-o", "json"}, host...)...)
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("exit %d, stdout %q: %v", r.code, r.stdout, err)
	}
	want := map[string]any{"user": "olivia@veepharm.com", "auth_type": "password", "profiles": []any{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	// --verbose, as every other command that makes a call: the request on stderr, the result on stdout.
	r = h.run(nil, "", append([]string{"discover", "olivia@veepharm.com", "--verbose"}, host...)...)
	if r.code != 0 || r.stdout != "password\n" || !strings.Contains(r.stderr, "vault request") || !strings.Contains(r.stderr, "op=") {
		t.Errorf("--verbose: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(nil, "", "discover"); r.code != command.ExitUsage || !strings.Contains(r.stderr, "give one user name") {
		t.Errorf("no user: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := h.fake.Count(openapi.OpDiscoverAuthType); n != 3 {
		t.Errorf("the fake saw %d discoveries, want 3", n)
	}
}

// TestSSOHint: a password login refused for a user who signs in with SSO ends with a hint
// naming the OAuth profile to use; a wrong password for a password user gets none.
func TestSSOHint(t *testing.T) {
	h := newHarness(t)
	env := func(user string) []string {
		return []string{"VEEVA_VAULT_DNS=" + h.fake.DNS, "VEEVA_VAULT_USERNAME=" + user, "VEEVA_VAULT_PASSWORD=not-it"}
	}
	args := []string{"generate", "--me", "--name", "k", "--oauth-login-host", h.fake.DNS}
	r := h.run(env("sso.user@veepharm.com"), "", args...)
	hint := "sso.user@veepharm.com signs in with SSO, not a password: log in with --oauth-profile " + vaulttest.DefaultOAuthProfileID
	if r.code != command.ExitVault || !strings.Contains(r.stderr, hint) {
		t.Errorf("SSO user: exit %d, stderr %q; want exit 1 and %q", r.code, r.stderr, hint)
	}
	r = h.run(env("olivia@veepharm.com"), "", args...)
	if r.code != command.ExitVault || strings.Contains(r.stderr, "SSO") {
		t.Errorf("password user: exit %d, stderr %q; want exit 1 and no hint", r.code, r.stderr)
	}
	h.checkNoSecrets("not-it")
}
