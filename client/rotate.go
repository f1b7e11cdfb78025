package client

import (
	"context"
	"slices"
	"time"

	"github.com/acme/vault-token/openapi"
)

// RotateRequest describes a rotation: the new token (TokenRequest: its name and expiry),
// whose it is (one of UserID, Me, Sandbox), how many older tokens of that name to keep, and
// where the new token is stored before any is revoked.
type RotateRequest struct {
	TokenRequest

	UserID  string // a user by numeric ID; or
	Me      bool   // the user the client authenticates as; or
	Sandbox string // that user, in this sandbox (named as on My Vaults)
	// SandboxVault is the sandbox's own DNS, required with Sandbox: a sandbox's tokens are
	// listed and revoked there. The client reaches it with the new token itself.
	SandboxVault string

	// Keep is how many older active tokens with the same name stay active: those that
	// expire last (a token that never expires counts as expiring last). Where tokens that
	// expire at the same time straddle the cut, all of them are kept rather than one
	// guessed. 0 revokes them all.
	Keep int
	// Store saves the new token: a secret manager, a file. It is called once, with the
	// token, before anything is revoked; if it fails, the rotation stops there.
	Store func(ctx context.Context, tok *Token) error
	// DryRun lists what the rotation would keep and revoke, and stops there: no token is
	// created, Store is not called, nothing is revoked. Rotation.New is nil and
	// Rotation.Revoke lists what a real run would revoke.
	DryRun bool
}

// Rotation is what a rotation did.
type Rotation struct {
	New     *Token       // the new token, stored; nil for a dry run
	Kept    []TokenInfo  // older active tokens with its name that stay active
	Revoke  []TokenInfo  // older active tokens with its name chosen to be revoked
	Revoked []Revocation // the outcome for each of Revoke, once revoked
}

// RotateAPIAccessToken replaces a user's token of a given name. In this order: it lists the
// active tokens with exactly that name, creates the new token, hands it to req.Store, and
// only then revokes, from that first list, the tokens beyond req.Keep. A token made after
// the rotation began (by an overlapping rotation of the same name, say) is never revoked:
// two overlapping rotations each keep the other's new token, and the next rotation
// revokes the one that lost. A token whose name differs is never revoked.
//
// A sandbox's tokens can only be listed with a token of that sandbox, so a Sandbox
// rotation lists them after it creates the new token, with the new token: it cannot tell
// a token an overlapping rotation made meanwhile from an older one. Do not overlap sandbox
// rotations of one name (vault-token rotate --out-file holds a lock for that).
//
// If storing fails, nothing is revoked; the error says so, and the Rotation returned with it
// holds the new token (it exists: store it, or revoke it). If revoking fails, the new token
// is returned with the error and the results so far. If creating the token has an unknown
// outcome, the *UnknownOutcomeError says how to find it.
func (c *Client) RotateAPIAccessToken(ctx context.Context, req RotateRequest) (*Rotation, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	filter := TokenFilter{UserID: req.UserID, Me: req.Me, Name: req.Name}
	var before *TokenList
	if req.Sandbox == "" {
		var err error
		if before, err = c.ListAPIAccessTokens(ctx, filter); err != nil {
			return nil, err
		}
	}
	if err := plausible(before, req.Name); err != nil {
		return nil, err
	}
	rot := &Rotation{}
	if req.DryRun {
		rot.Kept, rot.Revoke = chooseKept(older(before, req.Name, ""), req.Keep)
		return rot, nil
	}

	var tok *Token
	var err error
	switch {
	case req.UserID != "":
		tok, err = c.GenerateAPIAccessToken(ctx, req.UserID, req.TokenRequest)
	case req.Me:
		tok, err = c.GenerateMyAPIAccessToken(ctx, req.TokenRequest)
	default:
		tok, err = c.GenerateSandboxAPIAccessToken(ctx, req.Sandbox, req.TokenRequest)
	}
	if err != nil {
		return nil, err
	}
	rot.New = tok
	if err := req.Store(ctx, tok); err != nil {
		return rot, errorf(OpRotate, "token %s was created but could not be stored, so nothing was revoked (store it, or revoke it): %w", tok.ID, err)
	}

	vault := c
	if req.Sandbox != "" {
		if vault, err = c.forVault(OpRotate, req.SandboxVault, AccessTokenFrom(staticSecret{tok.Value})); err != nil {
			return rot, err
		}
		if before, err = vault.ListAPIAccessTokens(ctx, TokenFilter{Me: true, Name: req.Name}); err != nil {
			return rot, err
		}
		if err := plausible(before, req.Name); err != nil {
			return rot, err
		}
	}
	rot.Kept, rot.Revoke = chooseKept(older(before, req.Name, tok.ID), req.Keep)
	if len(rot.Revoke) == 0 {
		return rot, nil
	}
	ids := make([]string, len(rot.Revoke))
	for i, t := range rot.Revoke {
		ids[i] = t.ID
	}
	rot.Revoked, err = vault.RevokeAPIAccessTokens(ctx, ids...)
	return rot, err
}

// plausible refuses a listing that holds more active tokens named name than a user can
// hold (the new one included, for a sandbox listing made after it).
func plausible(list *TokenList, name string) error {
	if list == nil {
		return nil
	}
	if n := len(older(list, name, "")); n > openapi.MaxActiveTokens {
		return errorMatching(OpRotate, ErrImplausibleListing, "the listing holds %d active tokens named %q, and a user can hold %d; nothing was created or revoked", n, name, openapi.MaxActiveTokens)
	}
	return nil
}

// older are the listed active tokens named name, but for the new one.
func older(list *TokenList, name, newID string) []TokenInfo {
	var out []TokenInfo
	for _, t := range list.Tokens {
		if t.ID != newID && t.Name == name && t.Active {
			out = append(out, t)
		}
	}
	return out
}

// chooseKept splits tokens into those kept, the keep that expire last, and those to revoke.
// Tokens that expire at the same time as the last one kept are kept too: which of them is
// newer is not something Vault says (record IDs carry no documented order).
func chooseKept(tokens []TokenInfo, keep int) (kept, revoke []TokenInfo) {
	sorted := slices.Clone(tokens)
	slices.SortStableFunc(sorted, func(a, b TokenInfo) int { return expiry(b).Compare(expiry(a)) })
	n := min(keep, len(sorted))
	for n > 0 && n < len(sorted) && expiry(sorted[n]).Equal(expiry(sorted[n-1])) {
		n++
	}
	return sorted[:n], sorted[n:]
}

// never stands for "never expires" when ordering by expiry: after every real time.
var never = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Add(time.Hour)

// expiry is when a token expires (TokenInfo.Expiry), for ordering: never after every time.
func expiry(t TokenInfo) time.Time {
	if at, ok := t.Expiry(); ok {
		return at
	}
	return never
}

func (r RotateRequest) check() error {
	targets := 0
	for _, set := range []bool{r.UserID != "", r.Me, r.Sandbox != ""} {
		if set {
			targets++
		}
	}
	switch {
	case targets != 1:
		return badInput(OpRotate, "rotation target", "set one of UserID, Me and Sandbox")
	case r.Store == nil && !r.DryRun:
		return badInput(OpRotate, "Store", "is required: the new token must be stored before old ones are revoked")
	case r.Keep < 0:
		return badInput(OpRotate, "Keep", "must not be negative")
	case r.Sandbox != "" && r.SandboxVault == "":
		return badInput(OpRotate, "SandboxVault", "is required with Sandbox: the sandbox's tokens are listed and revoked in its own Vault")
	case r.DryRun && r.Sandbox != "":
		return badInput(OpRotate, "DryRun", "a sandbox's tokens can only be listed with a token of the sandbox, which only a real rotation creates")
	case r.Sandbox == "" && r.SandboxVault != "":
		return badInput(OpRotate, "SandboxVault", "is for a Sandbox rotation only")
	case r.UserID != "":
		if err := checkUserID(OpRotate, r.UserID); err != nil {
			return err
		}
	case r.SandboxVault != "":
		if err := checkVaultDNS(OpRotate, r.SandboxVault); err != nil {
			return err
		}
	}
	return checkTokenName(OpRotate, r.Name)
}
