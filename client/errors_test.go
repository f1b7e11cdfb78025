package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		want     *client.APIError
		matches  []error
		excludes []error
	}{{
		name: "FAILURE with two errors",
		body: `{"responseStatus":"FAILURE","errors":[{"type":"PARAMETER_REQUIRED","message":"Missing required parameter [name__v]"},{"type":"INVALID_DATA","message":"bad"}]}`,
		want: &client.APIError{
			Op: openapi.OpGenerateMyAPIAccessToken, HTTPStatus: 200, Status: "FAILURE",
			Errors: []client.Message{{"PARAMETER_REQUIRED", "Missing required parameter [name__v]"}, {"INVALID_DATA", "bad"}},
		},
		matches:  []error{client.ErrorTypeParameterRequired, client.ErrorTypeInvalidData},
		excludes: []error{client.ErrorTypeInvalidSessionID, client.ErrInvalidInput},
	}, {
		name: "EXCEPTION",
		body: `{"responseStatus":"EXCEPTION","responseMessage":"Something went wrong","errors":[{"type":"UNEXPECTED_ERROR","message":"oops"}]}`,
		want: &client.APIError{
			Op: openapi.OpGenerateMyAPIAccessToken, HTTPStatus: 200, Status: "EXCEPTION", ResponseMessage: "Something went wrong",
			Errors: []client.Message{{"UNEXPECTED_ERROR", "oops"}},
		},
		matches: []error{client.ErrorTypeUnexpectedError},
	}, {
		name: "an error type the client does not know is carried through",
		body: `{"responseStatus":"FAILURE","errors":[{"type":"TOKEN_LIMIT_REACHED_2027","message":"25 active tokens"}],"errorType":"SOMETHING_NEW"}`,
		want: &client.APIError{
			Op: openapi.OpGenerateMyAPIAccessToken, HTTPStatus: 200, Status: "FAILURE", ErrorType: "SOMETHING_NEW",
			Errors: []client.Message{{"TOKEN_LIMIT_REACHED_2027", "25 active tokens"}},
		},
		matches:  []error{client.ErrorType("TOKEN_LIMIT_REACHED_2027"), client.ErrorType("SOMETHING_NEW")},
		excludes: []error{client.ErrorTypeOperationNotAllowed},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vaulttest.NewTestServer(t, vaulttest.Config{})
			answer(t, fake, openapi.OpGenerateMyAPIAccessToken, false, func(w http.ResponseWriter, _ *http.Request) { reply(w, tt.body) })
			_, err := fakeClient(t, fake, client.SessionID(secretSession)).
				GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want *APIError", err)
			}
			tt.want.Response = client.Response{HTTPStatus: 200, ExecutionID: "exec-1", BurstLimit: 2000, BurstLimitRemaining: 1999}
			if diff := cmp.Diff(tt.want, apiErr); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			for _, m := range tt.matches {
				if !errors.Is(err, m) {
					t.Errorf("errors.Is(err, %v) = false", m)
				}
			}
			for _, m := range tt.excludes {
				if errors.Is(err, m) {
					t.Errorf("errors.Is(err, %v) = true", m)
				}
			}
			if !strings.Contains(err.Error(), "exec-1") {
				t.Errorf("error %q does not name the execution ID", err)
			}
			var unknown *client.UnknownOutcomeError
			if errors.As(err, &unknown) {
				t.Error("a refusal from Vault is a known outcome")
			}
		})
	}
}

// TestUnreadableReplies: a token POST whose reply cannot be read may have created a token,
// so it is an UnknownOutcomeError (wrapping the UnexpectedResponseError) and is not retried.
// The same reply to the version list is a plain UnexpectedResponseError.
func TestUnreadableReplies(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		ctype      string
		body       string
		wantReason string
		wantExcerp string
	}{
		{"gateway HTML page", 502, "text/html", "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1></body></html>", "came from something in between", "502 Bad Gateway 502 Bad Gateway"},
		{"200 with HTML", 200, "text/html", "<p>Maintenance\x07 window</p>", "not JSON", "Maintenance window"},
		{"truncated JSON", 200, "application/json", `{"responseStatus":"SUCCESS","data":{"id":"0PI`, "malformed JSON", `{"responseStatus":"SUCCESS","data":{"id":"0PI`},
		{"unknown status", 200, "application/json", `{"responseStatus":"MAYBE"}`, `unknown responseStatus "MAYBE"`, `{"responseStatus":"MAYBE"}`},
		{"SUCCESS without data", 200, "application/json", `{"responseStatus":"SUCCESS"}`, "SUCCESS without a token", ""},
		{"oversized body", 200, "application/json", `{"responseStatus":"SUCCESS","pad":"` + strings.Repeat("x", 5000) + `"}`, "larger than 2048 bytes", ""},
		{"redirect", 302, "text/html", "moved", "came from something in between", "moved"},
		{"two statuses", 200, "application/json", `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA"}],"responseStatus":"SUCCESS","data":{"id":"0PI1","token__sys":"veeva-vault-x"}}`, "responseStatus appears more than once", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vaulttest.NewTestServer(t, vaulttest.Config{})
			// Every reply here is one Vault does not send: on purpose.
			unreadable := func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.Header().Set("X-VaultAPI-ExecutionId", "exec-2")
				if tt.status == 302 {
					w.Header().Set("Location", "https://elsewhere.example/steal")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}
			answer(t, fake, openapi.OpGenerateMyAPIAccessToken, true, unreadable)
			answer(t, fake, openapi.OpRetrieveAPIVersions, true, unreadable)
			c := fakeClient(t, fake, client.SessionID(secretSession), client.WithMaxReplySize(2048))
			_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			var unknown *client.UnknownOutcomeError
			var unexpected *client.UnexpectedResponseError
			if !errors.As(err, &unknown) || !errors.As(err, &unexpected) {
				t.Fatalf("error = %v, want UnknownOutcomeError wrapping UnexpectedResponseError", err)
			}
			if !strings.Contains(unexpected.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", unexpected.Reason, tt.wantReason)
			}
			if tt.wantExcerp != "" && unexpected.Excerpt != tt.wantExcerp {
				t.Errorf("excerpt = %q, want %q", unexpected.Excerpt, tt.wantExcerp)
			}
			if tt.name != "SUCCESS without data" && unexpected.Response.ExecutionID != "exec-2" {
				t.Errorf("execution ID = %q", unexpected.Response.ExecutionID)
			}
			if n := fake.Count(openapi.OpGenerateMyAPIAccessToken); n != 1 {
				t.Errorf("token POST sent %d times, want exactly 1 (no retry)", n)
			}
			if tt.name == "SUCCESS without data" || tt.name == "oversized body" {
				return
			}
			// The version list is not a one-shot call: the same reply is a plain error.
			_, err = c.APIVersions(context.Background())
			if !errors.As(err, &unexpected) || errors.As(err, &unknown) {
				t.Errorf("versions error = %v, want a plain UnexpectedResponseError", err)
			}
		})
	}
}

func TestExcerptIsShort(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	answer(t, fake, openapi.OpRetrieveAPIVersions, true, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(503)
		fmt.Fprint(w, strings.Repeat("é", 3000))
	})
	_, err := fakeClient(t, fake, client.SessionID(secretSession)).APIVersions(context.Background())
	var unexpected *client.UnexpectedResponseError
	if !errors.As(err, &unexpected) {
		t.Fatalf("error = %v", err)
	}
	if n := len([]rune(unexpected.Excerpt)); n > 161 {
		t.Errorf("excerpt has %d runes", n)
	}
}

// TestDroppedConnection: the server reads the request, then drops the connection. The
// token may exist: UnknownOutcomeError, sent once.
func TestDroppedConnection(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateAPIAccessToken, Kind: vaulttest.DropBeforeProcessing})
	_, err := fakeClient(t, fake, sessionOf(t, fake, olivia.Username)).
		GenerateAPIAccessToken(context.Background(), "12345", client.TokenRequest{Name: "k"})
	var unknown *client.UnknownOutcomeError
	if !errors.As(err, &unknown) {
		t.Fatalf("error = %v, want *UnknownOutcomeError", err)
	}
	if !strings.Contains(err.Error(), "may have been created") {
		t.Errorf("error %q does not tell the caller the token may exist", err)
	}
	if n := fake.Count(openapi.OpGenerateAPIAccessToken); n != 1 {
		t.Errorf("token POST sent %d times, want 1", n)
	}
}

// TestTimeoutAfterSend: the caller's deadline passes while Vault works on the request, so
// a token may exist. In a bubble, the deadline can only pass after the request reached the
// fake, never during the TLS handshake of a busy machine.
func TestTimeoutAfterSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := memoryFake(t, vaulttest.Config{})
		session, err := fake.SessionFor(loginUser)
		if err != nil {
			t.Fatal(err)
		}
		_ = fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err = fakeClient(t, fake, client.SessionID(session)).GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"})
		var unknown *client.UnknownOutcomeError
		if !errors.As(err, &unknown) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want UnknownOutcomeError wrapping context.DeadlineExceeded (the fake received %d token requests, made %d tokens)",
				err, fake.Count(openapi.OpGenerateMyAPIAccessToken), len(fake.Tokens()))
		}
		if n := fake.Count(openapi.OpGenerateMyAPIAccessToken); n != 1 {
			t.Errorf("the fake received %d token requests, want 1", n)
		}
	})
}

// TestNotSent: nothing listens, so nothing was sent: a plain network error, not unknown.
func TestNotSent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dns := l.Addr().String()
	l.Close()
	c, err := client.New(dns, client.WithCredentials(client.SessionID(secretSession)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var unknown *client.UnknownOutcomeError
	var opErr *net.OpError
	if err == nil || errors.As(err, &unknown) || !errors.As(err, &opErr) {
		t.Fatalf("error = %v, want a *net.OpError and no UnknownOutcomeError", err)
	}
}

// TestRedirectIsNotFollowed: credentials must not travel to the redirect's host.
func TestRedirectIsNotFollowed(t *testing.T) {
	other := vaulttest.NewTestServer(t, vaulttest.Config{})
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	answer(t, fake, openapi.OpRetrieveAPIVersions, true, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+other.DNS+"/api/", http.StatusTemporaryRedirect)
	})
	_, err := fakeClient(t, fake, client.SessionID(secretSession)).APIVersions(context.Background())
	var unexpected *client.UnexpectedResponseError
	if !errors.As(err, &unexpected) || unexpected.HTTPStatus != 307 {
		t.Fatalf("error = %v, want an UnexpectedResponseError with HTTP 307", err)
	}
	if n := other.Count(""); n != 0 {
		t.Errorf("the redirect target received %d requests", n)
	}
}
