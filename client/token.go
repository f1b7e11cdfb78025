package client

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/openapi"
)

// TokenRequest describes a token to create. Set at most one of ExpiresAt and ExpiresOn;
// with neither, the token never expires if the user's security profile allows that (the
// profile also caps the lifetime).
type TokenRequest struct {
	Name string // the token's name or description; required

	// ExpiresAt is an instant. It is sent in UTC, to the second (sub-seconds are cut).
	ExpiresAt time.Time
	// ExpiresOn is a calendar date: the token expires at 23:59:59 on that date in the
	// user's time zone, as Vault defines it.
	ExpiresOn Date
}

// Date is a calendar date with no time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, badInput(OpParseDate, "expiry date", fmt.Sprintf("%q is not a date YYYY-MM-DD", s))
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Token is a new API access token.
type Token struct {
	ID       string // the api_access_token__sys record's ID
	Value    Secret // the token; Vault shows it once. Send it as "Bearer {token}".
	Response Response
}

// body validates the request of op and turns it into the spec's body. now is the
// client's clock.
func (r TokenRequest) body(op string, now time.Time) (gen.TokenRequest, error) {
	if err := checkTokenName(op, r.Name); err != nil {
		return gen.TokenRequest{}, err
	}
	b := gen.TokenRequest{Name: r.Name}
	switch {
	case !r.ExpiresAt.IsZero() && !r.ExpiresOn.IsZero():
		return b, badInput(op, "expiry", "set ExpiresAt or ExpiresOn, not both")
	case !r.ExpiresAt.IsZero():
		at := r.ExpiresAt.UTC().Truncate(time.Second)
		if at.Year() > 9999 {
			return b, badInput(op, "expiry", "the year must be 9999 or earlier (Vault's format has four digits)")
		}
		if !at.After(now) {
			return b, badInput(op, "expiry", fmt.Sprintf("%s is in the past", at.Format(time.RFC3339)))
		}
		s := at.Format("2006-01-02T15:04:05Z")
		b.ExpiryDate = &s
	case !r.ExpiresOn.IsZero():
		d := r.ExpiresOn
		day := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		if d.Year < 1 || d.Year > 9999 {
			return b, badInput(op, "expiry date", "the year must be 1 to 9999 (Vault's format has four digits)")
		}
		if day.Year() != d.Year || day.Month() != d.Month || day.Day() != d.Day {
			return b, badInput(op, "expiry date", fmt.Sprintf("%s is not a calendar date", d))
		}
		// The date ends at 23:59:59 in the user's time zone, which the client does not
		// know. Refuse it only once it has ended everywhere (UTC-12).
		if now.After(day.Add(36 * time.Hour)) {
			return b, badInput(op, "expiry date", fmt.Sprintf("%s is in the past", d))
		}
		s := d.String()
		b.ExpiryDate = &s
	}
	return b, nil
}

// GenerateAPIAccessToken creates an API access token for the user with the given numeric
// ID (an admin can create tokens for others; anyone for themselves).
//
// Creating a token is not idempotent: when the outcome cannot be read the error is an
// [*UnknownOutcomeError] and the call is not retried. A user can hold 25 active tokens;
// Vault refuses more, and refuses VeevaID users, with an [*APIError].
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/users/api-access-tokens/generate-api-access-token/
func (c *Client) GenerateAPIAccessToken(ctx context.Context, userID string, req TokenRequest) (*Token, error) {
	if err := checkUserID(openapi.OpGenerateAPIAccessToken, userID); err != nil {
		return nil, err
	}
	find := TokenFilter{UserID: userID, Name: req.Name}
	return c.generateToken(ctx, openapi.OpGenerateAPIAccessToken, req, find, "", func(server string, body gen.TokenRequest) (*http.Request, error) {
		return gen.NewGenerateAPIAccessTokenRequestWithFormdataBody(server, userID,
			&gen.GenerateAPIAccessTokenParams{ClientID: c.clientID()}, body)
	})
}

// GenerateMyAPIAccessToken creates an API access token for the user the client
// authenticates as. Errors as for [Client.GenerateAPIAccessToken].
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/users/api-access-tokens/generate-my-api-access-token/
func (c *Client) GenerateMyAPIAccessToken(ctx context.Context, req TokenRequest) (*Token, error) {
	find := TokenFilter{Me: true, Name: req.Name}
	return c.generateToken(ctx, openapi.OpGenerateMyAPIAccessToken, req, find, "", func(server string, body gen.TokenRequest) (*http.Request, error) {
		return gen.NewGenerateMyAPIAccessTokenRequestWithFormdataBody(server,
			&gen.GenerateMyAPIAccessTokenParams{ClientID: c.clientID()}, body)
	})
}

// GenerateSandboxAPIAccessToken creates an API access token for the authenticated user in
// the sandbox named as on the My Vaults page (spaces and any other characters are
// escaped). Call it on the production Vault's client. Errors as for
// [Client.GenerateAPIAccessToken].
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/sandbox-vaults/generate-api-access-token-for-sandbox/
func (c *Client) GenerateSandboxAPIAccessToken(ctx context.Context, sandboxName string, req TokenRequest) (*Token, error) {
	if err := checkSandboxName(openapi.OpGenerateSandboxAPIAccessToken, sandboxName); err != nil {
		return nil, err
	}
	find := TokenFilter{Me: true, Name: req.Name}
	return c.generateToken(ctx, openapi.OpGenerateSandboxAPIAccessToken, req, find, sandboxName, func(server string, body gen.TokenRequest) (*http.Request, error) {
		return gen.NewGenerateSandboxAPIAccessTokenRequestWithFormdataBody(server, sandboxName,
			&gen.GenerateSandboxAPIAccessTokenParams{ClientID: c.clientID()}, body)
	})
}

// generateToken sends a token request of operation op, which build makes (a generated
// builder) from the server URL and the body. find and sandbox say where to look for the
// token when the outcome is unknown.
func (c *Client) generateToken(ctx context.Context, op string, req TokenRequest, find TokenFilter, sandbox string,
	build func(server string, body gen.TokenRequest) (*http.Request, error),
) (*Token, error) {
	body, err := req.body(op, c.now())
	if err != nil {
		return nil, err
	}
	api, err := c.tokenAPI(ctx, op)
	if err != nil {
		return nil, err
	}
	var reply tokenReply
	cl := call{
		op: op, build: func() (*http.Request, error) { return build(api.server, body) },
		changesVault: true, find: &find, sandbox: sandbox,
	}
	meta, err := c.authedExchange(ctx, cl, &reply)
	if err != nil {
		return nil, err
	}
	if reason := notAToken(reply.Data); reason != "" {
		return nil, cl.unknownOutcome(unexpected(reply.scrub, op, meta, string(reply.ResponseStatus)+" "+reason, nil))
	}
	return &Token{
		ID:       reply.Data.ID,
		Value:    NewSecret(reply.Data.Token),
		Response: meta,
	}, nil
}

// The shapes a reply's token and record ID must have. They are checked on every call, so
// by hand rather than by regexp (FuzzShapes checks them against the regexps in their
// comments).

// isTokenValue reports whether s could be a token (^veeva-vault-[\x21-\x7e]+$): the docs
// say every token value begins with veeva-vault-, and the rest must be visible ASCII: the
// value is sent in an Authorization header, and a reply with spaces, control characters or
// anything else cannot be a token the client could use.
func isTokenValue(s string) bool {
	rest, ok := strings.CutPrefix(s, "veeva-vault-")
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < 0x21 || rest[i] > 0x7e {
			return false
		}
	}
	return true
}

// isRecordID reports whether s could be a record ID (^[A-Za-z0-9]{1,64}$). A token's ID is
// its api_access_token__sys record's ID. Every Vault record ID in the docs is 15 letters
// and digits (0PI00000000C003, V8T000000001001, the shapes differ between pages); the
// client accepts 1 to 64 letters and digits, so a longer format would still work, and
// refuses anything else, which could not be a record ID and would carry whatever it holds
// into logs and terminals.
func isRecordID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isDigit, isLetter := '0' <= c && c <= '9', 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'; !isDigit && !isLetter {
			return false
		}
	}
	return true
}

// notAToken says why a SUCCESS reply's data cannot be a new token, or "" if it can. It
// never quotes the value.
func notAToken(d *gen.APIAccessToken) string {
	switch {
	case d == nil || d.Token == "":
		return "without a token in data"
	case !isTokenValue(d.Token):
		return "with a token__sys that is not a token (not veeva-vault- and visible ASCII)"
	case !isRecordID(d.ID):
		return "with an id that is not a Vault record ID (1 to 64 letters and digits)"
	}
	return ""
}
