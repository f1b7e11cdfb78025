package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/acme/vault-token/client/internal/scrub"
	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/openapi"
)

// TokenFilter says which tokens [Client.ListAPIAccessTokens] returns: those of one user
// (UserID, or Me for the user the client authenticates as), with a given name if Name is
// set, active ones only unless All.
type TokenFilter struct {
	UserID string // a numeric user ID (an admin can list anyone's tokens)
	Me     bool   // the user the client authenticates as
	Name   string // exactly this name; "" for any
	All    bool   // inactive tokens (expired) too
}

// TokenInfo is a token as Vault lists it: its record, never its value.
type TokenInfo struct {
	ID     string // the record ID, which RevokeAPIAccessTokens takes
	Name   string
	UserID string
	Active bool // status__v is active__v
	// ExpiresAt is when the token expires; zero when it never does. ExpiresOn is set instead
	// when Vault gives a date without a time.
	ExpiresAt time.Time
	ExpiresOn Date
	LastUsed  time.Time // when it last authenticated a call; zero for never
}

// latestZone is the time zone whose day ends first: a date's 23:59:59 there is the
// earliest instant it ends anywhere.
var latestZone = time.FixedZone("UTC+14", 14*60*60)

// Expiry is the earliest instant the token may stop working, and false for one that never
// expires. It is ExpiresAt when Vault gave a time. A date (ExpiresOn) ends at 23:59:59 in
// the user's time zone, which the client does not know: Expiry is that second in the zone
// whose day ends first (UTC+14), so a schedule built on it is never late, whatever the
// zone.
func (t TokenInfo) Expiry() (time.Time, bool) {
	switch {
	case !t.ExpiresAt.IsZero():
		return t.ExpiresAt, true
	case !t.ExpiresOn.IsZero():
		d := t.ExpiresOn
		return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, latestZone).UTC(), true
	}
	return time.Time{}, false
}

// TokenList is the tokens a filter found, from every page of the query.
type TokenList struct {
	Tokens   []TokenInfo
	Response Response // the first page's
}

// maxQueryPages bounds how many pages a listing follows: a user holds 25 active tokens, so
// even with every inactive one kept this is far past a real listing, and a reply that pages
// forever cannot keep the client going.
const maxQueryPages = 100

// maxListedTokens bounds how many records a listing reads over all its pages, so that a
// listing's memory is bounded whatever the pages hold: Vault's pages hold up to 1,000
// records, and a user's tokens, deleted ones included, are far fewer.
const maxListedTokens = 10_000

// queriedFields are the api_access_token__sys fields Vault documents.
const queriedFields = "id, name__v, user__sys, status__v, expiry_date__sys, last_used_date__sys"

// ListAPIAccessTokens lists the tokens the filter describes, following every page of the
// query (at most 100). The query is VQL on api_access_token__sys; every value in it is
// quoted and escaped, so no name or ID can change what it asks, and the results are checked
// against the filter once more. A list of "my" tokens needs the user's ID: the client takes
// it from the login reply, or from one Validate Session User call (GET /objects/users/me).
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/vault-query-language-vql/submitting-a-query/
// and https://limited.veevavault.dev/vql/query-targets/api-access-tokens/
func (c *Client) ListAPIAccessTokens(ctx context.Context, f TokenFilter) (*TokenList, error) {
	if err := f.check(openapi.OpQueryAPIAccessTokens); err != nil {
		return nil, err
	}
	user := f.UserID
	if f.Me {
		id, err := c.me.get(ctx, func(string) bool { return true })
		if err != nil {
			return nil, err
		}
		user = id
	}
	api, err := c.tokenAPI(ctx, openapi.OpQueryAPIAccessTokens)
	if err != nil {
		return nil, err
	}
	list := &TokenList{}
	var page tokenQueryReply
	meta, err := c.authedExchange(ctx, call{op: openapi.OpQueryAPIAccessTokens, build: func() (*http.Request, error) {
		return gen.NewQueryAPIAccessTokensRequestWithFormdataBody(api.server,
			&gen.QueryAPIAccessTokensParams{ClientID: c.clientID()}, gen.QueryRequest{Q: f.query(user)})
	}}, &page)
	if err != nil {
		return nil, err
	}
	list.Response = meta
	read := 0
	for pages := 1; ; pages++ {
		if read += len(page.Data); read > maxListedTokens {
			return nil, unexpected(page.scrub, openapi.OpQueryAPIAccessTokensPage, meta,
				fmt.Sprintf("the query returns more than %d tokens; narrow the filter", maxListedTokens), ErrTooManyPages)
		}
		for _, r := range page.Data {
			if !isRecordID(r.ID) {
				return nil, unexpected(page.scrub, openapi.OpQueryAPIAccessTokens, meta, "a listed token's id is not a Vault record ID (1 to 64 letters and digits)", nil)
			}
			t, err := r.info()
			if err != nil {
				return nil, unexpected(page.scrub, openapi.OpQueryAPIAccessTokens, meta, "token "+r.ID+": "+err.Error(), nil)
			}
			if f.matches(t, user) {
				list.Tokens = append(list.Tokens, t)
			}
		}
		next := deref(page.ResponseDetails.NextPage)
		if next == "" {
			return list, nil
		}
		if pages == maxQueryPages {
			return nil, unexpected(page.scrub, openapi.OpQueryAPIAccessTokensPage, meta,
				fmt.Sprintf("the query has more than %d pages; narrow the filter", maxQueryPages), ErrTooManyPages)
		}
		queryID, params, err := c.nextPage(next, api.version, meta, page.scrub)
		if err != nil {
			return nil, err
		}
		page = tokenQueryReply{}
		if meta, err = c.authedExchange(ctx, call{op: openapi.OpQueryAPIAccessTokensPage, build: func() (*http.Request, error) {
			return gen.NewQueryAPIAccessTokensPageRequest(api.server, queryID, params)
		}}, &page); err != nil {
			return nil, err
		}
	}
}

func (f TokenFilter) check(op string) error {
	switch {
	case f.Me == (f.UserID != ""):
		return badInput(op, "token filter", "set UserID or Me, one of them")
	case f.UserID != "":
		if err := checkUserID(op, f.UserID); err != nil {
			return err
		}
	}
	if f.Name != "" {
		return checkTokenName(op, f.Name)
	}
	return nil
}

// query is the VQL the filter asks.
func (f TokenFilter) query(user string) string {
	q := "SELECT " + queriedFields + " FROM api_access_token__sys WHERE user__sys = " + vqlQuote(user)
	if f.Name != "" {
		q += " AND name__v = " + vqlQuote(f.Name)
	}
	if !f.All {
		q += " AND status__v = 'active__v'"
	}
	return q
}

// matches checks a listed token against the filter: a query that returned anything else
// (a server that misread it) does not reach the caller.
func (f TokenFilter) matches(t TokenInfo, user string) bool {
	return t.UserID == user && (f.Name == "" || t.Name == f.Name) && (f.All || t.Active)
}

// vqlQuote quotes a value for VQL, escaping what VQL (v21.3+) gives a meaning to: a quote
// would end the value, a backslash start an escape, % and * act as wildcards, and a line
// break has no place in one.
func vqlQuote(s string) string {
	return "'" + vqlEscaper.Replace(s) + "'"
}

var vqlEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, `\"`, `%`, `\%`, `*`, `\*`, "\n", `\n`, "\t", `\t`, "\r", `\r`)

// nextPage reads a reply's next_page, which must be a query page of this Vault at this
// version: the client never follows a URL a reply names, only builds the spec's call. The
// check is made on the path as Vault would read it, percent-decoded and with dot segments
// removed: exactly /api/{version}/query/{query ID}, the ID one segment of letters, digits,
// '-' and '_'. Anything else ends the listing with an *UnexpectedResponseError.
func (c *Client) nextPage(next, version string, meta Response, scr *scrub.Scrubber) (string, *gen.QueryAPIAccessTokensPageParams, error) {
	bad := func(why string) error {
		return unexpected(scr, openapi.OpQueryAPIAccessTokensPage, meta, "next_page "+strconv.Quote(scr.Field(next))+" "+why, nil)
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Fragment != "" {
		return "", nil, bad("is not a path on this Vault")
	}
	decoded := u.Path // percent-decoded by url.Parse
	queryID, ok := strings.CutPrefix(decoded, "/api/"+version+"/query/")
	if !ok || path.Clean(decoded) != decoded || !isQueryID(queryID) {
		return "", nil, bad("is not a page of this query")
	}
	params := &gen.QueryAPIAccessTokensPageParams{ClientID: c.clientID()}
	for name, dst := range map[string]**int32{"pagesize": &params.PageSize, "pageoffset": &params.PageOffset} {
		if v := u.Query().Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < 0 {
				return "", nil, bad("has a bad " + name)
			}
			n32 := int32(n)
			*dst = &n32
		}
	}
	return queryID, params, nil
}

// isQueryID reports whether s could be a query ID (^[A-Za-z0-9_-]{1,100}$; Vault's are
// UUIDs): one path segment, no dots, nothing to escape.
func isQueryID(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// tokenQueryReply is gen.TokenQueryReply decoded once, with records whose user__sys and
// status__v may come as the spec says (a string) or as Vault's docs leave open (a number; a
// picklist array of one value).
type tokenQueryReply struct {
	envelope
	ResponseDetails gen.QueryDetails `json:"responseDetails"`
	Data            []tokenRecord    `json:"data"`
}

type tokenRecord struct {
	ID         string       `json:"id"`
	Name       string       `json:"name__v"`
	UserID     scalarString `json:"user__sys"`
	Status     scalarString `json:"status__v"`
	ExpiryDate *string      `json:"expiry_date__sys"`
	LastUsed   *string      `json:"last_used_date__sys"`
}

// info is the record as a TokenInfo. A time the client cannot read is an error naming the
// field, never a zero time: a zero expiry reads as "never expires", and an operator decides
// what to revoke by it.
func (r tokenRecord) info() (TokenInfo, error) {
	t := TokenInfo{ID: r.ID, Name: r.Name, UserID: string(r.UserID), Active: r.Status == "active__v"}
	var err error
	if t.LastUsed, err = parseVQLTime("last_used_date__sys", deref(r.LastUsed)); err != nil {
		return t, err
	}
	if e := deref(r.ExpiryDate); e != "" {
		if d, dateErr := ParseDate(e); dateErr == nil {
			t.ExpiresOn = d
		} else if t.ExpiresAt, err = parseVQLTime("expiry_date__sys", e); err != nil {
			return t, err
		}
	}
	return t, nil
}

// parseVQLTime reads a VQL time (2026-12-31T12:00:00.000Z, or without the fraction) of
// field; "" is the zero time (none).
func parseVQLTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not a time the client can read (RFC 3339, such as 2026-12-31T12:00:00.000Z)", field)
	}
	return t.UTC(), nil
}

// scalarString decodes a JSON string, number, or array of one string, as a string.
type scalarString string

func (l *scalarString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*l = ""
		return nil
	case len(b) > 0 && b[0] == '[':
		var list []string
		if err := json.Unmarshal(b, &list); err != nil || len(list) > 1 {
			return fmt.Errorf("expected a string or an array of one string, got %d values", len(list))
		}
		if len(list) == 1 {
			*l = scalarString(list[0])
		}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		*l = scalarString(s)
		return err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*l = scalarString(n.String())
	return nil
}

// MyUserID returns the numeric ID of the user the client authenticates as: from the login
// reply when the client logged in, else from one Validate Session User call, made once and
// shared by every caller.
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/authentication/validate-session-user/
func (c *Client) MyUserID(ctx context.Context) (string, error) {
	return c.me.get(ctx, func(string) bool { return true })
}

// fetchMyUserID finds the ID of the user the client authenticates as: from the login reply
// when the client logged in, else with one Validate Session User call (GET
// /objects/users/me), which answers for any credentials. Vault's X-VaultAPI-UserId header
// would do for a session ID, but Vault sends it only on calls made with one, never with an
// API access token.
func (c *Client) fetchMyUserID(ctx context.Context) (string, error) {
	if a, ok := c.auth.(*sessionAuth); ok {
		s, err := a.session.get(ctx, a.fresh)
		if err != nil {
			return "", err
		}
		if s.userID != "" {
			return s.userID, nil
		}
	}
	api, err := c.tokenAPI(ctx, OpFindUser)
	if err != nil {
		return "", err
	}
	var reply sessionUserReply
	meta, err := c.authedExchange(ctx, call{op: openapi.OpValidateSessionUser, build: func() (*http.Request, error) {
		return gen.NewValidateSessionUserRequest(api.server, &gen.ValidateSessionUserParams{ClientID: c.clientID()})
	}}, &reply)
	if err != nil {
		return "", err
	}
	if len(reply.Users) != 1 || reply.Users[0].User.ID <= 0 {
		return "", unexpected(reply.scrub, openapi.OpValidateSessionUser, meta,
			fmt.Sprintf("the reply names %d users, want the one authenticated user", len(reply.Users)), nil)
	}
	return strconv.FormatInt(reply.Users[0].User.ID, 10), nil
}
