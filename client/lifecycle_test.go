package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// Wire-level tests of listing, revoking and rotating, against a scripted server.

func record(id, name, user, status string) string {
	return fmt.Sprintf(`{"id":%q,"name__v":%q,"user__sys":%q,"status__v":%q,"expiry_date__sys":"2026-12-31T12:00:00.000Z","last_used_date__sys":null}`, id, name, user, status)
}

func TestListWireRequestsAndPages(t *testing.T) {
	fake, v := scripted(t, false, []string{openapi.OpQueryAPIAccessTokens, openapi.OpQueryAPIAccessTokensPage}, func(w http.ResponseWriter, req wireRequest) {
		switch req.Path {
		case "/api/v26.2/query":
			reply(w, `{"responseStatus":"SUCCESS","responseDetails":{"pagesize":1,"pageoffset":0,"size":1,"total":3,`+
				`"next_page":"/api/v26.2/query/q-1?pagesize=1&pageoffset=1"},"data":[`+record("0PI1", `O'Neil \ 100% OR 1=1`, "12345", "active__v")+`]}`)
		case "/api/v26.2/query/q-1":
			next := map[string]string{"pageoffset=1": `"next_page":"/api/v26.2/query/q-1?pagesize=1&pageoffset=2",`, "pageoffset=2": ""}
			reply(w, `{"responseStatus":"SUCCESS","responseDetails":{`+next[strings.Split(req.Query, "&")[1]]+`"pagesize":1,"total":3},"data":[`+
				record("0PI"+req.Query[len(req.Query)-1:], `O'Neil \ 100% OR 1=1`, "12345", "active__v")+`]}`)
		default:
			t.Errorf("unexpected %s %s", req.Method, req.Path)
		}
	})
	c := fakeClient(t, fake, client.SessionID(secretSession), client.WithClientID("acme-vault-ops-server-tokenbot"))
	list, err := c.ListAPIAccessTokens(context.Background(), client.TokenFilter{UserID: "12345", Name: `O'Neil \ 100% OR 1=1`})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tok := range list.Tokens {
		ids = append(ids, tok.ID)
	}
	if diff := cmp.Diff([]string{"0PI1", "0PI1", "0PI2"}, ids); diff != "" {
		t.Errorf("tokens from three pages (-want +got):\n%s", diff)
	}
	want := []wireRequest{{
		Method: "POST", Path: "/api/v26.2/query", ContentType: "application/x-www-form-urlencoded",
		Form: url.Values{"q": {`SELECT id, name__v, user__sys, status__v, expiry_date__sys, last_used_date__sys FROM api_access_token__sys ` +
			`WHERE user__sys = '12345' AND name__v = 'O\'Neil \\ 100\% OR 1=1' AND status__v = 'active__v'`}},
	}, {
		Method: "POST", Path: "/api/v26.2/query/q-1", Query: "pagesize=1&pageoffset=1",
	}, {
		Method: "POST", Path: "/api/v26.2/query/q-1", Query: "pagesize=1&pageoffset=2",
	}}
	for i := range want {
		want[i].Authorization, want[i].ClientID, want[i].Accept = secretSession, "acme-vault-ops-server-tokenbot", "application/json"
		want[i].UserAgent = "vault-token-go/" + client.Version
	}
	if diff := cmp.Diff(want, v.requests()); diff != "" {
		t.Errorf("wire requests (-want +got):\n%s", diff)
	}
	first := list.Tokens[0]
	if !first.Active || first.ExpiresAt != time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC) || !first.LastUsed.IsZero() {
		t.Errorf("token = %+v", first)
	}
}

// TestListRefusesAForeignNextPage: next_page is followed only as a query page of this
// Vault; the client never sends its session where a reply points.
func TestListRefusesAForeignNextPage(t *testing.T) {
	for _, next := range []string{
		"https://elsewhere.example/api/v26.2/query/q?pagesize=1", "//elsewhere.example/api/v26.2/query/q",
		"/api/v25.3/query/q", "/api/v26.2/objects/users/me/api_access_token__sys", "/api/v26.2/query/q/../../auth",
		"/api/v26.2/query/q?pagesize=-1", "/api/v26.2/query/%2e%2e", "/api/v26.2/query/.%2E", "/api/v26.2/query/%2E",
		"/api/v26.2/query/a%2Fb", "/api/v26.2/query/q%3Fx", "/api/v26.2/query/", "/api/v26.2/query//q", "/api/v26.2/query/q#frag",
	} {
		fake, v := scripted(t, true, []string{openapi.OpQueryAPIAccessTokens, openapi.OpQueryAPIAccessTokensPage}, func(w http.ResponseWriter, req wireRequest) {
			reply(w, `{"responseStatus":"SUCCESS","responseDetails":{"next_page":`+fmt.Sprintf("%q", next)+`},"data":[]}`)
		})
		_, err := fakeClient(t, fake, client.SessionID(secretSession)).
			ListAPIAccessTokens(context.Background(), client.TokenFilter{Me: false, UserID: "1"})
		var unexpected *client.UnexpectedResponseError
		if !errors.As(err, &unexpected) || !strings.Contains(err.Error(), "next_page") {
			t.Errorf("next_page %q: error = %v, want an UnexpectedResponseError", next, err)
		}
		if n := len(v.requests()); n != 1 {
			t.Errorf("next_page %q: %d requests, want 1", next, n)
		}
	}
}

func TestListBoundsPages(t *testing.T) {
	fake, v := scripted(t, false, []string{openapi.OpQueryAPIAccessTokens, openapi.OpQueryAPIAccessTokensPage}, func(w http.ResponseWriter, req wireRequest) {
		reply(w, `{"responseStatus":"SUCCESS","responseDetails":{"next_page":"/api/v26.2/query/q?pagesize=1&pageoffset=1"},"data":[]}`)
	})
	_, err := fakeClient(t, fake, client.SessionID(secretSession)).
		ListAPIAccessTokens(context.Background(), client.TokenFilter{UserID: "1"})
	var unexpected *client.UnexpectedResponseError
	if !errors.Is(err, client.ErrTooManyPages) || !errors.As(err, &unexpected) {
		t.Fatalf("error = %v (%T), want an *UnexpectedResponseError matching ErrTooManyPages", err, err)
	}
	if n := len(v.requests()); n != 100 {
		t.Errorf("%d requests, want 100", n)
	}
}

func TestRevokeWireRequestsAndPartialFailures(t *testing.T) {
	var calls atomic.Int32
	fake, v := scripted(t, false, []string{openapi.OpDeleteAPIAccessTokens, openapi.OpQueryAPIAccessTokens, openapi.OpQueryAPIAccessTokensPage}, func(w http.ResponseWriter, req wireRequest) {
		switch req.Path {
		case "/api/v26.2/vobjects/api_access_token__sys":
			calls.Add(1)
			ids := req.JSON.([]any)
			var results []string
			for _, r := range ids {
				switch id := r.(map[string]any)["id"]; id {
				case "0PI2":
					results = append(results, `{"responseStatus":"FAILURE","errors":[{"type":"INSUFFICIENT_ACCESS","message":"no"}]}`)
				case "0PI3":
					results = append(results, `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"Record not found."}]}`)
				default:
					results = append(results, `{"responseStatus":"SUCCESS","data":{"id":"`+id.(string)+`"}}`)
				}
			}
			reply(w, `{"responseStatus":"SUCCESS","data":[`+strings.Join(results, ",")+`]}`)
		case "/api/v26.2/query": // the lookup of a token Vault would not delete
			if strings.Contains(req.Form.Get("q"), "'0PI2'") {
				reply(w, `{"responseStatus":"SUCCESS","data":[`+record("0PI2", "k", "12345", "active__v")+`]}`)
				return
			}
			reply(w, `{"responseStatus":"SUCCESS","data":[]}`)
		}
	})
	c := fakeClient(t, fake, client.SessionID(secretSession))
	got, err := c.RevokeAPIAccessTokens(context.Background(), "0PI1", "0PI2", "0PI3", "0PI1")
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]client.RevocationStatus{}
	for _, r := range got {
		status[r.ID] = r.Status
	}
	if len(got) != 4 || got[0].ID != "0PI1" || got[3].ID != "0PI1" ||
		status["0PI1"] != client.Revoked || status["0PI2"] != client.NotRevoked || status["0PI3"] != client.NotFound {
		t.Fatalf("results = %+v", got)
	}
	if !errors.Is(got[1].Err, client.ErrorTypeInsufficientAccess) {
		t.Errorf("0PI2: error = %v, want Vault's INSUFFICIENT_ACCESS", got[1].Err)
	}
	del := v.requests()[0]
	want := []any{map[string]any{"id": "0PI1"}, map[string]any{"id": "0PI2"}, map[string]any{"id": "0PI3"}}
	if del.Method != "DELETE" || del.ContentType != "application/json" || !cmp.Equal(want, del.JSON) {
		t.Errorf("delete request = %+v", del)
	}

	// 1001 IDs: three calls of at most 500.
	ids := make([]string, 1001)
	for i := range ids {
		ids[i] = fmt.Sprintf("0PI%d", 1000+i)
	}
	calls.Store(0)
	got, err = c.RevokeAPIAccessTokens(context.Background(), ids...)
	if err != nil || len(got) != 1001 || calls.Load() != 3 {
		t.Errorf("1001 IDs: %d results, %d calls, error %v; want 1001, 3, nil", len(got), calls.Load(), err)
	}
	if _, err := c.RevokeAPIAccessTokens(context.Background(), "0PI1", "'; DELETE"); !errors.Is(err, client.ErrInvalidInput) {
		t.Errorf("a bad ID: error = %v, want an input error", err)
	}
}

// TestRevokeWithAnUnknownOutcome: a dropped delete is an unknown outcome, and says that
// sending it again is safe.
func TestRevokeWithAnUnknownOutcome(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpDeleteAPIAccessTokens, Kind: vaulttest.DropBeforeProcessing})
	_, err := fakeClient(t, fake, sessionOf(t, fake, olivia.Username)).RevokeAPIAccessTokens(context.Background(), "0PI1")
	var unknown *client.UnknownOutcomeError
	if !errors.As(err, &unknown) || unknown.Find != nil || !strings.Contains(err.Error(), "sending the revoke again is safe") {
		t.Fatalf("error = %v", err)
	}
}

func TestRotateStopsWhenStoringFails(t *testing.T) {
	fake, _ := scripted(t, false, []string{openapi.OpQueryAPIAccessTokens, openapi.OpQueryAPIAccessTokensPage, openapi.OpGenerateAPIAccessToken, openapi.OpDeleteAPIAccessTokens}, func(w http.ResponseWriter, req wireRequest) {
		switch {
		case req.Path == "/api/v26.2/query": // the older token, listed first
			reply(w, `{"responseStatus":"SUCCESS","data":[`+record("0PI00000000C001", "k", "12345", "active__v")+`]}`)
			return
		case strings.HasSuffix(req.Path, "api_access_token__sys") && req.Method == "POST":
			reply(w, tokenSuccess)
			return
		}
		t.Errorf("a rotation whose store failed went on: %s %s", req.Method, req.Path)
	})
	c := fakeClient(t, fake, client.SessionID(secretSession))
	rot, err := c.RotateAPIAccessToken(context.Background(), client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "k"}, UserID: "12345",
		Store: func(context.Context, *client.Token) error { return errors.New("secret manager down") },
	})
	if err == nil || !strings.Contains(err.Error(), "nothing was revoked") || !strings.Contains(err.Error(), "secret manager down") {
		t.Fatalf("error = %v", err)
	}
	if rot == nil || rot.New == nil || rot.New.Value.Reveal() != secretToken || len(rot.Revoked) != 0 {
		t.Errorf("rotation = %+v: the new token must be returned, nothing revoked", rot)
	}
}

func TestRotateKeepsTheNewTokenWhenRevokingFails(t *testing.T) {
	fake, v := scripted(t, false, []string{openapi.OpQueryAPIAccessTokens, openapi.OpQueryAPIAccessTokensPage, openapi.OpDeleteAPIAccessTokens, openapi.OpGenerateAPIAccessToken}, func(w http.ResponseWriter, req wireRequest) {
		switch {
		case req.Path == "/api/v26.2/query":
			// Listed before the new token exists: two older ones with its name (C001 expires
			// last, though its ID is the smaller), and one with another name.
			reply(w, `{"responseStatus":"SUCCESS","data":[`+
				strings.Replace(record("0PI00000000C001", "k", "12345", "active__v"), "2026-12-31", "2027-06-30", 1)+`,`+
				record("0PI00000000C002", "k", "12345", "active__v")+`,`+
				record("0PI00000000C004", "other", "12345", "active__v")+`]}`)
		case req.Method == "DELETE":
			reply(w, `{"responseStatus":"EXCEPTION","errors":[{"type":"UNEXPECTED_ERROR","message":"try later"}]}`)
		default:
			reply(w, tokenSuccess)
		}
	})
	var stored *client.Token
	rot, err := fakeClient(t, fake, client.SessionID(secretSession)).RotateAPIAccessToken(context.Background(), client.RotateRequest{
		TokenRequest: client.TokenRequest{Name: "k"}, UserID: "12345", Keep: 1,
		Store: func(_ context.Context, tok *client.Token) error { stored = tok; return nil },
	})
	if !errors.Is(err, client.ErrorTypeUnexpectedError) || rot == nil || rot.New == nil || stored != rot.New {
		t.Fatalf("rotation %+v, error %v: want the stored new token with the revoke's error", rot, err)
	}
	if len(rot.Kept) != 1 || rot.Kept[0].ID != "0PI00000000C001" {
		t.Errorf("kept %+v, want the older token that expires last", rot.Kept)
	}
	del := v.requests()[len(v.requests())-1]
	if !cmp.Equal([]any{map[string]any{"id": "0PI00000000C002"}}, del.JSON) {
		t.Errorf("delete body %v: only the older token with the same name may be revoked", del.JSON)
	}
}

func TestLifecycleInputIsCheckedFirst(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.SessionID(secretSession))
	defer func() {
		if n := fake.Count(""); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	}()
	ctx := context.Background()
	store := func(context.Context, *client.Token) error { return nil }
	for name, call := range map[string]func() error{
		"no filter": func() error { _, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{}); return err },
		"both filters": func() error {
			_, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, UserID: "1"})
			return err
		},
		"bad user": func() error { _, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{UserID: "1 OR 1"}); return err },
		"name with a line": func() error {
			_, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: "a\nb"})
			return err
		},
		"rotate, no store": func() error {
			_, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{TokenRequest: client.TokenRequest{Name: "k"}, Me: true})
			return err
		},
		"rotate, sandbox without its Vault": func() error {
			_, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{TokenRequest: client.TokenRequest{Name: "k"}, Sandbox: "S", Store: store})
			return err
		},
		"rotate, negative keep": func() error {
			_, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{TokenRequest: client.TokenRequest{Name: "k"}, Me: true, Keep: -1, Store: store})
			return err
		},
	} {
		if err := call(); !errors.Is(err, client.ErrInvalidInput) {
			t.Errorf("%s: error = %v, want an input error", name, err)
		}
	}
}
