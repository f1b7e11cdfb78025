package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

func TestTokenWireRequests(t *testing.T) {
	future := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	// A zone far from UTC: the wire must carry the same instant, in UTC.
	tokyo := time.FixedZone("JST", 9*3600)
	wantInstant := future.UTC().Format("2006-01-02T15:04:05Z")
	date := client.Date{Year: future.Year() + 1, Month: time.March, Day: 7}

	tests := []struct {
		name string
		call func(context.Context, *client.Client) (*client.Token, error)
		want wireRequest
	}{{
		name: "user by ID, form, instant",
		call: func(ctx context.Context, c *client.Client) (*client.Token, error) {
			return c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "IntegrationKey", ExpiresAt: future.In(tokyo).Add(400 * time.Millisecond)})
		},
		want: wireRequest{
			Method: "POST", Path: "/api/v26.2/objects/users/12345/api_access_token__sys",
			ContentType: "application/x-www-form-urlencoded",
			Form:        url.Values{"name__v": {"IntegrationKey"}, "expiry_date__v": {wantInstant}},
		},
	}, {
		name: "me, form, no expiry",
		call: func(ctx context.Context, c *client.Client) (*client.Token, error) {
			return c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "My key"})
		},
		want: wireRequest{
			Method: "POST", Path: "/api/v26.2/objects/users/me/api_access_token__sys",
			ContentType: "application/x-www-form-urlencoded",
			Form:        url.Values{"name__v": {"My key"}},
		},
	}, {
		name: "sandbox with a space, form, date",
		call: func(ctx context.Context, c *client.Client) (*client.Token, error) {
			return c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{Name: "k", ExpiresOn: date})
		},
		want: wireRequest{
			Method: "POST", Path: "/api/v26.2/objects/sandbox/VeePharm%20Sandbox/users/me/api_access_token__sys",
			ContentType: "application/x-www-form-urlencoded",
			Form:        url.Values{"name__v": {"k"}, "expiry_date__v": {date.String()}},
		},
	}, {
		name: "sandbox with a slash stays one segment",
		call: func(ctx context.Context, c *client.Client) (*client.Token, error) {
			return c.GenerateSandboxAPIAccessToken(ctx, "a/b", client.TokenRequest{Name: "k"})
		},
		want: wireRequest{
			Method: "POST", Path: "/api/v26.2/objects/sandbox/a%2Fb/users/me/api_access_token__sys",
			ContentType: "application/x-www-form-urlencoded",
			Form:        url.Values{"name__v": {"k"}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, v := scripted(t, false, []string{openapi.OpGenerateAPIAccessToken, openapi.OpGenerateMyAPIAccessToken, openapi.OpGenerateSandboxAPIAccessToken}, func(w http.ResponseWriter, _ wireRequest) { reply(w, tokenSuccess) })
			tok, err := tt.call(context.Background(), fakeClient(t, fake, client.SessionID(secretSession), client.WithClientID("acme-vault-ops-server-tokenbot")))
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			want := tt.want
			want.Authorization = secretSession
			want.ClientID = "acme-vault-ops-server-tokenbot"
			want.Accept = "application/json"
			want.UserAgent = "vault-token-go/" + client.Version
			if diff := cmp.Diff([]wireRequest{want}, v.requests()); diff != "" {
				t.Errorf("wire request (-want +got):\n%s", diff)
			}
			if tok.ID != "0PI00000000C003" || tok.Value.Reveal() != secretToken {
				t.Errorf("token = %q, value ok %v", tok.ID, tok.Value.Reveal() == secretToken)
			}
		})
	}
}

func TestUserAgentOption(t *testing.T) {
	fake, v := scripted(t, false, []string{openapi.OpGenerateMyAPIAccessToken}, func(w http.ResponseWriter, _ wireRequest) { reply(w, tokenSuccess) })
	c := fakeClient(t, fake, client.SessionID(secretSession), client.WithUserAgent("acme-tokenbot/1.2"))
	if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	if got := v.requests()[0].UserAgent; got != "acme-tokenbot/1.2" {
		t.Errorf("User-Agent = %q", got)
	}
}

// TestConnectionsAreReused: bodies are drained and closed, so sequential calls, refused
// ones included, share one connection.
func TestConnectionsAreReused(t *testing.T) {
	var n int
	fake, _ := scripted(t, false, []string{openapi.OpGenerateMyAPIAccessToken}, func(w http.ResponseWriter, _ wireRequest) {
		n++
		if n%2 == 0 {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"`+strings.Repeat("x", 20000)+`"}]}`)
			return
		}
		reply(w, tokenSuccess)
	})
	c := fakeClient(t, fake, client.SessionID(secretSession))
	for range 6 {
		_, _ = c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	}
	if got := fake.Connections(); got != 1 {
		t.Errorf("%d connections for 6 sequential calls, want 1", got)
	}
}

func TestAccessTokenIsSentAsBearer(t *testing.T) {
	fake, v := scripted(t, false, []string{openapi.OpGenerateMyAPIAccessToken}, func(w http.ResponseWriter, _ wireRequest) { reply(w, tokenSuccess) })
	c := fakeClient(t, fake, client.AccessToken(secretAccess))
	if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	if got, want := v.requests()[0].Authorization, "Bearer "+secretAccess; got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
}

func TestTokenMetadataAndWarnings(t *testing.T) {
	fake, _ := scripted(t, false, []string{openapi.OpGenerateMyAPIAccessToken}, func(w http.ResponseWriter, _ wireRequest) {
		w.Header().Set("X-VaultAPI-ResponseDelay", "500")
		w.Header().Set("X-VaultAPI-VaultId", "1776")
		w.Header().Set("X-VaultAPI-UserId", "12021")
		reply(w, `{"responseStatus":"WARNING","warnings":[{"type":"NEAR_LIMIT","message":"24 of 25 tokens"}],`+
			`"data":{"id":"V8T000000001001","token__sys":"`+secretToken+`"}}`)
	})
	c := fakeClient(t, fake, client.SessionID(secretSession))
	tok, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if err != nil {
		t.Fatalf("WARNING must be success: %v", err)
	}
	want := &client.Token{
		ID:    "V8T000000001001",
		Value: client.NewSecret(secretToken),
		Response: client.Response{
			HTTPStatus: 200, ExecutionID: "exec-1", BurstLimit: 2000, BurstLimitRemaining: 1999,
			ResponseDelay: 500 * time.Millisecond, VaultID: "1776", UserID: "12021",
			Warnings: []client.Message{{Type: "NEAR_LIMIT", Message: "24 of 25 tokens"}},
		},
	}
	if diff := cmp.Diff(want, tok, cmp.Comparer(func(a, b client.Secret) bool { return a.Reveal() == b.Reveal() })); diff != "" {
		t.Errorf("token (-want +got):\n%s", diff)
	}
}

// TestBadInputIsRefusedBeforeTheNetwork drives each kind of bad input against a server
// that fails the test if it is called.
func TestBadInputIsRefusedBeforeTheNetwork(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password(olivia.Username, olivia.Password))
	defer func() {
		if n := fake.Count(""); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	}()
	ctx := context.Background()
	ok := client.TokenRequest{Name: "k"}
	tests := []struct {
		name, field string
		call        func() error
	}{
		{"empty name", "token name", func() error { _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "  "}); return err }},
		{"control character in name", "token name", func() error {
			_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "a\nb"})
			return err
		}},
		{"expiry in the past", "expiry", func() error {
			_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k", ExpiresAt: time.Now().Add(-time.Minute)})
			return err
		}},
		{"date in the past", "expiry date", func() error {
			_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k", ExpiresOn: client.Date{Year: 2020, Month: 1, Day: 1}})
			return err
		}},
		{"impossible date", "expiry date", func() error {
			_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k", ExpiresOn: client.Date{Year: 2999, Month: 2, Day: 30}})
			return err
		}},
		{"both expiries", "expiry", func() error {
			_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k", ExpiresAt: time.Now().Add(time.Hour), ExpiresOn: client.Date{Year: 2999, Month: 1, Day: 1}})
			return err
		}},
		{"user ID with letters", "user ID", func() error { _, err := c.GenerateAPIAccessToken(ctx, "12a", ok); return err }},
		{"user ID with a path", "user ID", func() error { _, err := c.GenerateAPIAccessToken(ctx, "../me", ok); return err }},
		{"empty user ID", "user ID", func() error { _, err := c.GenerateAPIAccessToken(ctx, "", ok); return err }},
		{"empty sandbox", "sandbox name", func() error { _, err := c.GenerateSandboxAPIAccessToken(ctx, "", ok); return err }},
		{"dot sandbox", "sandbox name", func() error { _, err := c.GenerateSandboxAPIAccessToken(ctx, ".", ok); return err }},
		{"dot-dot sandbox", "sandbox name", func() error { _, err := c.GenerateSandboxAPIAccessToken(ctx, "..", ok); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var in *client.InputError
			if !errors.As(err, &in) || !errors.Is(err, client.ErrInvalidInput) {
				t.Fatalf("error = %v, want an *InputError", err)
			}
			if in.Field != tt.field {
				t.Errorf("field = %q, want %q (error %v)", in.Field, tt.field, err)
			}
		})
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	tests := []struct {
		name, dns, field string
		opts             []client.Option
	}{
		{"scheme", "https://myvault.veevavault.com", "vault DNS", nil},
		{"path", "myvault.veevavault.com/api", "vault DNS", nil},
		{"user info", "user@myvault.veevavault.com", "vault DNS", nil},
		{"query", "myvault.veevavault.com?x=1", "vault DNS", nil},
		{"empty", "", "vault DNS", nil},
		{"bad port", "myvault.veevavault.com:99999", "vault DNS", nil},
		{"space", "my vault.com", "vault DNS", nil},
		{"client ID with a space", "v.example.com", "client ID", []client.Option{client.WithClientID("acme tokenbot")}},
		{"client ID too long", "v.example.com", "client ID", []client.Option{client.WithClientID(string(make([]byte, 101)))}},
		{"empty client ID", "v.example.com", "client ID", []client.Option{client.WithClientID("")}},
		{"version format", "v.example.com", "API version", []client.Option{client.WithAPIVersion("26.2")}},
		{"version with text", "v.example.com", "API version", []client.Option{client.WithAPIVersion("v26.2-beta")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.New(tt.dns, tt.opts...)
			var in *client.InputError
			if !errors.As(err, &in) || in.Field != tt.field {
				t.Fatalf("New error = %v, want an *InputError for %q", err, tt.field)
			}
		})
	}
	for _, dns := range []string{"myvault.veevavault.com", "127.0.0.1:8443", "[::1]:8443", "VeePharm-Promo.veevavault.com"} {
		if _, err := client.New(dns); err != nil {
			t.Errorf("New(%q): %v", dns, err)
		}
	}
}

func TestMissingCredentials(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c, err := client.New(fake.DNS, client.WithHTTPClient(fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var in *client.InputError
	if !errors.As(err, &in) || in.Field != "credentials" {
		t.Fatalf("error = %v, want an *InputError for credentials", err)
	}
}
