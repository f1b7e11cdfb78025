package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// errorShape is how every error of the package reads: "vault: <operation>: <what
// happened>", with the prefix once.
var errorShape = regexp.MustCompile(`^vault: (log in|log in with OAuth|list API versions|generate API access token|generate my API access token|generate sandbox API access token|create client|choose API version): \S`)

// TestErrorShape makes each kind of error the package returns and checks its message: one
// "vault: <operation>:" prefix, the execution ID at most once, one line.
func TestErrorShape(t *testing.T) {
	ctx := context.Background()
	k := client.TokenRequest{Name: "k"}
	html502 := func(w http.ResponseWriter) { // as a proxy answers: it breaks the spec
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-VaultAPI-ExecutionId", "exec-9")
		w.WriteHeader(502)
	}
	password := client.Password(olivia.Username, olivia.Password)
	session := client.SessionID(secretSession)
	failedSource := client.SessionIDFrom(client.SecretFunc(func(context.Context) (client.Secret, error) {
		return client.Secret{}, errors.New("secret manager unreachable")
	}))

	tests := []struct {
		name string
		// op, when set, is answered by write, which breaks the spec on purpose if breaks;
		// everything else is the fake's own.
		op     string
		write  func(w http.ResponseWriter)
		breaks bool
		creds  client.Credentials
		opts   []client.Option
		call   func(*client.Client) error
		// twice: the error of the second call (a remembered login)
		twice bool
		// oauth: log in with OAuth at the test server instead of with creds
		oauth bool
	}{
		{"FAILURE", openapi.OpGenerateMyAPIAccessToken, func(w http.ResponseWriter) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"bad"}]}`)
		}, false, session, nil, mine(ctx, k), false, false},
		{"refused login", openapi.OpAuthenticate, func(w http.ResponseWriter) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"USERNAME_OR_PASSWORD_INCORRECT","message":"no"}],"errorType":"AUTHENTICATION_FAILED"}`)
		}, false, password, nil, mine(ctx, k), false, false},
		{"remembered refusal", openapi.OpAuthenticate, func(w http.ResponseWriter) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"USER_LOCKED_OUT","message":"locked"}]}`)
		}, false, password, nil, mine(ctx, k), true, false},
		{"pause after a failed login", openapi.OpAuthenticate, html502, true, password, nil, mine(ctx, k), true, false},
		{"wrong Vault", openapi.OpAuthenticate, func(w http.ResponseWriter) { reply(w, authSuccess("other.veevavault.com")) },
			false, password, nil, mine(ctx, k), false, false},
		{"no session in the reply", openapi.OpAuthenticate, func(w http.ResponseWriter) { reply(w, `{"responseStatus":"SUCCESS"}`) },
			true, password, nil, mine(ctx, k), false, false},
		{"unexpected reply", openapi.OpRetrieveAPIVersions, html502, true,
			password, nil, func(c *client.Client) error { _, err := c.APIVersions(ctx); return err }, false, false},
		{"unknown outcome: unexpected reply", openapi.OpGenerateMyAPIAccessToken, html502, true, password, nil, mine(ctx, k), false, false},
		{"unknown outcome: dropped", openapi.OpGenerateMyAPIAccessToken, func(w http.ResponseWriter) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, true, session, nil, mine(ctx, k), false, false},
		{"unknown outcome: not a token", openapi.OpGenerateMyAPIAccessToken, func(w http.ResponseWriter) {
			reply(w, `{"responseStatus":"SUCCESS","data":{"id":"1","token__sys":"nope"}}`)
		}, true, session, nil, mine(ctx, k), false, false},
		{"input: a method's argument", "", nil, false, session, nil,
			func(c *client.Client) error { _, err := c.GenerateAPIAccessToken(ctx, "x", k); return err }, false, false},
		{"input: no credentials", "", nil, false, client.Credentials{}, nil, mine(ctx, k), false, false},
		{"input: an empty session from a source", "", nil, false, client.SessionIDFrom(client.SecretFunc(func(context.Context) (client.Secret, error) {
			return client.Secret{}, nil
		})), nil, mine(ctx, k), false, false},
		{"input: a version older than tokens", "", nil, false, session, []client.Option{client.WithAPIVersion("v25.3")}, mine(ctx, k), false, false},
		{"a failed secret source", "", nil, false, failedSource, nil, mine(ctx, k), false, false},
		{"unsupported version", openapi.OpRetrieveAPIVersions, func(w http.ResponseWriter) {
			reply(w, `{"responseStatus":"SUCCESS","values":{"v26.2":"https://x/api/v26.2"}}`)
		}, false, session, []client.Option{client.WithAPIVersion("v26.3"), client.WithAPIVersionCheck()}, mine(ctx, k), false, false},
		{"OAuth: refused token, remembered", openapi.OpAuthenticateOAuth, func(w http.ResponseWriter) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"EXPIRED_TOKEN","message":"expired"}],"errorType":"AUTHENTICATION_FAILED"}`)
		}, false, client.Credentials{}, nil, mine(ctx, k), true, true},
		{"OAuth: wrong Vault", openapi.OpAuthenticateOAuth, func(w http.ResponseWriter) { reply(w, authSuccess("other.veevavault.com")) },
			false, client.Credentials{}, nil, mine(ctx, k), false, true},
	}
	var all []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := vaulttest.NewTestServer(t, vaulttest.Config{})
			if tt.op != "" {
				answer(t, fake, tt.op, tt.breaks, func(w http.ResponseWriter, _ *http.Request) { tt.write(w) })
			}
			creds := tt.creds
			if tt.oauth {
				creds = client.OAuth(vaulttest.DefaultOAuthProfileID, client.StaticSecret(secretIdPToken))
			}
			opts := append([]client.Option{client.WithHTTPClient(fake.Client()), client.WithCredentials(creds)}, tt.opts...)
			if creds == (client.Credentials{}) {
				opts = append([]client.Option{client.WithHTTPClient(fake.Client())}, tt.opts...)
			}
			c, err := client.New(fake.DNS, opts...)
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			if tt.twice {
				err = tt.call(c)
			}
			checkShape(t, err)
			all = append(all, err.Error())
		})
	}

	// Errors made without a test server.
	_, err := client.New("https://myvault.veevavault.com")
	checkShape(t, err)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := l.Addr().String()
	l.Close()
	c, _ := client.New(refused, client.WithCredentials(client.SessionID(secretSession)))
	_, err = c.GenerateMyAPIAccessToken(ctx, k)
	checkShape(t, err)

	stalled := vaulttest.NewTestServer(t, vaulttest.Config{})
	_ = stalled.Inject(vaulttest.Fault{Op: openapi.OpAuthenticate, Until: t.Context().Done()}) // a login that never ends
	c = fakeClient(t, stalled, password)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = c.GenerateMyAPIAccessToken(short, k)
	checkShape(t, err) // a caller that stopped waiting for the login
	t.Logf("%d error messages checked, for instance:\n%s", len(all)+3, strings.Join(all[:4], "\n"))
}

func mine(ctx context.Context, req client.TokenRequest) func(*client.Client) error {
	return func(c *client.Client) error { _, err := c.GenerateMyAPIAccessToken(ctx, req); return err }
}

func checkShape(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !errorShape.MatchString(msg) {
		t.Errorf("%q does not read vault: <operation>: ...", msg)
	}
	if n := strings.Count(msg, "vault: "); n != 1 {
		t.Errorf("%q says vault: %d times", msg, n)
	}
	if n := strings.Count(msg, "execution ID"); n > 1 {
		t.Errorf("%q names the execution ID %d times", msg, n)
	}
	checkOneLine(t, msg)
}
