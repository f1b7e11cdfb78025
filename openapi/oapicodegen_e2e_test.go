package openapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genlogin"
	"github.com/acme/vault-token/gen/genversions"
)

// TestOapiCodegenClient runs the clients oapi-codegen generates from the three documents
// (gen, gen/genversions, gen/genlogin: models and client, the generator's plain output)
// through the whole flow against the strict fake: log in, a wrong password seen as a
// Failure through the generated types, OAuth, the version list, four tokens, a FAILURE for
// a bad session. Its one workaround: oapi-codegen does not apply security schemes, so the
// Authorization header is a request editor. The base URLs are set once per document.
func TestOapiCodegenClient(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	ctx := context.Background()
	hc := fake.Client()
	authorization := func(value string) func(context.Context, *http.Request) error {
		return func(_ context.Context, r *http.Request) error { r.Header.Set("Authorization", value); return nil }
	}

	anon, err := gen.NewClientWithResponses("https://"+fake.DNS+"/api/v26.2/", gen.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	dns := fake.DNS
	login, err := anon.AuthenticateWithFormdataBodyWithResponse(ctx, nil, gen.AuthRequest{Username: "olivia@veepharm.com", Password: "demo-password", VaultDNS: &dns})
	if err != nil || login.JSON200 == nil {
		t.Fatalf("log in: %v %v", login, err)
	}
	session, err := login.JSON200.AsAuthSuccess()
	if status, _ := login.JSON200.Discriminator(); err != nil || status != "SUCCESS" || session.SessionID == "" {
		t.Fatalf("log in: %s %v", login.Body, err)
	}

	wrong, err := anon.AuthenticateWithFormdataBodyWithResponse(ctx, nil, gen.AuthRequest{Username: "olivia@veepharm.com", Password: "not-the-password", VaultDNS: &dns})
	if err != nil || wrong.JSON200 == nil {
		t.Fatalf("a wrong password: %v %v", wrong, err)
	}
	failure, err := wrong.JSON200.AsFailure()
	if status, _ := wrong.JSON200.Discriminator(); err != nil || status != "FAILURE" || failure.Errors[0].Type != "USERNAME_OR_PASSWORD_INCORRECT" {
		t.Errorf("a wrong password: %s, %v; want a Failure with USERNAME_OR_PASSWORD_INCORRECT", wrong.Body, err)
	}

	idp, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, "integration@veepharm.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	loginHost, err := genlogin.NewClientWithResponses("https://"+fake.DNS+"/", genlogin.WithHTTPClient(hc),
		genlogin.WithRequestEditorFn(authorization("Bearer "+idp)))
	if err != nil {
		t.Fatal(err)
	}
	oauth, err := loginHost.AuthenticateOAuthWithFormdataBodyWithResponse(ctx, vaulttest.DefaultOAuthProfileID, nil, genlogin.OAuthLoginRequest{VaultDNS: &dns})
	if err != nil || oauth.JSON200 == nil {
		t.Fatalf("OAuth login: %v %v", oauth, err)
	}
	if s, err := oauth.JSON200.AsAuthSuccess(); err != nil || s.SessionID == "" {
		t.Errorf("OAuth login: %s %v", oauth.Body, err)
	}

	versions, err := genversions.NewClientWithResponses("https://"+fake.DNS+"/api/", genversions.WithHTTPClient(hc),
		genversions.WithRequestEditorFn(authorization(session.SessionID)))
	if err != nil {
		t.Fatal(err)
	}
	list, err := versions.RetrieveAPIVersionsWithResponse(ctx, nil)
	if err != nil || list.JSON200 == nil {
		t.Fatalf("versions: %v %v", list, err)
	}
	if v, err := list.JSON200.AsVersionsSuccess(); err != nil || v.Values["v26.2"] == "" {
		t.Errorf("versions: %s %v", list.Body, err)
	}

	vault, err := gen.NewClientWithResponses("https://"+fake.DNS+"/api/v26.2/", gen.WithHTTPClient(hc),
		gen.WithRequestEditorFn(authorization(session.SessionID)))
	if err != nil {
		t.Fatal(err)
	}
	expiry := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	replies := map[string]func() (*gen.TokenReply, error){
		"user 12345": func() (*gen.TokenReply, error) {
			r, err := vault.GenerateAPIAccessTokenWithFormdataBodyWithResponse(ctx, "12345", nil, gen.TokenRequest{Name: "oapi-codegen user token"})
			return r.JSON200, err
		},
		"me, with an expiry": func() (*gen.TokenReply, error) {
			r, err := vault.GenerateMyAPIAccessTokenWithFormdataBodyWithResponse(ctx, nil, gen.TokenRequest{Name: "oapi-codegen my token", ExpiryDate: &expiry})
			return r.JSON200, err
		},
		"sandbox VeePharm Sandbox": func() (*gen.TokenReply, error) {
			r, err := vault.GenerateSandboxAPIAccessTokenWithFormdataBodyWithResponse(ctx, "VeePharm Sandbox", nil, gen.TokenRequest{Name: "oapi-codegen sandbox token"})
			return r.JSON200, err
		},
		"sandbox R&D/QA Sandbox": func() (*gen.TokenReply, error) {
			r, err := vault.GenerateSandboxAPIAccessTokenWithFormdataBodyWithResponse(ctx, "R&D/QA Sandbox", nil, gen.TokenRequest{Name: "oapi-codegen sandbox token"})
			return r.JSON200, err
		},
	}
	for name, call := range replies {
		reply, err := call()
		if err != nil || reply == nil {
			t.Errorf("token for %s: %v", name, err)
			continue
		}
		if tok, err := reply.AsTokenSuccess(); err != nil || !strings.HasPrefix(tok.Data.Token, "veeva-vault-") {
			t.Errorf("token for %s: %+v %v", name, tok, err)
		}
	}
	if got := len(fake.Tokens()); got != len(replies) {
		t.Errorf("the fake holds %d tokens, want %d", got, len(replies))
	}

	stranger, err := gen.NewClientWithResponses("https://"+fake.DNS+"/api/v26.2/", gen.WithHTTPClient(hc),
		gen.WithRequestEditorFn(authorization("NOT-A-SESSION")))
	if err != nil {
		t.Fatal(err)
	}
	refused, err := stranger.GenerateMyAPIAccessTokenWithFormdataBodyWithResponse(ctx, nil, gen.TokenRequest{Name: "refused"})
	if err != nil || refused.JSON200 == nil || refused.StatusCode() != http.StatusOK {
		t.Fatalf("a bad session: %v %v", refused, err)
	}
	f, err := refused.JSON200.AsFailure()
	if status, _ := refused.JSON200.Discriminator(); err != nil || status != "FAILURE" || f.Errors[0].Type != "INVALID_SESSION_ID" {
		t.Errorf("a bad session: %s %v; want a Failure with INVALID_SESSION_ID", refused.Body, err)
	}
}
