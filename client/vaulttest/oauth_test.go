package vaulttest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

const formType = "application/x-www-form-urlencoded"

// TestOAuthLogin: the fake exchanges the tokens its identity provider issued for sessions,
// and refuses the others as integrations see Vault refuse them.
func TestOAuthLogin(t *testing.T) {
	var c collector
	s := vaulttest.NewTestServer(t, vaulttest.Config{
		Report: c.report,
		OAuthProfiles: []vaulttest.OAuthProfile{
			{ID: "open"}, {ID: "introspected", ClientID: "acme-bot"},
		},
	})
	issue := func(profile, user string, lifetime time.Duration) string {
		t.Helper()
		tok, err := s.IdPToken(profile, user, lifetime)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := issue("open", "integration@veepharm.com", 0)
	short := issue("open", "integration@veepharm.com", time.Minute)
	forIntrospected := issue("introspected", "integration@veepharm.com", 0)
	s.Advance(2 * time.Minute)

	tests := []struct {
		name, path, auth, body, wantStatus, wantType string
	}{
		{"a token of the profile", "/auth/oauth/session/open", "Bearer " + good, "vaultDNS=" + s.DNS, "SUCCESS", ""},
		{"no body: the fields are optional", "/auth/oauth/session/open", "Bearer " + good, "", "SUCCESS", ""},
		{"an expired token", "/auth/oauth/session/open", "Bearer " + short, "", "FAILURE", "EXPIRED_TOKEN"},
		{"a token the provider never issued", "/auth/oauth/session/open", "Bearer eyJ.forged.token", "", "FAILURE", "INVALID_TOKEN"},
		{"no token", "/auth/oauth/session/open", "", "", "FAILURE", "INVALID_TOKEN"},
		{"a session ID where the token goes", "/auth/oauth/session/open", good, "", "FAILURE", "INVALID_TOKEN"},
		{"another profile's token", "/auth/oauth/session/open", "Bearer " + forIntrospected, "", "FAILURE", "INVALID_TOKEN"},
		{"the client ID introspection needs", "/auth/oauth/session/introspected", "Bearer " + forIntrospected, "client_id=acme-bot", "SUCCESS", ""},
		{"without the client ID", "/auth/oauth/session/introspected", "Bearer " + forIntrospected, "", "FAILURE", "INVALID_TOKEN"},
		{"another client ID", "/auth/oauth/session/introspected", "Bearer " + forIntrospected, "client_id=other", "FAILURE", "INVALID_TOKEN"},
		{"an unknown profile", "/auth/oauth/session/nope", "Bearer " + good, "", "FAILURE", "INVALID_DATA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := post(t, s, tt.path, tt.auth, formType, tt.body)
			if reply["responseStatus"] != tt.wantStatus || errorType(reply) != tt.wantType {
				t.Fatalf("reply = %v, want %s %s", reply, tt.wantStatus, tt.wantType)
			}
			if tt.wantStatus == "FAILURE" {
				if reply["errorType"] != "AUTHENTICATION_FAILED" {
					t.Errorf("errorType = %v", reply["errorType"])
				}
				return
			}
			// The session is a session like any other.
			session, _ := reply["sessionId"].(string)
			made := post(t, s, "/api/v26.2/objects/users/me/api_access_token__sys", session, formType, "name__v=k")
			if made["responseStatus"] != "SUCCESS" {
				t.Errorf("a call with the OAuth session: %v", made)
			}
		})
	}
	if len(c.v) != 0 {
		t.Errorf("violations for calls the spec allows: %q", c.v)
	}
	for _, r := range s.Requests() {
		if r.Op == openapi.OpAuthenticateOAuth && strings.Contains(r.Header.Get("Authorization"), "eyJ") {
			t.Errorf("the identity provider token was recorded: %q", r.Header.Get("Authorization"))
		}
	}
	if got := s.Count(openapi.OpAuthenticateOAuth); got != len(tests) {
		t.Errorf("OAuth logins counted = %d, want %d", got, len(tests))
	}
}

func errorType(reply map[string]any) string {
	errs, _ := reply["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	typ, _ := e["type"].(string)
	return typ
}

// TestOAuthLoginFaults: the login faults apply to OAuth logins too.
func TestOAuthLoginFaults(t *testing.T) {
	s := vaulttest.NewTestServer(t, vaulttest.Config{})
	tok, err := s.IdPToken(vaulttest.DefaultOAuthProfileID, "integration@veepharm.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	path := "/auth/oauth/session/" + vaulttest.DefaultOAuthProfileID
	if err := s.Inject(vaulttest.Fault{Op: openapi.OpAuthenticateOAuth, Kind: vaulttest.OverLoginLimit}); err != nil {
		t.Fatal(err)
	}
	if reply := post(t, s, path, "Bearer "+tok, formType, ""); errorType(reply) != "API_LIMIT_EXCEEDED" ||
		reply["responseMessage"] != "Authentication failed for user: integration@veepharm.com" {
		t.Errorf("with OverLoginLimit: %v", reply)
	}
	if err := s.Inject(vaulttest.Fault{Op: openapi.OpAuthenticateOAuth, Kind: vaulttest.SessionEnded}); err != nil {
		t.Fatal(err)
	}
	reply := post(t, s, path, "Bearer "+tok, formType, "")
	session, _ := reply["sessionId"].(string)
	if made := post(t, s, "/api/v26.2/objects/users/me/api_access_token__sys", session, formType, "name__v=k"); errorType(made) != "INVALID_SESSION_ID" {
		t.Errorf("a session ended at login: %v", made)
	}
}

// TestOAuthLoginLimit: OAuth logins count against the user's login limit.
func TestOAuthLoginLimit(t *testing.T) {
	s := vaulttest.NewTestServer(t, vaulttest.Config{LoginLimit: 2})
	tok, err := s.IdPToken(vaulttest.DefaultOAuthProfileID, "integration@veepharm.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 3 {
		reply := post(t, s, "/auth/oauth/session/"+vaulttest.DefaultOAuthProfileID, "Bearer "+tok, formType, "")
		got = append(got, reply["responseStatus"].(string)+" "+errorType(reply))
	}
	if want := "SUCCESS ,SUCCESS ,FAILURE API_LIMIT_EXCEEDED"; strings.Join(got, ",") != want {
		t.Errorf("three logins = %q, want %q", got, want)
	}
}

func TestIdPTokenRefusesWhatCannotLogIn(t *testing.T) {
	s := vaulttest.NewTestServer(t, vaulttest.Config{})
	for _, tt := range []struct {
		profile, user string
		lifetime      time.Duration
		want          string
	}{
		{"nope", "integration@veepharm.com", 0, `no OAuth profile "nope"`},
		{vaulttest.DefaultOAuthProfileID, "nobody@veepharm.com", 0, `no user "nobody@veepharm.com"`},
		{vaulttest.DefaultOAuthProfileID, "integration@veepharm.com", -time.Second, "negative lifetime"},
	} {
		if _, err := s.IdPToken(tt.profile, tt.user, tt.lifetime); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("IdPToken(%q, %q, %v) = %v, want an error naming %s", tt.profile, tt.user, tt.lifetime, err, tt.want)
		}
	}
}
