package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// secretIdPToken is an opaque identity provider token with the characters that encode
// differently in a form, a URL, JSON and base64 (+, /, =).
const secretIdPToken = "idp+Tk/9f8e7d6c5b4a39281==" //nolint:gosec // a test value

// TestOAuthWireRequest: the login as it reaches the login host, byte for byte where it
// matters, then a call with the session it gave.
func TestOAuthWireRequest(t *testing.T) {
	for _, tt := range []struct {
		name     string
		opts     []client.OAuthOption
		wantForm url.Values
	}{
		{"with the client ID", []client.OAuthOption{client.OAuthClientID("0oa-vault-integration")},
			url.Values{"client_id": {"0oa-vault-integration"}}},
		{"without", nil, url.Values{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The two calls are what the test reads, byte for byte: scripted.
			var fake *vaulttest.Server
			fake, v := scripted(t, false, []string{openapi.OpAuthenticateOAuth, openapi.OpGenerateMyAPIAccessToken}, func(w http.ResponseWriter, req wireRequest) {
				if strings.HasPrefix(req.Path, oauthLoginPath) {
					reply(w, authSuccess(fake.DNS))
					return
				}
				reply(w, tokenSuccess)
			})
			c := fakeClient(t, fake, client.OAuth("team/ops profile", client.StaticSecret(secretIdPToken), tt.opts...),
				client.WithClientID("acme-vault-ops-server-tokenbot"))
			if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
				t.Fatal(err)
			}
			tt.wantForm.Set("vaultDNS", fake.DNS)
			want := []wireRequest{
				{
					Method: "POST", Path: "/auth/oauth/session/team%2Fops%20profile",
					ContentType: "application/x-www-form-urlencoded", Authorization: "Bearer " + secretIdPToken,
					ClientID: "acme-vault-ops-server-tokenbot", Accept: "application/json", Form: tt.wantForm,
				},
				{
					Method: "POST", Path: "/api/" + client.DefaultAPIVersion + "/objects/users/me/api_access_token__sys",
					ContentType: "application/x-www-form-urlencoded", Authorization: secretSession,
					ClientID: "acme-vault-ops-server-tokenbot", Accept: "application/json", Form: url.Values{"name__v": {"k"}},
				},
			}
			if diff := cmp.Diff(want, v.requests(), cmpopts.IgnoreFields(wireRequest{}, "UserAgent")); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOAuthRefreshedTokenForRelogin: the source is asked before each login, so when the
// session ends after the first token expired, the new login sends the token the source
// refreshed, and Vault (which refuses the first) accepts it.
func TestOAuthRefreshedTokenForRelogin(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	var mu sync.Mutex
	var issued []string
	refreshing := client.SecretFunc(func(context.Context) (client.Secret, error) {
		mu.Lock()
		defer mu.Unlock()
		tok, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, loginUser, 5*time.Minute)
		issued = append(issued, tok)
		return client.NewSecret(tok), err
	})
	rec := &authRecorder{next: fake.Client().Transport}
	c := fakeClient(t, fake, client.OAuth(vaulttest.DefaultOAuthProfileID, refreshing),
		client.WithHTTPClient(&http.Client{Transport: rec}))
	ctx := context.Background()
	if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "first"}); err != nil {
		t.Fatal(err)
	}
	fake.Advance(10 * time.Minute) // the first token expires
	fake.EndSessions()
	if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "second"}); err != nil {
		t.Fatalf("after the session ended: %v", err)
	}
	if n := fake.Count(openapi.OpAuthenticateOAuth); n != 2 {
		t.Errorf("%d OAuth logins, want 2", n)
	}
	var sent []string
	for _, a := range rec.seen {
		if strings.HasPrefix(a, "Bearer ") {
			sent = append(sent, strings.TrimPrefix(a, "Bearer "))
		}
	}
	if diff := cmp.Diff(issued, sent); diff != "" {
		t.Errorf("identity provider tokens sent (-issued +sent):\n%s", diff)
	}
}

// TestOAuthAuthDefaulting: a session for another Vault than the one asked for is refused,
// and, like a refused token, the same token is not sent again.
func TestOAuthAuthDefaulting(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	tok, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, "wanderer@veepharm.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := fakeClient(t, fake, client.OAuth(vaulttest.DefaultOAuthProfileID, client.StaticSecret(tok)))
	for i := range 3 {
		_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
		if !errors.Is(err, client.ErrWrongVault) {
			t.Fatalf("call %d: error = %v, want ErrWrongVault", i, err)
		}
		if want := "vault: log in with OAuth: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %q does not start with %q", err, want)
		}
	}
	if n := fake.Count(openapi.OpAuthenticateOAuth); n != 1 {
		t.Errorf("%d OAuth logins, want 1", n)
	}
	if n := fake.Count(openapi.OpGenerateMyAPIAccessToken); n != 0 {
		t.Errorf("%d token calls were sent with another Vault's session", n)
	}
}

// TestOAuthInputChecks: settings that cannot work fail at New, and a token that could not
// be sent fails at the login, before anything is sent.
func TestOAuthInputChecks(t *testing.T) {
	for _, tt := range []struct {
		name  string
		creds client.Credentials
		field string
	}{
		{"no profile", client.OAuth("", client.StaticSecret("t")), "OAuth profile ID"},
		{"a profile with a newline", client.OAuth("a\nb", client.StaticSecret("t")), "OAuth profile ID"},
		{"a profile that is a dot-dot segment", client.OAuth("..", client.StaticSecret("t")), "OAuth profile ID"},
		{"a client ID with a control character", client.OAuth("p", client.StaticSecret("t"), client.OAuthClientID("a\x1b")), "OAuth client ID"},
		{"no token source", client.OAuth("p", nil), "identity provider token source"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.New("myvault.veevavault.com", client.WithCredentials(tt.creds))
			var in *client.InputError
			if !errors.As(err, &in) || in.Field != tt.field {
				t.Errorf("New: error = %v, want an InputError for %s", err, tt.field)
			}
		})
	}

	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.OAuth(vaulttest.DefaultOAuthProfileID, client.StaticSecret("eyJ\r\nX-Injected: 1")))
	_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var in *client.InputError
	if !errors.As(err, &in) || in.Field != "identity provider token" {
		t.Errorf("a token with a line break: error = %v, want an InputError", err)
	}
	if n := fake.Count(""); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestOAuthTokenNeverPrinted: a login host or proxy that echoes the identity provider's
// token, in a page or in Vault's own FAILURE message, gets it scrubbed from the error and
// the debug log, whether the client knows the token from the start (StaticSecret) or only
// for the login that sends it (SecretFunc).
func TestOAuthTokenNeverPrinted(t *testing.T) {
	sources := map[string]client.SecretSource{
		"static": client.StaticSecret(secretIdPToken),
		"func": client.SecretFunc(func(context.Context) (client.Secret, error) {
			return client.NewSecret(secretIdPToken), nil
		}),
	}
	echoes := map[string]func(w http.ResponseWriter, req wireRequest){
		"a proxy's page echoes the Authorization header": func(w http.ResponseWriter, req wireRequest) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<pre>Authorization: %s\nQuery: token=%s</pre>", req.Authorization, url.QueryEscape(secretIdPToken))
		},
		"a FAILURE message quotes the token": func(w http.ResponseWriter, _ wireRequest) {
			reply(w, `{"responseStatus":"FAILURE","errorType":"AUTHENTICATION_FAILED","errors":[{"type":"INVALID_TOKEN","message":"token `+
				jsonEscaped(secretIdPToken)+` (`+url.PathEscape(secretIdPToken)+`) is not valid"}]}`)
		},
	}
	for sourceName, src := range sources {
		for echoName, echo := range echoes {
			t.Run(sourceName+"/"+echoName, func(t *testing.T) {
				// Echoes of the token: hostile, not checked.
				fake, _ := scripted(t, true, []string{openapi.OpAuthenticateOAuth}, echo)
				var logs bytes.Buffer
				c := fakeClient(t, fake, client.OAuth(vaulttest.DefaultOAuthProfileID, src),
					client.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
				_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
				if err == nil {
					t.Fatal("no error")
				}
				checkNoSecret(t, describe(err)+logs.String()+fmt.Sprintf("%v %+v %#v", c, c, client.OAuth("p", src)), secretIdPToken)
				checkOneLine(t, err.Error())
			})
		}
	}
}
