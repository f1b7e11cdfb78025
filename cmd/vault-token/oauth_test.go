package main

import (
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// TestOAuthLogin: the command logs in with an identity provider's token from the
// environment or stdin, at the login host it is pointed at, and never prints the token.
func TestOAuthLogin(t *testing.T) {
	h := newHarness(t)
	idp := func(lifetime time.Duration) string {
		tok, err := h.fake.IdPToken(vaulttest.DefaultOAuthProfileID, "integration@veepharm.com", lifetime)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	expired := idp(time.Minute)
	h.fake.Advance(2 * time.Minute)
	good := idp(0)
	login := []string{"--oauth-profile", vaulttest.DefaultOAuthProfileID, "--oauth-login-host", h.fake.DNS}
	generate := func(name string, extra ...string) []string {
		return append([]string{"generate", "--vault", h.fake.DNS, "--me", "--name", name}, extra...)
	}
	tests := []struct {
		name         string
		env          []string
		stdin        string
		args         []string
		code         int
		inStderr     string
		wantClientID string
	}{
		{"the token in the environment, a request log", []string{"VEEVA_VAULT_IDP_TOKEN=" + good}, "", generate("env", append(login, "--verbose")...), 0, "op=authenticateOAuth method=POST path=/auth/oauth/session/", ""},
		{"the token on stdin, as echo sends it", nil, " " + good + " \r\n", generate("stdin", append(login, "--idp-token-stdin")...), 0, "", ""},
		{"the profile in the environment, a client ID", []string{"VEEVA_VAULT_OAUTH_PROFILE=" + vaulttest.DefaultOAuthProfileID, "VEEVA_VAULT_IDP_TOKEN=" + good}, "",
			generate("env profile", "--oauth-login-host", h.fake.DNS, "--oauth-client-id", "0oa-vault-integration"), 0, "", "0oa-vault-integration"},
		{"an expired token", []string{"VEEVA_VAULT_IDP_TOKEN=" + expired}, "", generate("expired", login...), 1, "vault-token: vault: log in with OAuth: FAILURE: EXPIRED_TOKEN", ""},
		{"nothing on stdin", nil, "", generate("none", append(login, "--idp-token-stdin")...), 2, "--idp-token-stdin: nothing to read on stdin", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.fake.Count(openapi.OpAuthenticateOAuth)
			tokensBefore := len(h.fake.Tokens())
			r := h.run(tt.env, tt.stdin, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.inStderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tt.code, tt.inStderr)
			}
			wantLogins := 1
			if tt.code == 2 {
				wantLogins = 0
			}
			if n := h.fake.Count(openapi.OpAuthenticateOAuth) - before; n != wantLogins {
				t.Errorf("%d OAuth logins, want %d", n, wantLogins)
			}
			if tt.code != 0 {
				return
			}
			toks := h.fake.Tokens()
			if len(toks) != tokensBefore+1 || r.stdout != toks[len(toks)-1].Value+"\n" {
				t.Errorf("stdout %q, want the new token", r.stdout)
			}
			var last vaulttest.Request
			for _, req := range h.fake.Requests() {
				if req.Op == openapi.OpAuthenticateOAuth {
					last = req
				}
			}
			if got := last.Form.Get("client_id"); got != tt.wantClientID {
				t.Errorf("client_id = %q, want %q", got, tt.wantClientID)
			}
		})
	}
	h.checkNoSecrets(good, expired)
}
