package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi/ogen-e2e/oas"
	"github.com/acme/vault-token/openapi/ogen-e2e/oaslogin"
	"github.com/acme/vault-token/openapi/ogen-e2e/oasversions"
)

// session is the spec's security: the session ID as the Authorization header. ogen asks
// for each scheme the operation allows; the bearer ones are skipped.
type session string

func (s session) SessionId(context.Context, oas.OperationName) (oas.SessionId, error) {
	return oas.SessionId{APIKey: string(s)}, nil
}

func (session) BearerToken(context.Context, oas.OperationName) (oas.BearerToken, error) {
	return oas.BearerToken{}, ogenerrors.ErrSkipClientSecurity
}

// versionsSession is the same for the version list's document.
type versionsSession string

func (s versionsSession) SessionId(context.Context, oasversions.OperationName) (oasversions.SessionId, error) {
	return oasversions.SessionId{APIKey: string(s)}, nil
}

func (versionsSession) BearerToken(context.Context, oasversions.OperationName) (oasversions.BearerToken, error) {
	return oasversions.BearerToken{}, ogenerrors.ErrSkipClientSecurity
}

// idpToken is the login document's only security: the identity provider's token as a
// Bearer token. (Discovery takes none.)
type idpToken string

func (t idpToken) IdpToken(context.Context, oaslogin.OperationName) (oaslogin.IdpToken, error) {
	return oaslogin.IdpToken{Token: string(t)}, nil
}

// TestOgenClient: log in with a password and with OAuth, list versions, four tokens, a
// FAILURE envelope; only the base URLs are written by hand. The fake fails the test on any spec violation.
func TestOgenClient(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	ctx := context.Background()
	hc := oas.WithClient(fake.Client())
	baseURL := "https://" + fake.DNS + "/api/v26.2"
	versionsURL := "https://" + fake.DNS + "/api" // the version list has no version segment

	anon, err := oas.NewClient(baseURL, session(""), hc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := anon.Authenticate(ctx, &oas.AuthRequest{
		Username: "olivia@veepharm.com", Password: "demo-password", VaultDNS: oas.NewOptString(fake.DNS),
	}, oas.AuthenticateParams{})
	login, ok := res, res != nil
	if err != nil || !ok || !login.Response.IsAuthSuccess() || login.Response.AuthSuccess.SessionId == "" {
		t.Fatalf("log in: %#v, %v", res, err)
	}
	sess := session(login.Response.AuthSuccess.SessionId)

	// A wrong password: HTTP 200 all the same; ogen's sum type makes the caller ask which
	// shape arrived before reading a session or errors.
	wrong, err := anon.Authenticate(ctx, &oas.AuthRequest{
		Username: "olivia@veepharm.com", Password: "not-the-password", VaultDNS: oas.NewOptString(fake.DNS),
	}, oas.AuthenticateParams{})
	if err != nil || wrong == nil || !wrong.Response.IsFailure() || wrong.Response.Failure.Errors[0].Type != "USERNAME_OR_PASSWORD_INCORRECT" {
		t.Errorf("a wrong password: %#v, %v; want a Failure with USERNAME_OR_PASSWORD_INCORRECT", wrong, err)
	}

	// An OAuth login at the login host, which the fake serves on its own address.
	tok, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, "integration@veepharm.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	loginHost, err := oaslogin.NewClient("https://"+fake.DNS, idpToken(tok), oaslogin.WithClient(fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ores, err := loginHost.AuthenticateOAuth(ctx, oaslogin.NewOptOAuthLoginRequest(oaslogin.OAuthLoginRequest{
		VaultDNS: oaslogin.NewOptString(fake.DNS), ClientID: oaslogin.NewOptString("0oa-vault-integration"),
	}), oaslogin.AuthenticateOAuthParams{OathOidcProfileID: vaulttest.DefaultOAuthProfileID})
	oauth, ok := ores, ores != nil
	if err != nil || !ok || !oauth.Response.IsAuthSuccess() || oauth.Response.AuthSuccess.SessionId == "" {
		t.Fatalf("OAuth login: %#v, %v", ores, err)
	}

	vault, err := oas.NewClient(baseURL, sess, hc)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := oasversions.NewClient(versionsURL, versionsSession(sess), oasversions.WithClient(fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	vres, err := versions.RetrieveApiVersions(ctx, oasversions.RetrieveApiVersionsParams{})
	list, ok := vres, vres != nil
	if err != nil || !ok || !list.Response.IsVersionsSuccess() {
		t.Fatalf("versions: %#v, %v", vres, err)
	}
	if _, ok := list.Response.VersionsSuccess.Values["v26.2"]; !ok {
		t.Errorf("versions lists no v26.2: %v", list.Response.VersionsSuccess.Values)
	}

	expiry := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	tokens := []struct {
		name string
		call func() (*oas.TokenReplyHeaders, error)
	}{
		{"user 12345", func() (*oas.TokenReplyHeaders, error) {
			return vault.GenerateApiAccessToken(ctx, &oas.TokenRequest{NameV: "ogen user token"}, oas.GenerateApiAccessTokenParams{UserID: "12345"})
		}},
		{"me, with an expiry", func() (*oas.TokenReplyHeaders, error) {
			return vault.GenerateMyApiAccessToken(ctx, &oas.TokenRequest{NameV: "ogen my token", ExpiryDateV: oas.NewOptString(expiry)}, oas.GenerateMyApiAccessTokenParams{})
		}},
		{"sandbox VeePharm Sandbox", func() (*oas.TokenReplyHeaders, error) {
			return vault.GenerateSandboxApiAccessToken(ctx, &oas.TokenRequest{NameV: "ogen sandbox token"}, oas.GenerateSandboxApiAccessTokenParams{SandboxName: "VeePharm Sandbox"})
		}},
		{"sandbox R&D/QA Sandbox", func() (*oas.TokenReplyHeaders, error) {
			return vault.GenerateSandboxApiAccessToken(ctx, &oas.TokenRequest{NameV: "ogen sandbox token"}, oas.GenerateSandboxApiAccessTokenParams{SandboxName: "R&D/QA Sandbox"})
		}},
	}
	for _, tt := range tokens {
		res, err := tt.call()
		if err != nil || res == nil || !res.Response.IsTokenSuccess() ||
			!strings.HasPrefix(res.Response.TokenSuccess.Data.TokenSys, "veeva-vault-") {
			t.Errorf("token for %s: %#v, %v", tt.name, res, err)
		}
	}
	if got := len(fake.Tokens()); got != len(tokens) {
		t.Errorf("the fake holds %d tokens, want %d", got, len(tokens))
	}

	stranger, err := oas.NewClient(baseURL, session("NOT-A-SESSION"), hc)
	if err != nil {
		t.Fatal(err)
	}
	fres, err := stranger.GenerateMyApiAccessToken(ctx, &oas.TokenRequest{NameV: "refused"}, oas.GenerateMyApiAccessTokenParams{})
	refused, ok := fres, fres != nil
	if err != nil || !ok || !refused.Response.IsFailure() ||
		refused.Response.Failure.Errors[0].Type != "INVALID_SESSION_ID" {
		t.Errorf("a bad session: %#v, %v", fres, err)
	}
	var unexpected *ogenerrors.DecodeBodyError
	if errors.As(err, &unexpected) {
		t.Errorf("the FAILURE envelope did not decode: %v", err)
	}
}
