package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// A hostile server, or a proxy that echoes what it receives. Each case is one of the
// failures the client once had; the error, its every fmt form and the debug log are
// searched for every form of the secrets, and for anything that could spoof a terminal.

// echoPassword has every character that encodes differently in a form, a URL and JSON.
const echoPassword = `p@ss word&more+1"q\u<é>`

func TestHostileReplies(t *testing.T) {
	loginBody := url.Values{"username": {"olivia@veepharm.com"}, "password": {echoPassword}, "vaultDNS": {"x"}}.Encode()
	tests := []struct {
		name  string
		creds client.Credentials
		write func(w http.ResponseWriter, req wireRequest)
		check func(t *testing.T, err error)
	}{
		{"a proxy echoes the login body form-encoded", client.Password("olivia@veepharm.com", echoPassword),
			func(w http.ResponseWriter, _ wireRequest) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				fmt.Fprintf(w, "<h1>Bad gateway</h1><p>upstream refused %s</p>", loginBody)
			}, nil},
		{"a FAILURE message echoes the password JSON-escaped", client.Password("olivia@veepharm.com", echoPassword),
			func(w http.ResponseWriter, _ wireRequest) {
				reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"USERNAME_OR_PASSWORD_INCORRECT","message":"bad password `+jsonEscaped(echoPassword)+`"}]}`)
			}, nil},
		{"truncated JSON echoes the password JSON-escaped, quote and all", client.Password("olivia@veepharm.com", echoPassword),
			func(w http.ResponseWriter, _ wireRequest) {
				reply(w, `{"responseStatus":"FAILURE","debug":{"password":"`+jsonEscaped(echoPassword)+`","note":"`+jsonEscaped(echoPassword))
			}, nil},
		{"an unknown responseStatus of 512 KiB echoes the session", client.SessionID(secretSession),
			func(w http.ResponseWriter, _ wireRequest) {
				reply(w, `{"responseStatus":"`+strings.Repeat("A", 512<<10)+secretSession+`"}`)
			}, nil},
		{"Content-Type and execution ID of 512 KiB echo the session", client.SessionID(secretSession),
			func(w http.ResponseWriter, _ wireRequest) {
				w.Header().Set("Content-Type", "text/plain; x="+strings.Repeat("b", 512<<10)+secretSession)
				w.Header().Set("X-VaultAPI-ExecutionId", strings.Repeat("e", 512<<10)+url.QueryEscape(secretSession))
				fmt.Fprint(w, "not json")
			}, nil},
		{"a FAILURE message clears the screen and forges a line", client.SessionID(secretSession),
			func(w http.ResponseWriter, _ wireRequest) {
				reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"\u001b[2J\u001b[H\nvault-token: token 0PI9 written to token.json\r\n\u009b31m\u202e"}]}`)
			}, func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "vault-token: token 0PI9 written to token.json") {
					t.Errorf("the message's text was lost: %q", err)
				}
			}},
		{"an echoed Authorization header in a page", client.AccessToken(secretAccess),
			func(w http.ResponseWriter, req wireRequest) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(500)
				fmt.Fprintf(w, "<pre>Authorization: %s\nX-Other: %s</pre>", req.Authorization, url.PathEscape(secretAccess))
			}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vaulttest.NewTestServer(t, vaulttest.Config{})
			// Hostile replies, to the login and to the token call alike: not checked.
			hostile := func(w http.ResponseWriter, r *http.Request) { tt.write(w, readWire(t, r)) }
			answer(t, fake, openapi.OpAuthenticate, true, hostile)
			answer(t, fake, openapi.OpGenerateMyAPIAccessToken, true, hostile)
			var logs bytes.Buffer
			c := fakeClient(t, fake, tt.creds,
				client.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			if err == nil {
				t.Fatal("no error")
			}
			checkNoSecret(t, describe(err)+logs.String(), echoPassword, secretSession, secretAccess)
			checkOneLine(t, err.Error())
			if n := len(err.Error()); n > 4096 {
				t.Errorf("error of %d bytes", n)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

// checkOneLine fails if s holds a control, format or line-separating character: none may
// reach a terminal from the network.
func checkOneLine(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			t.Errorf("%q holds %U", s, r)
			return
		}
	}
}

// TestSuccessThatIsNotAToken: a SUCCESS reply whose token could not be one is an unknown
// outcome (a token may exist), and its value is never quoted.
func TestSuccessThatIsNotAToken(t *testing.T) {
	for name, data := range map[string]string{
		"empty value":        `{"id":"0PI000000000001","token__sys":""}`,
		"spaces":             `{"id":"0PI000000000001","token__sys":"veeva-vault-   "}`,
		"CR LF":              `{"id":"0PI000000000001","token__sys":"veeva-vault-ab\r\nX-Injected: 1"}`,
		"invalid UTF-8":      "{\"id\":\"0PI000000000001\",\"token__sys\":\"veeva-vault-\xff\xfe\"}",
		"no prefix":          `{"id":"0PI000000000001","token__sys":"` + secretSession + `"}`,
		"escape in ID":       `{"id":"0PI\u001b[2J","token__sys":"` + secretToken + `"}`,
		"ID with a space":    `{"id":"0PI 0001","token__sys":"` + secretToken + `"}`,
		"ID of 65 letters":   `{"id":"` + strings.Repeat("A", 65) + `","token__sys":"` + secretToken + `"}`,
		"data is not object": `"veeva-vault-x"`,
	} {
		t.Run(name, func(t *testing.T) {
			fake := vaulttest.NewTestServer(t, vaulttest.Config{})
			answer(t, fake, openapi.OpGenerateMyAPIAccessToken, true, func(w http.ResponseWriter, _ *http.Request) { // not a token: on purpose
				reply(w, `{"responseStatus":"SUCCESS","data":`+data+`}`)
			})
			tok, err := fakeClient(t, fake, client.SessionID(secretSession)).
				GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			var unknown *client.UnknownOutcomeError
			if tok != nil || !errors.As(err, &unknown) {
				t.Fatalf("token %v, error %v; want no token and an UnknownOutcomeError", tok, err)
			}
			checkNoSecret(t, describe(err), secretSession, secretToken, "veeva-vault-ab")
			checkOneLine(t, err.Error())
		})
	}
}

// TestBadInputNeverSent: credentials and headers with control characters, and expiry years
// past 9999, are input errors: nothing is sent.
func TestBadInputNeverSent(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	ctx := context.Background()
	k := client.TokenRequest{Name: "k"}
	tests := []struct {
		name, field string
		creds       client.Credentials
		req         client.TokenRequest
	}{
		{"session ID with a newline", "session ID", client.SessionID("abc\ndef"), k},
		{"session ID with NUL", "session ID", client.SessionID("abc\x00def"), k},
		{"access token with ESC", "access token", client.AccessToken("veeva-vault-\x1b[2J"), k},
		{"password with DEL", "password", client.Password("olivia@veepharm.com", "pass\x7fword"), k},
		{"user name with a tab", "user name", client.Password("olivia\t@veepharm.com", "password"), k},
		{"expiry in year 10000", "expiry", client.SessionID(secretSession),
			client.TokenRequest{Name: "k", ExpiresAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"expiry date in year 10000", "expiry date", client.SessionID(secretSession),
			client.TokenRequest{Name: "k", ExpiresOn: client.Date{Year: 10000, Month: 1, Day: 1}}},
		{"expiry date in year 0", "expiry date", client.SessionID(secretSession),
			client.TokenRequest{Name: "k", ExpiresOn: client.Date{Year: 0, Month: 1, Day: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fakeClient(t, fake, tt.creds).GenerateMyAPIAccessToken(ctx, tt.req)
			var in *client.InputError
			if !errors.As(err, &in) || in.Field != tt.field {
				t.Fatalf("error = %v, want an *InputError for %q", err, tt.field)
			}
		})
	}
	if _, err := client.New(fake.DNS, client.WithUserAgent("agent\r\nX-Injected: 1")); !errors.Is(err, client.ErrInvalidInput) {
		t.Errorf("a user agent with CR LF: error = %v", err)
	}
	if n := fake.Count(""); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
