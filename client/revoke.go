package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/openapi"
)

// RevocationStatus is what became of one token a revoke asked for.
type RevocationStatus int

const (
	// Revoked: Vault deleted the token's record; the token no longer authenticates.
	Revoked RevocationStatus = iota + 1
	// AlreadyRevoked: Vault could not delete it, and a lookup finds it inactive: it was
	// revoked before (by an earlier call whose outcome was unknown, say), or it has expired.
	// Vault keeps deleted tokens listed as inactive, so resending a revoke reads this way.
	AlreadyRevoked
	// NotRevoked: Vault refused, and the token is still active; Revocation.Err says why. A
	// refusal for access (INSUFFICIENT_ACCESS) is always NotRevoked.
	NotRevoked
	// NotFound: Vault could not delete it, and a lookup finds no such token: a mistyped ID,
	// a token of another Vault, or one the user may not see. Nothing was revoked.
	NotFound
)

func (s RevocationStatus) String() string {
	switch s {
	case Revoked:
		return "revoked"
	case AlreadyRevoked:
		return "already revoked"
	case NotRevoked:
		return "not revoked"
	case NotFound:
		return "not found"
	}
	return "unknown"
}

// Revocation is the outcome for one token ID.
type Revocation struct {
	ID     string
	Status RevocationStatus
	Err    *APIError // Vault's error for this ID, when Status is NotRevoked (also kept for AlreadyRevoked)
}

// maxDeleteBatch is how many records one Delete Object Records call takes.
const maxDeleteBatch = 500

// RevokeAPIAccessTokens revokes tokens by their record IDs (as ListAPIAccessTokens gives
// them), in calls of at most 500, and returns one result per ID, in the order given. A
// token Vault refuses to delete is looked up: found inactive, it is AlreadyRevoked rather
// than a failure, so a revoke whose outcome was unknown can simply be sent again (deleting
// cannot remove anything else); not found at all, it is NotFound, which is not a success:
// nothing by that ID was revoked.
//
// The error is for the whole call: bad IDs (nothing is sent), or a batch that failed; the
// results of the batches before it are returned with it. A batch whose reply could not be
// read is an *UnknownOutcomeError: its tokens may or may not be revoked, and sending the
// revoke again is safe.
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/vault-objects/delete-object-records/
func (c *Client) RevokeAPIAccessTokens(ctx context.Context, ids ...string) ([]Revocation, error) {
	unique := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !isRecordID(id) {
			return nil, badInput(openapi.OpDeleteAPIAccessTokens, "token ID", "must be 1 to 64 letters and digits, as a token list gives them")
		}
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	api, err := c.tokenAPI(ctx, openapi.OpDeleteAPIAccessTokens)
	if err != nil {
		return nil, err
	}
	byID := map[string]Revocation{}
	results := func() []Revocation {
		out := make([]Revocation, 0, len(ids))
		for _, id := range ids {
			if r, ok := byID[id]; ok {
				out = append(out, r)
			}
		}
		return out
	}
	for start := 0; start < len(unique); start += maxDeleteBatch {
		batch := unique[start:min(start+maxDeleteBatch, len(unique))]
		if err := c.revokeBatch(ctx, api, batch, byID); err != nil {
			return results(), err
		}
	}
	return results(), nil
}

// revokeBatch sends one Delete Object Records call for batch and puts each ID's outcome in
// byID; a token Vault would not delete is looked up (revokedBefore).
func (c *Client) revokeBatch(ctx context.Context, api tokenAPI, batch []string, byID map[string]Revocation) error {
	records := make([]gen.RecordID, len(batch))
	for i, id := range batch {
		records[i] = gen.RecordID{ID: id}
	}
	body, err := json.Marshal(records)
	if err != nil {
		return errorf(openapi.OpDeleteAPIAccessTokens, "%w", err)
	}
	var reply deleteReply
	meta, err := c.authedExchange(ctx, call{op: openapi.OpDeleteAPIAccessTokens, changesVault: true, build: func() (*http.Request, error) {
		return gen.NewDeleteAPIAccessTokensRequestWithBody(api.server, &gen.DeleteAPIAccessTokensParams{ClientID: c.clientID()},
			"application/json", bytes.NewReader(body))
	}}, &reply)
	if err != nil {
		return err
	}
	if len(reply.Data) != len(batch) {
		return &UnknownOutcomeError{Op: openapi.OpDeleteAPIAccessTokens,
			Err: unexpected(reply.scrub, openapi.OpDeleteAPIAccessTokens, meta, "one result per record was expected, in the order sent", nil)}
	}
	for i, id := range batch {
		r := reply.Data[i]
		if r.ResponseStatus == gen.ResponseStatusSUCCESS || r.ResponseStatus == gen.ResponseStatusWARNING {
			byID[id] = Revocation{ID: id, Status: Revoked}
			continue
		}
		apiErr := apiError(reply.scrub, openapi.OpDeleteAPIAccessTokens, envelopeFields{ResponseStatus: r.ResponseStatus, Errors: r.Errors}, meta)
		status := NotRevoked
		// A refusal for access says the token is there. Any other refusal (Vault does not
		// name one for a record that is gone) is checked with a lookup.
		if !errors.Is(apiErr, ErrorTypeInsufficientAccess) {
			if status, err = c.revokedBefore(ctx, id); err != nil {
				return err
			}
		}
		byID[id] = Revocation{ID: id, Status: status, Err: apiErr}
	}
	return nil
}

// revokedBefore looks up a token Vault would not delete: inactive means it was revoked (or
// expired) before; no record at all, that there is no such token.
func (c *Client) revokedBefore(ctx context.Context, id string) (RevocationStatus, error) {
	found, err := c.lookup(ctx, id)
	switch {
	case err != nil:
		return 0, err
	case found == nil:
		return NotFound, nil
	case found.Active:
		return NotRevoked, nil
	}
	return AlreadyRevoked, nil
}

// LookupAPIAccessTokens looks tokens up by record ID, without changing anything: what a
// revoke of those IDs would meet (vault-token revoke --dry-run shows it). It returns the
// tokens Vault has a record of, inactive ones included, in the order given; an ID Vault
// has no record of (or one the user may not see) is left out.
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/vault-query-language-vql/submitting-a-query/
func (c *Client) LookupAPIAccessTokens(ctx context.Context, ids ...string) ([]TokenInfo, error) {
	for _, id := range ids {
		if !isRecordID(id) {
			return nil, badInput(openapi.OpQueryAPIAccessTokens, "token ID", "must be 1 to 64 letters and digits, as a token list gives them")
		}
	}
	var out []TokenInfo
	for _, id := range ids {
		found, err := c.lookup(ctx, id)
		if err != nil {
			return out, err
		}
		if found != nil {
			out = append(out, *found)
		}
	}
	return out, nil
}

// lookup finds the token with record ID id; nil when Vault has no record of it.
func (c *Client) lookup(ctx context.Context, id string) (*TokenInfo, error) {
	api, err := c.tokenAPI(ctx, openapi.OpQueryAPIAccessTokens)
	if err != nil {
		return nil, err
	}
	var page tokenQueryReply
	q := "SELECT " + queriedFields + " FROM api_access_token__sys WHERE id = " + vqlQuote(id)
	meta, err := c.authedExchange(ctx, call{op: openapi.OpQueryAPIAccessTokens, build: func() (*http.Request, error) {
		return gen.NewQueryAPIAccessTokensRequestWithFormdataBody(api.server,
			&gen.QueryAPIAccessTokensParams{ClientID: c.clientID()}, gen.QueryRequest{Q: q})
	}}, &page)
	if err != nil {
		return nil, err
	}
	for _, r := range page.Data {
		if r.ID != id {
			continue
		}
		t, err := r.info()
		if err != nil {
			return nil, unexpected(page.scrub, openapi.OpQueryAPIAccessTokens, meta, "token "+r.ID+": "+err.Error(), nil)
		}
		return &t, nil
	}
	return nil, nil
}

// deleteReply is gen.DeleteRecordsReply, decoded once.
type deleteReply struct {
	envelope
	Data []gen.RecordResult `json:"data"`
}
