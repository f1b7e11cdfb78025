package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// fuzzSecret is the session ID the fuzzed calls send, with characters that encode
// differently in each echo form.
const fuzzSecret = `S3SSION<&>"q\u+ /é%41`

// echoMarkers turn into a form of fuzzSecret wherever they appear in a fuzzed reply, so
// the fuzzer can echo the secret the ways a server could.
var echoMarkers = strings.NewReplacer(
	"$S", fuzzSecret,
	"$Q", url.QueryEscape(fuzzSecret),
	"$P", url.PathEscape(fuzzSecret),
	"$J", jsonEscaped(fuzzSecret),
	"$H", html.EscapeString(fuzzSecret),
)

// cannedReply is a RoundTripper that answers every request with one reply, in memory.
type cannedReply struct {
	status int
	header http.Header
	body   []byte
}

func (c cannedReply) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: c.status, Header: c.header.Clone(), Body: io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)), Request: r, ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

// FuzzReplyDecoding: whatever a server answers, a call returns a result or one of the
// package's error types, never both; a token returned is a token; and nothing printed (the
// error in every form, its fields, the result, the debug log) holds the session ID the call
// sent, in any form the reply echoed it.
func FuzzReplyDecoding(f *testing.F) {
	f.Add(200, "application/json", `{"responseStatus":"SUCCESS","data":{"id":"0PI000000000001","token__sys":"veeva-vault-abc"}}`, "exec-$S", true)
	f.Add(200, "application/json", `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"echo $S $Q $J"}],"errorType":"$P"}`, "e", true)
	f.Add(200, "application/json", `{"responseStatus":"WARNING","warnings":[{"type":"W","message":"$H"}],"data":{"id":"1","token__sys":"veeva-vault-1"}}`, "", true)
	f.Add(502, "text/html", "<h1>502</h1><pre>Authorization: $S\n$Q</pre>", "", true)
	f.Add(200, "application/json", `{"responseStatus":"$S"}`, "\x1b[2J", true)
	f.Add(200, "application/json", `{"responseStatus":"SUCCESS","values":{"v26.2":"u","$S":"$Q"}}`, "", false)
	f.Add(200, "application/json", `{"responseStatus":"SUCCESS","data":{"id":"0PI","token__sys":"`, "", true)
	f.Fuzz(func(t *testing.T, status int, contentType, body, executionID string, token bool) {
		// Bodies past the size bound have tests of their own; here they would only slow
		// the fuzzer down.
		if status < 100 || status > 999 || len(body) > 64<<10 {
			return
		}
		h := http.Header{}
		h.Set("Content-Type", echoMarkers.Replace(contentType))
		h.Set("X-VaultAPI-ExecutionId", echoMarkers.Replace(executionID))
		var logs bytes.Buffer
		c, err := client.New("vault.example.com",
			client.WithCredentials(client.SessionID(fuzzSecret)),
			client.WithHTTPClient(&http.Client{Transport: cannedReply{status, h, []byte(echoMarkers.Replace(body))}}),
			client.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
		if err != nil {
			t.Fatal(err)
		}
		var result any
		if token {
			var tok *client.Token
			tok, err = c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			if tok != nil {
				result = tok
				if !strings.HasPrefix(tok.Value.Reveal(), "veeva-vault-") || tok.ID == "" {
					t.Errorf("returned a token that is not one: ID %q", tok.ID)
				}
			}
		} else {
			var list *client.VersionList
			if list, err = c.APIVersions(context.Background()); list != nil {
				result = list
			}
		}
		if (result == nil) == (err == nil) {
			t.Fatalf("result %v and error %v: want exactly one", result, err)
		}
		if err != nil {
			checkTypedError(t, err)
			checkOneLine(t, err.Error())
		}
		printed := describe(err) + fmt.Sprintf("%v %+v %#v", result, result, result) + logs.String()
		checkNoEcho(t, printed, fuzzSecret)
	})
}

func checkTypedError(t *testing.T, err error) {
	t.Helper()
	var apiErr *client.APIError
	var unexpected *client.UnexpectedResponseError
	var unknown *client.UnknownOutcomeError
	if !errors.As(err, &apiErr) && !errors.As(err, &unexpected) && !errors.As(err, &unknown) {
		t.Errorf("error %v (%T) is none of the package's error types", err, err)
	}
}

// checkNoEcho fails if text holds the secret in a form the client promises to scrub (raw,
// form- or URL-encoded, JSON- or HTML-escaped) or as %q prints it.
func checkNoEcho(t *testing.T, text, secret string) {
	t.Helper()
	for _, form := range []string{
		secret, url.QueryEscape(secret), url.PathEscape(secret), jsonEscaped(secret),
		html.EscapeString(secret), unquote(strconv.Quote(secret)),
	} {
		if i := strings.Index(text, form); i >= 0 {
			t.Fatalf("the secret appears as %q: ...%s...", form, text[max(0, i-60):min(len(text), i+len(form)+20)])
		}
	}
}

// handlerTransport sends requests straight to a handler, in memory.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// FuzzSandboxRoundTrip: whatever sandbox name the client accepts, the fake Vault receives
// exactly that name, as one path segment.
func FuzzSandboxRoundTrip(f *testing.F) {
	for _, name := range []string{"VeePharm Sandbox", "R&D/QA Sandbox", "a%2Fb", "100% ready?", "#1", "é ü", "..a", ". .", "a/../b", `\`, "x;y=z"} {
		f.Add(name)
	}
	// A fresh fake every 1000 requests: Requests copies what it keeps.
	var fake *vaulttest.Server
	var c *client.Client
	restart := func() {
		if fake != nil {
			fake.Close()
		}
		var err error
		if fake, err = vaulttest.NewServer(vaulttest.Config{Report: func(string) {}}); err != nil {
			f.Fatal(err)
		}
		session, err := fake.SessionFor("olivia@veepharm.com")
		if err != nil {
			f.Fatal(err)
		}
		c, err = client.New(fake.DNS, client.WithCredentials(client.SessionID(session)),
			client.WithHTTPClient(&http.Client{Transport: handlerTransport{fake}}))
		if err != nil {
			f.Fatal(err)
		}
	}
	restart()
	f.Cleanup(func() { fake.Close() })
	f.Fuzz(func(t *testing.T, name string) {
		if fake.Count(openapi.OpGenerateSandboxAPIAccessToken) > 1000 {
			restart()
		}
		// Counted by Count, which counts every request: Requests keeps only the latest.
		before := fake.Count("")
		_, err := c.GenerateSandboxAPIAccessToken(context.Background(), name, client.TokenRequest{Name: "k"})
		if errors.Is(err, client.ErrInvalidInput) {
			if fake.Count("") != before {
				t.Fatal("an input error was sent")
			}
			return
		}
		if n := fake.Count("") - before; n != 1 {
			t.Fatalf("%d requests for one call", n)
		}
		reqs := fake.Requests()
		got := reqs[len(reqs)-1]
		if got.Op != openapi.OpGenerateSandboxAPIAccessToken || got.Params["sandbox_name"] != name {
			t.Fatalf("sent %q, the fake routed it to %q with sandbox_name %q", name, got.Op, got.Params["sandbox_name"])
		}
	})
}

// FuzzTokenFilterQuery: whatever name a list is filtered by, the query the fake reads asks
// exactly the filter (that user, that name, active) and nothing else: no name can change
// the query. The fake reads VQL's escapes as Vault documents them.
func FuzzTokenFilterQuery(f *testing.F) {
	for _, name := range []string{"IntegrationKey", `O'Neil`, `a\b`, `100%`, `x' OR name__v = 'y`, `*`, `''`, `\'`, `é "quoted"`, `name__v`} {
		f.Add(name, true)
	}
	// A burst limit no run reaches: past Vault's 2,000 calls in 5 minutes the fake holds
	// each reply back 500 ms, as Vault does, and a fuzzing worker makes more calls than that.
	fake := vaulttest.NewTestServer(f, vaulttest.Config{Report: func(string) {}, BurstLimit: math.MaxInt32})
	session, err := fake.SessionFor("olivia@veepharm.com")
	if err != nil {
		f.Fatal(err)
	}
	c, err := client.New(fake.DNS, client.WithCredentials(client.SessionID(session)),
		client.WithHTTPClient(&http.Client{Transport: handlerTransport{fake}}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string, activeOnly bool) {
		before := fake.Count("") // Requests keeps only the latest: count with Count
		_, err := c.ListAPIAccessTokens(context.Background(), client.TokenFilter{UserID: "12345", Name: name, All: !activeOnly})
		if errors.Is(err, client.ErrInvalidInput) {
			return
		}
		if err != nil {
			t.Fatalf("name %q: %v", name, err)
		}
		all := fake.Requests()
		reqs := all[len(all)-min(len(all), fake.Count("")-before):]
		want := map[string]string{"user__sys": "12345"}
		if name != "" {
			want["name__v"] = name
		}
		if activeOnly {
			want["status__v"] = "active__v"
		}
		if len(reqs) != 1 || !maps.Equal(reqs[0].QueryFilter, want) {
			t.Fatalf("name %q: the fake read %v from %q, want %v", name, reqs[0].QueryFilter, reqs[0].Form.Get("q"), want)
		}
	})
}
