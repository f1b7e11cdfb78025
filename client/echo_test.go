package client_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// printedForms are the ways a test's caller could print what the client returned.
func printedForms(v any) string {
	return fmt.Sprintf("%v\n%+v\n%#v\n%s", v, v, v, v)
}

// TestRevokeRecordErrorIsScrubbed: a Delete Object Records reply whose per-record error
// echoes the session ID (percent-encoded, as a server might) does not print it: the
// per-record error is built through the reply's scrubber, like every error from a reply.
// Before, it was built with no secrets at all.
func TestRevokeRecordErrorIsScrubbed(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	user := vaulttest.DefaultUsers()[0]
	c := fakeClient(t, fake, client.Password(user.Username, user.Password))
	tok, err := c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	var session string
	fake.Inject(vaulttest.Fault{Op: openapi.OpDeleteAPIAccessTokens, Kind: vaulttest.HandReply, Reply: func(w http.ResponseWriter, r *http.Request) {
		session = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"responseStatus":"SUCCESS","data":[{"responseStatus":"FAILURE","errors":[{"type":"INSUFFICIENT_ACCESS","message":"session %s may not delete"}]}]}`,
			url.PathEscape(session))
	}})
	got, err := c.RevokeAPIAccessTokens(t.Context(), tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Status != client.NotRevoked || got[0].Err == nil {
		t.Fatalf("revocations %+v, want one NotRevoked with Vault's error", got)
	}
	printed := printedForms(got) + printedForms(got[0].Err) + got[0].Err.Error()
	for _, form := range []string{session, url.PathEscape(session), url.QueryEscape(session)} {
		if strings.Contains(printed, form) {
			t.Fatalf("the session ID is printed as %q in %s", form, printed)
		}
	}
	if !strings.Contains(printed, "INSUFFICIENT_ACCESS") || !strings.Contains(printed, "withheld") {
		t.Errorf("want the error type kept and the message withheld: %s", printed)
	}
}

// TestTokenEchoedInItsOwnWarningIsScrubbed: a WARNING reply that echoes the new token (hex,
// as a server might) in its warnings keeps the token out of Token.Response.Warnings: the
// token a reply carries is one of the secrets that reply is read with.
func TestTokenEchoedInItsOwnWarningIsScrubbed(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	const value = "veeva-vault-2f1e0d9c8b7a6f5e4d3c"
	fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.HandReply, Reply: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"responseStatus":"WARNING","warnings":[{"type":"INVALID_DATA","message":"made %s"},{"type":"INVALID_DATA","message":"made %s"}],"data":{"id":"0PI00000000C003","token__sys":"%s"}}`,
			hex.EncodeToString([]byte(value)), strings.ToUpper(hex.EncodeToString([]byte(value))), value)
	}})
	c := fakeClient(t, fake, sessionOf(t, fake, olivia.Username))
	tok, err := c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value.Reveal() != value || len(tok.Response.Warnings) != 2 {
		t.Fatalf("token %q, warnings %v", tok.Value.Reveal(), tok.Response.Warnings)
	}
	printed := printedForms(tok.Response.Warnings)
	for _, form := range []string{value, hex.EncodeToString([]byte(value)), strings.ToUpper(hex.EncodeToString([]byte(value)))} {
		if strings.Contains(printed, form) {
			t.Fatalf("the new token is printed as %q in %s", form, printed)
		}
	}
}

// listingOf is a token query reply holding n active tokens of user 12345 named name.
func listingOf(n int, name string) string {
	var b strings.Builder
	b.WriteString(`{"responseStatus":"SUCCESS","responseDetails":{"pagesize":1000,"pageoffset":0,"size":` + fmt.Sprint(n) + `,"total":` + fmt.Sprint(n) + `},"data":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"0PI%012d","name__v":%q,"user__sys":"12345","status__v":"active__v","expiry_date__sys":null,"last_used_date__sys":null}`, i, name)
	}
	b.WriteString("]}")
	return b.String()
}

// TestRotationRefusesAnImplausibleListing: a listing with more active tokens of the name
// than Vault lets a user hold (25) did not come from Vault as documented; a rotation
// refuses it before creating anything, rather than revoking from it.
func TestRotationRefusesAnImplausibleListing(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	fake.Inject(vaulttest.Fault{Op: openapi.OpQueryAPIAccessTokens, Kind: vaulttest.HandReply, Reply: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, listingOf(openapi.MaxActiveTokens+1, "CI"))
	}})
	c := fakeClient(t, fake, sessionOf(t, fake, olivia.Username))
	_, err := c.RotateAPIAccessToken(t.Context(), client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "CI"}, UserID: "12345",
		Store: func(context.Context, *client.Token) error { return nil },
	})
	if !errors.Is(err, client.ErrImplausibleListing) {
		t.Errorf("error %v, want ErrImplausibleListing", err)
	}
	if n := fake.Count(openapi.OpGenerateAPIAccessToken) + fake.Count(openapi.OpDeleteAPIAccessTokens); n != 0 {
		t.Errorf("%d token or delete requests sent", n)
	}
}

// TestListingIsBoundedInRecords: a listing reads at most 10,000 records over all its pages,
// whatever each page holds; past that it ends with an error that matches ErrTooManyPages.
func TestListingIsBoundedInRecords(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	fake.Inject(vaulttest.Fault{Op: openapi.OpQueryAPIAccessTokens, Kind: vaulttest.HandReply, Reply: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, listingOf(10_001, "CI"))
	}})
	c := fakeClient(t, fake, sessionOf(t, fake, olivia.Username), client.WithMaxReplySize(64<<20))
	_, err := c.ListAPIAccessTokens(t.Context(), client.TokenFilter{UserID: "12345"})
	var unexpected *client.UnexpectedResponseError
	if !errors.Is(err, client.ErrTooManyPages) || !errors.As(err, &unexpected) {
		t.Errorf("error %v (%T), want an *UnexpectedResponseError matching ErrTooManyPages", err, err)
	}
}
