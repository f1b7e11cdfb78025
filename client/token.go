package client

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/acme/vault-token/gen"
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
		return Date{}, &InputError{Field: "expiry date", Reason: fmt.Sprintf("%q is not a date YYYY-MM-DD", s)}
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

// body validates the request and turns it into the spec's body. now is the client's clock.
func (r TokenRequest) body(now time.Time) (gen.TokenRequest, error) {
	if err := checkTokenName(r.Name); err != nil {
		return gen.TokenRequest{}, err
	}
	b := gen.TokenRequest{Name: r.Name}
	switch {
	case !r.ExpiresAt.IsZero() && !r.ExpiresOn.IsZero():
		return b, &InputError{Field: "expiry", Reason: "set ExpiresAt or ExpiresOn, not both"}
	case !r.ExpiresAt.IsZero():
		at := r.ExpiresAt.UTC().Truncate(time.Second)
		if !at.After(now) {
			return b, &InputError{Field: "expiry", Reason: fmt.Sprintf("%s is in the past", at.Format(time.RFC3339))}
		}
		s := at.Format("2006-01-02T15:04:05Z")
		b.ExpiryDate = &s
	case !r.ExpiresOn.IsZero():
		d := r.ExpiresOn
		day := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		if day.Year() != d.Year || day.Month() != d.Month || day.Day() != d.Day {
			return b, &InputError{Field: "expiry date", Reason: fmt.Sprintf("%s is not a calendar date", d)}
		}
		// The date ends at 23:59:59 in the user's time zone, which the client does not
		// know. Refuse it only once it has ended everywhere (UTC-12).
		if now.After(day.Add(36 * time.Hour)) {
			return b, &InputError{Field: "expiry date", Reason: fmt.Sprintf("%s is in the past", d)}
		}
		s := d.String()
		b.ExpiryDate = &s
	}
	return b, nil
}

// GenerateAPIAccessToken creates an API access token for the user with the given
// numeric ID (POST /objects/users/{user_id}/api_access_token__sys).
//
// Creating a token is not idempotent: if the outcome cannot be read the error is an
// *UnknownOutcomeError and the call is not retried.
func (c *Client) GenerateAPIAccessToken(ctx context.Context, userID string, req TokenRequest) (*Token, error) {
	if err := checkUserID(userID); err != nil {
		return nil, err
	}
	params := &gen.GenerateAPIAccessTokenParams{ClientID: c.clientID()}
	return c.generateToken(ctx, "generate API access token", req, func(server string, body gen.TokenRequest) (*http.Request, error) {
		if c.settings.json {
			return gen.NewGenerateAPIAccessTokenRequest(server, userID, params, body)
		}
		return gen.NewGenerateAPIAccessTokenRequestWithFormdataBody(server, userID, params, body)
	})
}

// GenerateMyAPIAccessToken creates an API access token for the user the client
// authenticates as (POST /objects/users/me/api_access_token__sys).
func (c *Client) GenerateMyAPIAccessToken(ctx context.Context, req TokenRequest) (*Token, error) {
	params := &gen.GenerateMyAPIAccessTokenParams{ClientID: c.clientID()}
	return c.generateToken(ctx, "generate my API access token", req, func(server string, body gen.TokenRequest) (*http.Request, error) {
		if c.settings.json {
			return gen.NewGenerateMyAPIAccessTokenRequest(server, params, body)
		}
		return gen.NewGenerateMyAPIAccessTokenRequestWithFormdataBody(server, params, body)
	})
}

// GenerateSandboxAPIAccessToken creates an API access token for the authenticated user
// in the sandbox named as on the My Vaults page (spaces and any other characters are
// escaped). Call it on the production Vault's client.
func (c *Client) GenerateSandboxAPIAccessToken(ctx context.Context, sandboxName string, req TokenRequest) (*Token, error) {
	if err := checkSandboxName(sandboxName); err != nil {
		return nil, err
	}
	params := &gen.GenerateSandboxAPIAccessTokenParams{ClientID: c.clientID()}
	return c.generateToken(ctx, "generate sandbox API access token", req, func(server string, body gen.TokenRequest) (*http.Request, error) {
		if c.settings.json {
			return gen.NewGenerateSandboxAPIAccessTokenRequest(server, sandboxName, params, body)
		}
		return gen.NewGenerateSandboxAPIAccessTokenRequestWithFormdataBody(server, sandboxName, params, body)
	})
}

func (c *Client) generateToken(ctx context.Context, op string, req TokenRequest,
	build func(server string, body gen.TokenRequest) (*http.Request, error)) (*Token, error) {
	body, err := req.body(c.now())
	if err != nil {
		return nil, err
	}
	version, err := c.tokenVersion(ctx)
	if err != nil {
		return nil, err
	}
	server := c.serverURL(version)
	var reply gen.TokenReply
	meta, err := c.authedExchange(ctx, op, true, func() (*http.Request, error) { return build(server, body) }, &reply)
	if err != nil {
		return nil, err
	}
	if reply.Data == nil || reply.Data.Token == "" {
		return nil, &UnknownOutcomeError{Op: op, Err: &UnexpectedResponseError{
			Op: op, HTTPStatus: meta.HTTPStatus, ContentType: "application/json",
			Reason: string(reply.ResponseStatus) + " without a token in data", Response: meta,
		}}
	}
	return &Token{
		ID:       reply.Data.ID,
		Value:    NewSecret(reply.Data.Token),
		Response: meta,
	}, nil
}
