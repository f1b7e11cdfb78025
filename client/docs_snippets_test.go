package client_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// The Go fragments docs/library.md and docs/testing.md show, compiled and run against the
// fake Vault: TestDocsSnippets keeps the pages and these the same.

// secretStore stands for a service's secret store in the lifecycle fragment.
type secretStore struct{ put map[string]string }

func (s *secretStore) Put(_ context.Context, key, value string) error {
	s.put[key] = value
	return nil
}

func TestDocsLifecycle(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	secrets := &secretStore{put: map[string]string{}}
	if _, err := c.GenerateAPIAccessToken(t.Context(), "12345", client.TokenRequest{Name: "CI"}); err != nil {
		t.Fatal(err)
	}
	if err := lifecycle(t.Context(), c, secrets); err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, tok := range fake.Tokens() {
		if tok.Active(fake.Now()) {
			active++
		}
	}
	if active != 2 || secrets.put["vault/ci"] == "" {
		t.Errorf("%d active tokens, stored %v; want the old one kept and the new one stored", active, secrets.put)
	}
}

func lifecycle(ctx context.Context, c *client.Client, secrets *secretStore) error {
	// docs lifecycle: as docs/library.md shows it.

	list, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{UserID: "12345", Name: "CI"}) // or Me: true; All: true for expired ones
	if err != nil {
		return err
	}
	for _, t := range list.Tokens {
		fmt.Println(t.ID, t.Name, t.Active, t.ExpiresAt, t.LastUsed) // never the value
	}
	results, err := c.RevokeAPIAccessTokens(ctx, "0PI00000000C002", "0PI00000000C003")
	if err != nil {
		return err // the whole call failed
	}
	for _, r := range results {
		// Revoked, AlreadyRevoked (listed inactive), NotFound (no such token), or
		// NotRevoked with Vault's error for that ID in r.Err
		fmt.Println(r.ID, r.Status)
	}

	rot, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "CI", ExpiresAt: time.Now().Add(30 * 24 * time.Hour)},
		UserID:       "12345", // or Me, or Sandbox with SandboxVault (the sandbox's own DNS)
		Keep:         1,       // older tokens named "CI" left active: those that expire last; default 0
		Store: func(ctx context.Context, tok *client.Token) error {
			return secrets.Put(ctx, "vault/ci", tok.Value.Reveal()) // your secret store; nothing is revoked if this fails
		},
	})
	if err != nil {
		return err
	}
	// rot.New is the stored token, rot.Kept and rot.Revoked the older ones; with DryRun: true,
	// nothing is created or revoked and rot.Kept and rot.Revoke say what would be
	fmt.Println(rot.New.ID, len(rot.Kept), len(rot.Revoked))

	// docs lifecycle ends.
	return nil
}

func TestDocsOAuthCredentials(t *testing.T) {
	idpToken := client.StaticSecret("idp-token")

	// docs OAuth credentials: as docs/library.md shows it.

	creds := client.OAuth("0oa1a2b3c4d5e6f7g8h9", idpToken, // the Vault OAuth profile's ID; a client.SecretSource
		client.OAuthClientID("0oa-vault-integration"), // the app's ID at the authorization server, for Vault's introspection
	)
	c, err := client.New("myvault.veevavault.com", client.WithCredentials(creds),
		client.WithLoginHost("login.veevavault.com"), // the default; a fake's host:port in tests
	)

	// docs OAuth credentials ends.
	if err != nil || c == nil {
		t.Fatalf("client %v, error %v", c, err)
	}
}

func TestDocsVaulttest(t *testing.T) {
	// docs vaulttest: as docs/testing.md shows it.

	fake := vaulttest.NewTestServer(t, vaulttest.Config{}) // TLS on loopback; closed at test end
	c, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("olivia@veepharm.com", "demo-password")))
	err := fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.DropAfterProcessing})
	fake.Advance(31 * time.Minute) // its clock: sessions idle out (30 min), tokens expire
	fake.EndSessions()
	fake.SetPassword("olivia@veepharm.com", "rotated") // as an administrator would
	fake.Tokens()
	fake.Requests()
	fake.Count(openapi.OpAuthenticate)                                                         // what it issued and received (secrets masked)
	fake.Connections()                                                                         // TCP connections accepted
	idp, _ := fake.IdPToken(vaulttest.DefaultOAuthProfileID, "olivia@veepharm.com", time.Hour) // for OAuth logins
	c2, _ := client.New(fake.DNS, client.WithHTTPClient(fake.Client()), client.WithLoginHost(fake.DNS),
		client.WithCredentials(client.OAuth(vaulttest.DefaultOAuthProfileID, client.StaticSecret(idp))))

	// docs vaulttest ends.
	if err != nil || c == nil || c2 == nil {
		t.Fatalf("clients %v, %v, error %v", c, c2, err)
	}
}
