package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// The examples run against the fake Vault from package vaulttest. Against a real Vault,
// give New its DNS ("myvault.veevavault.com") and leave out WithHTTPClient.

// README quick start: the README shows the function below verbatim (TestReadmeQuickStart
// fails when the two differ), and Example_quickStart runs it.

// tokenService is how a service holds the client: one *client.Client per Vault, made once
// and shared by every call, so that the calls share one login and their connections. A
// client made per call logs in per call, and Vault's login limit (about 20 a minute per
// user) soon refuses it.
type tokenService struct {
	vault *client.Client
}

// newTokenService makes the service's client; it sends nothing. opts are more client
// options: the example passes the fake Vault's HTTP client; a service needs none.
func newTokenService(vaultDNS, user, password string, opts ...client.Option) (*tokenService, error) {
	c, err := client.New(vaultDNS, append(opts, // vaultDNS: "myvault.veevavault.com", no scheme
		client.WithCredentials(client.Password(user, password)), // or client.SessionID(id), client.AccessToken(tok)
		client.WithClientID("acme-vault-ops-server-tokenbot"),
	)...)
	if err != nil {
		return nil, err // bad DNS, client ID or version: an *client.InputError, nothing sent
	}
	return &tokenService{vault: c}, nil
}

// newIntegrationToken creates an API access token in a sandbox, valid for 90 days. The
// first call logs in; the others reuse the session.
func (s *tokenService) newIntegrationToken(ctx context.Context) (*client.Token, error) {
	tok, err := s.vault.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{
		Name:      "IntegrationKey",
		ExpiresAt: time.Now().Add(90 * 24 * time.Hour), // or ExpiresOn: client.Date{...}, or neither
	})
	var unknown *client.UnknownOutcomeError
	switch {
	case errors.As(err, &unknown):
		// The request may have reached Vault, so a token may exist; the client never
		// resends it. Look for the token before trying again.
		return nil, fmt.Errorf("check the user's tokens before retrying: %w", err)
	case errors.Is(err, client.ErrorTypeOperationNotAllowed):
		// Vault refused: the user holds 25 active tokens already, or is a VeevaID user.
		return nil, fmt.Errorf("no new token: %w", err)
	case err != nil:
		return nil, err
	}
	fmt.Println(tok.ID, tok.Value) // prints the ID and [REDACTED]
	// tok.Value.Reveal() is the token, for your secret store; tok.Response holds the
	// execution ID, the rate-limit data and any warnings.
	return tok, nil
}

// README quick start ends.

func Example_quickStart() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	ctx := context.Background()

	svc, err := newTokenService(fake.DNS, "olivia@veepharm.com", "demo-password", client.WithHTTPClient(fake.Client()))
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		if _, err := svc.newIntegrationToken(ctx); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("logins for 3 tokens:", fake.Count(openapi.OpAuthenticate))

	// A VeevaID user cannot have tokens: an error, not a panic.
	veevaID, err := newTokenService(fake.DNS, "veevaid.user@veepharm.com", "veevaid-password", client.WithHTTPClient(fake.Client()))
	if err != nil {
		log.Fatal(err)
	}
	_, err = veevaID.newIntegrationToken(ctx)
	fmt.Println(errors.Is(err, client.ErrorTypeOperationNotAllowed))
	// Output:
	// 0PI000000000001 [REDACTED]
	// 0PI000000000002 [REDACTED]
	// 0PI000000000003 [REDACTED]
	// logins for 3 tokens: 1
	// true
}

func Example() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	c, err := client.New(fake.DNS,
		client.WithHTTPClient(fake.Client()), // trusts the fake's certificate
		client.WithCredentials(client.Password("olivia@veepharm.com", "demo-password")),
		client.WithClientID("acme-vault-ops-server-tokenbot"),
	)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.GenerateSandboxAPIAccessToken(context.Background(), "VeePharm Sandbox", client.TokenRequest{
		Name:      "IntegrationKey",
		ExpiresAt: time.Now().Add(30 * 24 * time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token value printed:", tok.Value)
	fmt.Println("token value revealed starts with veeva-vault-:", strings.HasPrefix(tok.Value.Reveal(), "veeva-vault-"))
	fmt.Println("execution ID present:", tok.Response.ExecutionID != "")
	// Output:
	// token value printed: [REDACTED]
	// token value revealed starts with veeva-vault-: true
	// execution ID present: true
}

func ExampleClient_APIVersions() {
	fake, err := vaulttest.NewServer(vaulttest.Config{Versions: []string{"v25.3", "v26.10", "v26.2", "v26.9"}})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	session, _ := fake.SessionFor("olivia@veepharm.com")

	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()), client.WithCredentials(client.SessionID(session)))
	list, err := c.APIVersions(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(list.Versions)
	ga, _ := list.Latest(false)
	beta, _ := list.Latest(true)
	fmt.Println("newest GA:", ga, "beta:", beta)
	// Output:
	// [v25.3 v26.2 v26.9 v26.10]
	// newest GA: v26.9 beta: v26.10
}

func ExampleAPIError() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("veevaid.user@veepharm.com", "veevaid-password")))

	_, err = c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Errors[0].Type)
		fmt.Println("refused for a VeevaID user:", errors.Is(err, client.ErrorTypeOperationNotAllowed))
	}
	// Output:
	// FAILURE OPERATION_NOT_ALLOWED
	// refused for a VeevaID user: true
}

func ExampleUnknownOutcomeError() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("olivia@veepharm.com", "demo-password")))

	// The fake creates the token, then drops the connection before replying.
	if err := fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.DropAfterProcessing}); err != nil {
		log.Fatal(err)
	}
	_, err = c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var unknown *client.UnknownOutcomeError
	if errors.As(err, &unknown) {
		fmt.Println("outcome unknown; tokens on the Vault:", len(fake.Tokens()))
	}
	// Output:
	// outcome unknown; tokens on the Vault: 1
}

func ExampleInputError() {
	c, _ := client.New("myvault.veevavault.com", client.WithCredentials(client.SessionID("example")))
	_, err := c.GenerateSandboxAPIAccessToken(context.Background(), "..", client.TokenRequest{Name: "k"})
	fmt.Println(err)
	fmt.Println(errors.Is(err, client.ErrInvalidInput))
	// Output:
	// vault: generate sandbox API access token: invalid sandbox name: must not be "." or ".." (a path segment that cannot be sent)
	// true
}

func ExampleSecret() {
	s := client.NewSecret("veeva-vault-0123456789")
	fmt.Printf("%v %s %q %#v\n", s, s, s, s)
	// Output:
	// [REDACTED] [REDACTED] "[REDACTED]" client.Secret{[REDACTED]}
}

func ExampleSecretFunc() {
	// A credentials source of your own: here, a secret manager stand-in.
	fromManager := client.SecretFunc(func(ctx context.Context) (client.Secret, error) {
		return client.NewSecret("veeva-vault-from-the-manager"), nil
	})
	c, _ := client.New("myvault.veevavault.com", client.WithCredentials(client.AccessTokenFrom(fromManager)))
	fmt.Println(c)
	// Output:
	// client.Client{vault: myvault.veevavault.com, api version: v26.2}
}

func ExampleClient_ListAPIAccessTokens() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("integration@veepharm.com", "integration-password")))
	ctx := context.Background()
	for _, name := range []string{"CI", "CI", "laptop"} {
		if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: name}); err != nil {
			log.Fatal(err)
		}
	}

	list, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: "CI"})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range list.Tokens {
		fmt.Println(t.ID, t.Name, t.UserID, t.Active)
	}
	// Output:
	// 0PI000000000001 CI 12345 true
	// 0PI000000000002 CI 12345 true
}

func ExampleClient_RevokeAPIAccessTokens() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("integration@veepharm.com", "integration-password")))
	ctx := context.Background()
	tok, _ := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "old"})

	for range 2 { // the second time, as after an unknown outcome: already revoked
		results, err := c.RevokeAPIAccessTokens(ctx, tok.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(results[0].ID, results[0].Status)
	}
	// Output:
	// 0PI000000000001 revoked
	// 0PI000000000001 already revoked
}

func ExampleClient_RotateAPIAccessToken() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("olivia@veepharm.com", "demo-password")))
	ctx := context.Background()
	for range 2 {
		_, _ = c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "CI"})
	}

	store := map[string]string{} // a secret manager stand-in
	rot, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "CI", ExpiresAt: time.Now().Add(30 * 24 * time.Hour)},
		UserID:       "12345",
		Store: func(_ context.Context, tok *client.Token) error {
			store["vault/ci"] = tok.Value.Reveal()
			return nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new:", rot.New.ID, "stored:", store["vault/ci"] == rot.New.Value.Reveal())
	for _, r := range rot.Revoked {
		fmt.Println(r.ID, r.Status)
	}
	// Output:
	// new: 0PI000000000003 stored: true
	// 0PI000000000001 revoked
	// 0PI000000000002 revoked
}

// A token listed with a date and no time ends at 23:59:59 in its user's time zone, which
// the client does not know: Expiry gives the earliest that can be, so a schedule built on
// it is never late.
func ExampleTokenInfo_Expiry() {
	for _, t := range []client.TokenInfo{
		{ExpiresAt: time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)},
		{ExpiresOn: client.Date{Year: 2026, Month: time.December, Day: 31}},
		{},
	} {
		at, expires := t.Expiry()
		fmt.Println(at.Format(time.RFC3339), expires)
	}
	// Output:
	// 2026-12-31T12:00:00Z true
	// 2026-12-31T09:59:59Z true
	// 0001-01-01T00:00:00Z false
}
