package client_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
)

func tokenIDs(list *client.TokenList) []string {
	var ids []string
	for _, t := range list.Tokens {
		ids = append(ids, t.ID)
	}
	return ids
}

// TestEndToEndListAndRevoke: listing by user, name and status across pages, last use, and
// a revoke that frees a place under the cap and stops the token authenticating.
func TestEndToEndListAndRevoke(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{QueryPageSize: 2})
	c := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	ctx := context.Background()
	var made []*client.Token
	for i := range vaulttest.MaxActiveTokens {
		req := client.TokenRequest{Name: fmt.Sprint("key ", i%3)}
		if i == 0 {
			req.ExpiresAt = time.Now().Add(time.Hour)
		}
		tok, err := c.GenerateMyAPIAccessToken(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, tok)
	}
	mine, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(mine.Tokens) != vaulttest.MaxActiveTokens {
		t.Fatalf("%d tokens listed over pages of 2, want %d", len(mine.Tokens), vaulttest.MaxActiveTokens)
	}
	named, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{UserID: "12345", Name: "key 1"})
	if err != nil || len(named.Tokens) != 8 {
		t.Fatalf("by name: %v, %v; want 8 tokens", tokenIDs(named), err)
	}

	// A token that authenticates a call shows when.
	byToken := fakeClient(t, fake, client.AccessToken(made[1].Value.Reveal()))
	if _, err := byToken.APIVersions(ctx); err != nil {
		t.Fatal(err)
	}
	// The first token expires: inactive, listed only with All.
	fake.Advance(2 * time.Hour)
	all, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, All: true})
	if err != nil {
		t.Fatal(err)
	}
	info := map[string]client.TokenInfo{}
	for _, tok := range all.Tokens {
		info[tok.ID] = tok
	}
	if info[made[0].ID].Active || info[made[0].ID].ExpiresAt.IsZero() || !info[made[1].ID].Active || info[made[1].ID].LastUsed.IsZero() {
		t.Errorf("expired %+v, used %+v", info[made[0].ID], info[made[1].ID])
	}
	active, _ := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true})
	if len(active.Tokens) != vaulttest.MaxActiveTokens-1 {
		t.Errorf("%d active tokens, want %d", len(active.Tokens), vaulttest.MaxActiveTokens-1)
	}

	revoked, err := c.RevokeAPIAccessTokens(ctx, made[1].ID, made[2].ID)
	if err != nil || revoked[0].Status != client.Revoked || revoked[1].Status != client.Revoked {
		t.Fatalf("revoke: %+v, %v", revoked, err)
	}
	if _, err := byToken.APIVersions(ctx); !errors.Is(err, client.ErrInvalidSession) {
		t.Errorf("a revoked token still authenticates: %v", err)
	}
	// Sent again, as after an unknown outcome: already revoked, not a failure.
	again, err := c.RevokeAPIAccessTokens(ctx, made[1].ID)
	if err != nil || again[0].Status != client.AlreadyRevoked {
		t.Errorf("revoked again: %+v, %v", again, err)
	}
	// Three places under the cap: one expired, two revoked.
	for i := range 3 {
		if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: fmt.Sprint("after ", i)}); err != nil {
			t.Fatalf("token %d after freeing places: %v", i, err)
		}
	}
	if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "one too many"}); !errors.Is(err, client.ErrOperationNotAllowed) {
		t.Errorf("the cap counts active tokens: error = %v", err)
	}

	// Another user's token, without admin rights: not revoked, and still active.
	olivia := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	hers, err := olivia.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "hers"})
	if err != nil {
		t.Fatal(err)
	}
	refused, err := c.RevokeAPIAccessTokens(ctx, hers.ID)
	if err != nil || refused[0].Status != client.NotRevoked || !errors.Is(refused[0].Err, client.ErrInsufficientAccess) {
		t.Errorf("another user's token: %+v, %v; want not revoked, INSUFFICIENT_ACCESS", refused, err)
	}
	if !fake.Tokens()[len(fake.Tokens())-1].Active(fake.Now()) {
		t.Error("a user revoked another's token")
	}
}

// TestEndToEndSandboxRotation: a sandbox token is rotated on the production Vault, and the
// older ones are listed and revoked in the sandbox's own Vault, reached with the new token.
func TestEndToEndSandboxRotation(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	ctx := context.Background()
	req := client.TokenRequest{Name: "ci"}
	var old []*client.Token
	for range 3 {
		tok, err := c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", req)
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, tok)
	}
	production, err := c.GenerateMyAPIAccessToken(ctx, req) // same name, another Vault: untouched
	if err != nil {
		t.Fatal(err)
	}
	var stored *client.Token
	rot, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{
		TokenRequest: req, Sandbox: "VeePharm Sandbox", SandboxVault: fake.DNS, Keep: 1,
		Store: func(_ context.Context, tok *client.Token) error { stored = tok; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored == nil || stored != rot.New || len(rot.Kept) != 1 || rot.Kept[0].ID != old[2].ID || len(rot.Revoked) != 2 {
		t.Fatalf("rotation = %+v", rot)
	}
	active := map[string]bool{}
	for _, tok := range fake.Tokens() {
		active[tok.ID] = tok.Active(fake.Now())
	}
	want := map[string]bool{old[0].ID: false, old[1].ID: false, old[2].ID: true, rot.New.ID: true, production.ID: true}
	for id, a := range want {
		if active[id] != a {
			t.Errorf("token %s active = %v, want %v", id, active[id], a)
		}
	}
}

// TestEndToEndFindAfterAnUnknownOutcome: the error's Find lists the token the request may
// have created, which can then be revoked before trying again.
func TestEndToEndFindAfterAnUnknownOutcome(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	ctx := context.Background()
	mustInject(t, fake, vaulttest.Fault{Op: vaulttest.OpGenerateAPIAccessToken, Kind: vaulttest.DropAfterProcessing})
	_, err := c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "nightly"})
	var unknown *client.UnknownOutcomeError
	if !errors.As(err, &unknown) || unknown.Find == nil || unknown.Find.UserID != "12345" || unknown.Find.Name != "nightly" {
		t.Fatalf("error = %v (%+v)", err, unknown)
	}
	found, err := c.ListAPIAccessTokens(ctx, *unknown.Find)
	if err != nil || len(found.Tokens) != 1 || found.Tokens[0].ID != fake.Tokens()[0].ID {
		t.Fatalf("found %v, %v; want the token the fake made", tokenIDs(found), err)
	}
	if r, err := c.RevokeAPIAccessTokens(ctx, found.Tokens[0].ID); err != nil || r[0].Status != client.Revoked {
		t.Fatalf("revoke: %+v, %v", r, err)
	}
	if _, err := c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "nightly"}); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Tokens()); n != 2 {
		t.Errorf("the fake made %d tokens, want 2 (one revoked)", n)
	}
}
