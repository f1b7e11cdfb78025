package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
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
	for i := range openapi.MaxActiveTokens {
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
	if len(mine.Tokens) != openapi.MaxActiveTokens {
		t.Fatalf("%d tokens listed over pages of 2, want %d", len(mine.Tokens), openapi.MaxActiveTokens)
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
	if len(active.Tokens) != openapi.MaxActiveTokens-1 {
		t.Errorf("%d active tokens, want %d", len(active.Tokens), openapi.MaxActiveTokens-1)
	}

	revoked, err := c.RevokeAPIAccessTokens(ctx, made[1].ID, made[2].ID)
	if err != nil || revoked[0].Status != client.Revoked || revoked[1].Status != client.Revoked {
		t.Fatalf("revoke: %+v, %v", revoked, err)
	}
	if _, err := byToken.APIVersions(ctx); !errors.Is(err, client.ErrorTypeInvalidSessionID) {
		t.Errorf("a revoked token still authenticates: %v", err)
	}
	// Sent again, as after an unknown outcome: already revoked, not a failure.
	again, err := c.RevokeAPIAccessTokens(ctx, made[1].ID)
	if err != nil || again[0].Status != client.AlreadyRevoked {
		t.Errorf("revoked again: %+v, %v", again, err)
	}
	// An ID Vault has no record of is not found, not already revoked.
	unknown, err := c.RevokeAPIAccessTokens(ctx, "0PI999999999999")
	if err != nil || unknown[0].Status != client.NotFound {
		t.Errorf("an unknown ID: %+v, %v; want not found", unknown, err)
	}
	// A revoked token stays listed, inactive, as Vault documents.
	listed, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: "key 1", All: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range listed.Tokens {
		if tok.ID == made[1].ID && tok.Active {
			t.Errorf("revoked token %s listed as active", tok.ID)
		}
	}
	// Three places under the cap: one expired, two revoked.
	for i := range 3 {
		if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: fmt.Sprint("after ", i)}); err != nil {
			t.Fatalf("token %d after freeing places: %v", i, err)
		}
	}
	if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "one too many"}); !errors.Is(err, client.ErrorTypeOperationNotAllowed) {
		t.Errorf("the cap counts active tokens: error = %v", err)
	}

	// Another user's token, without admin rights: not revoked, and still active.
	olivia := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	hers, err := olivia.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "hers"})
	if err != nil {
		t.Fatal(err)
	}
	refused, err := c.RevokeAPIAccessTokens(ctx, hers.ID)
	if err != nil || refused[0].Status != client.NotRevoked || !errors.Is(refused[0].Err, client.ErrorTypeInsufficientAccess) {
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
	for i := range 3 { // the last made expires last: it is the one kept
		tok, err := c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{Name: "ci", ExpiresAt: time.Now().Add(time.Duration(10*(i+1)) * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, tok)
	}
	production, err := c.GenerateMyAPIAccessToken(ctx, req) // same name, another Vault: untouched
	if err != nil {
		t.Fatal(err)
	}
	// The rotation runs on a client with an API access token, as a service would: neither
	// its calls nor the sandbox's (made with the new token) carry X-VaultAPI-UserId.
	byToken := fakeClient(t, fake, client.AccessToken(production.Value.Reveal()))
	var stored *client.Token
	rot, err := byToken.RotateAPIAccessToken(ctx, client.RotateRequest{
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
	if n := fake.Count(openapi.OpValidateSessionUser); n != 1 {
		t.Errorf("%d Validate Session User calls, want 1: the sandbox leg finds its user there", n)
	}
}

// TestListMyTokensWithAnAccessToken: with an API access token Vault sends no
// X-VaultAPI-UserId, so the user comes from one shared Validate Session User call.
func TestListMyTokensWithAnAccessToken(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	ctx := context.Background()
	tok, err := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password")).
		GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	c := fakeClient(t, fake, client.AccessToken(tok.Value.Reveal()))
	for range 3 {
		list, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true})
		if err != nil {
			t.Fatal(err)
		}
		if ids := tokenIDs(list); len(ids) != 1 || ids[0] != tok.ID {
			t.Fatalf("listed %v, want [%s]", ids, tok.ID)
		}
	}
	if n := fake.Count(openapi.OpValidateSessionUser); n != 1 {
		t.Errorf("%d Validate Session User calls for three listings, want 1", n)
	}
}

// TestRotationSparesTokensMadeMeanwhile: a token made while a rotation runs (here by an
// overlapping rotation's create, from inside Store) is not revoked: the rotation revokes
// only from the list it made before creating its own token.
func TestRotationSparesTokensMadeMeanwhile(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	ctx := context.Background()
	old, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	var meanwhile *client.Token
	rot, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "ci"}, Me: true,
		Store: func(ctx context.Context, _ *client.Token) error {
			var err error
			meanwhile, err = c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "ci"})
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	active := map[string]bool{}
	for _, tok := range fake.Tokens() {
		active[tok.ID] = tok.Active(fake.Now())
	}
	want := map[string]bool{old.ID: false, rot.New.ID: true, meanwhile.ID: true}
	for id, a := range want {
		if active[id] != a {
			t.Errorf("token %s active = %v, want %v (old %s, new %s, made meanwhile %s)", id, active[id], a, old.ID, rot.New.ID, meanwhile.ID)
		}
	}
}

// TestRotationKeepsThoseThatExpireLast: Keep chooses by expiry, never by record ID. The
// tokens are made so that ID order and expiry order disagree; a tie at the cut keeps both.
// Dry runs show the choice and change nothing.
func TestRotationKeepsThoseThatExpireLast(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	ctx := context.Background()
	day := 24 * time.Hour
	soon := time.Now().Add(10 * day)
	ids := map[string]string{}
	for _, tt := range []struct {
		label string
		at    time.Time
	}{{"60 days", time.Now().Add(60 * day)}, {"10 days", soon}, {"never", time.Time{}}, {"10 days too", soon}} {
		tok, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "ci", ExpiresAt: tt.at})
		if err != nil {
			t.Fatal(err)
		}
		ids[tok.ID] = tt.label
	}
	before := len(fake.Requests())
	for _, tt := range []struct {
		keep int
		kept []string
	}{
		{0, nil},
		{1, []string{"never"}},
		{2, []string{"never", "60 days"}},
		{3, []string{"never", "60 days", "10 days", "10 days too"}}, // a tie at the cut: both kept
		{9, []string{"never", "60 days", "10 days", "10 days too"}},
	} {
		rot, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{TokenRequest: client.TokenRequest{Name: "ci"}, Me: true, Keep: tt.keep, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, k := range rot.Kept {
			kept = append(kept, ids[k.ID])
		}
		slices.Sort(kept)
		slices.Sort(tt.kept)
		if !slices.Equal(kept, tt.kept) || len(rot.Kept)+len(rot.Revoke) != 4 || rot.New != nil || rot.Revoked != nil {
			t.Errorf("keep %d: kept %v, want %v (rotation %+v)", tt.keep, kept, tt.kept, rot)
		}
	}
	for _, r := range fake.Requests()[before:] {
		if r.Op != openapi.OpQueryAPIAccessTokens {
			t.Errorf("a dry run sent %s", r.Op)
		}
	}
	if n := len(fake.Tokens()); n != 4 {
		t.Errorf("the fake holds %d tokens after dry runs, want 4", n)
	}
}

// TestEndToEndFindAfterAnUnknownOutcome: the error's Find lists the token the request may
// have created, which can then be revoked before trying again.
func TestEndToEndFindAfterAnUnknownOutcome(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	ctx := context.Background()
	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateAPIAccessToken, Kind: vaulttest.DropAfterProcessing})
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
