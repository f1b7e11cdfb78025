package client

import (
	"context"
	"slices"
	"strings"
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

	// Keep is how many older active tokens with the same name stay active: the newest ones,
	// by record ID (Vault numbers records in the order it makes them). 0 revokes them all.
	Keep int
	// Store saves the new token: a secret manager, a file. It is called once, with the
	// token, before anything is revoked; if it fails, the rotation stops there.
	Store func(ctx context.Context, tok *Token) error
}

// Rotation is what a rotation did.
type Rotation struct {
	New     *Token       // the new token, stored
	Kept    []TokenInfo  // older active tokens with its name that stay active
	Revoked []Revocation // the older ones revoked, one result each
}

// RotateAPIAccessToken replaces a user's token of a given name: it creates the new token,
// hands it to req.Store, and only then revokes the older active tokens with exactly that
// name beyond req.Keep. A token whose name differs is never revoked.
//
// If storing fails, nothing is revoked; the error says so, and the Rotation returned with it
// holds the new token (it exists: store it, or revoke it). If revoking fails, the new token
// is returned with the error and the results so far. If creating the token has an unknown
// outcome, the *UnknownOutcomeError says how to find it.
func (c *Client) RotateAPIAccessToken(ctx context.Context, req RotateRequest) (*Rotation, error) {
	if err := req.check(); err != nil {
		return nil, withOp(err, opRotate)
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
	rot := &Rotation{New: tok}
	if err := req.Store(ctx, tok); err != nil {
		return rot, errorf(opRotate, "token %s was created but could not be stored, so nothing was revoked (store it, or revoke it): %w", tok.ID, err)
	}

	// Where the older tokens are: this Vault, or the sandbox's, reached with the new token.
	vault, filter := c, TokenFilter{UserID: req.UserID, Me: req.Me, Name: req.Name}
	if req.Sandbox != "" {
		if vault, err = c.forVault(req.SandboxVault, AccessTokenFrom(staticSecret{tok.Value})); err != nil {
			return rot, withOp(err, opRotate)
		}
		filter = TokenFilter{Me: true, Name: req.Name}
	}
	list, err := vault.ListAPIAccessTokens(ctx, filter)
	if err != nil {
		return rot, err
	}
	var older []TokenInfo
	for _, t := range list.Tokens {
		if t.ID != tok.ID && t.Name == req.Name && t.Active {
			older = append(older, t)
		}
	}
	// Newest first: Vault's record IDs grow as records are made.
	slices.SortFunc(older, func(a, b TokenInfo) int { return compareRecordIDs(b.ID, a.ID) })
	keep := min(req.Keep, len(older))
	rot.Kept = older[:keep]
	ids := make([]string, 0, len(older)-keep)
	for _, t := range older[keep:] {
		ids = append(ids, t.ID)
	}
	if len(ids) == 0 {
		return rot, nil
	}
	rot.Revoked, err = vault.RevokeAPIAccessTokens(ctx, ids...)
	return rot, err
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
		return &InputError{Field: "rotation target", Reason: "set one of UserID, Me and Sandbox"}
	case r.Store == nil:
		return &InputError{Field: "Store", Reason: "is required: the new token must be stored before old ones are revoked"}
	case r.Keep < 0:
		return &InputError{Field: "Keep", Reason: "must not be negative"}
	case r.Sandbox != "" && r.SandboxVault == "":
		return &InputError{Field: "SandboxVault", Reason: "is required with Sandbox: the sandbox's tokens are listed and revoked in its own Vault"}
	case r.Sandbox == "" && r.SandboxVault != "":
		return &InputError{Field: "SandboxVault", Reason: "is for a Sandbox rotation only"}
	case r.UserID != "":
		if err := checkUserID(r.UserID); err != nil {
			return err
		}
	case r.SandboxVault != "":
		if err := checkVaultDNS(r.SandboxVault); err != nil {
			return err
		}
	}
	return checkTokenName(r.Name)
}

// compareRecordIDs orders record IDs as Vault makes them: longer after shorter, then by
// their characters.
func compareRecordIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}
