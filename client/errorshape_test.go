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
	html502 := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-VaultAPI-ExecutionId", "exec-9")
		w.WriteHeader(502)
	}
	login := func(next func(w http.ResponseWriter, req wireRequest)) func(*handVault) func(http.ResponseWriter, *http.Request, wireRequest) {
		return func(v *handVault) func(http.ResponseWriter, *http.Request, wireRequest) {
			return func(w http.ResponseWriter, _ *http.Request, req wireRequest) {
				if strings.HasSuffix(req.Path, "/auth") {
					reply(w, authSuccess(v.dns()))
					return
				}
				next(w, req)
			}
		}
	}
	always := func(f func(w http.ResponseWriter, req wireRequest)) func(*handVault) func(http.ResponseWriter, *http.Request, wireRequest) {
		return func(*handVault) func(http.ResponseWriter, *http.Request, wireRequest) {
			return func(w http.ResponseWriter, _ *http.Request, req wireRequest) { f(w, req) }
		}
	}
	password := client.Password("olivia@veepharm.com", secretPassword)
	session := client.SessionID(secretSession)
	failedSource := client.SessionIDFrom(client.SecretFunc(func(context.Context) (client.Secret, error) {
		return client.Secret{}, errors.New("secret manager unreachable")
	}))

	tests := []struct {
		name   string
		server func(*handVault) func(http.ResponseWriter, *http.Request, wireRequest)
		creds  client.Credentials
		opts   []client.Option
		call   func(*client.Client) error
		// twice: the error of the second call (a remembered login)
		twice bool
		// oauth: log in with OAuth at the test server instead of with creds
		oauth bool
	}{
		{"FAILURE", always(func(w http.ResponseWriter, _ wireRequest) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_DATA","message":"bad"}]}`)
		}), session, nil, mine(ctx, k), false, false},
		{"refused login", always(func(w http.ResponseWriter, _ wireRequest) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"USERNAME_OR_PASSWORD_INCORRECT"}],"errorType":"AUTHENTICATION_FAILED"}`)
		}), password, nil, mine(ctx, k), false, false},
		{"remembered refusal", always(func(w http.ResponseWriter, _ wireRequest) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"USER_LOCKED_OUT"}]}`)
		}), password, nil, mine(ctx, k), true, false},
		{"pause after a failed login", always(func(w http.ResponseWriter, _ wireRequest) { html502(w) }),
			password, nil, mine(ctx, k), true, false},
		{"wrong Vault", always(func(w http.ResponseWriter, _ wireRequest) { reply(w, authSuccess("other.veevavault.com")) }),
			password, nil, mine(ctx, k), false, false},
		{"no session in the reply", always(func(w http.ResponseWriter, _ wireRequest) { reply(w, `{"responseStatus":"SUCCESS"}`) }),
			password, nil, mine(ctx, k), false, false},
		{"unexpected reply", login(func(w http.ResponseWriter, _ wireRequest) { html502(w) }),
			password, nil, func(c *client.Client) error { _, err := c.APIVersions(ctx); return err }, false, false},
		{"unknown outcome: unexpected reply", login(func(w http.ResponseWriter, _ wireRequest) { html502(w) }),
			password, nil, mine(ctx, k), false, false},
		{"unknown outcome: dropped", login(func(w http.ResponseWriter, _ wireRequest) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}), session, nil, mine(ctx, k), false, false},
		{"unknown outcome: not a token", login(func(w http.ResponseWriter, _ wireRequest) {
			reply(w, `{"responseStatus":"SUCCESS","data":{"id":"1","token__sys":"nope"}}`)
		}), session, nil, mine(ctx, k), false, false},
		{"input: a method's argument", nil, session, nil,
			func(c *client.Client) error { _, err := c.GenerateAPIAccessToken(ctx, "x", k); return err }, false, false},
		{"input: no credentials", nil, client.Credentials{}, nil, mine(ctx, k), false, false},
		{"input: an empty session from a source", nil, client.SessionIDFrom(client.SecretFunc(func(context.Context) (client.Secret, error) {
			return client.Secret{}, nil
		})), nil, mine(ctx, k), false, false},
		{"input: a version older than tokens", nil, session, []client.Option{client.WithAPIVersion("v25.3")}, mine(ctx, k), false, false},
		{"a failed secret source", nil, failedSource, nil, mine(ctx, k), false, false},
		{"unsupported version", login(func(w http.ResponseWriter, _ wireRequest) {
			reply(w, `{"responseStatus":"SUCCESS","values":{"v26.2":"u"}}`)
		}), session, []client.Option{client.WithAPIVersion("v26.3"), client.WithAPIVersionCheck()}, mine(ctx, k), false, false},
		{"OAuth: refused token, remembered", always(func(w http.ResponseWriter, _ wireRequest) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"EXPIRED_TOKEN","message":"expired"}],"errorType":"AUTHENTICATION_FAILED"}`)
		}), client.Credentials{}, nil, mine(ctx, k), true, true},
		{"OAuth: wrong Vault", always(func(w http.ResponseWriter, _ wireRequest) { reply(w, authSuccess("other.veevavault.com")) }),
			client.Credentials{}, nil, mine(ctx, k), false, true},
	}
	var all []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v *handVault
			v = newTestVault(t, func(w http.ResponseWriter, r *http.Request, req wireRequest) {
				if tt.server == nil {
					t.Errorf("unexpected request %s", req.Path)
					return
				}
				tt.server(v)(w, r, req)
			})
			creds := tt.creds
			if tt.oauth {
				creds = client.OAuth("p", client.StaticSecret(secretIdPToken), client.OAuthLoginHost(v.dns()))
			}
			opts := append([]client.Option{client.WithCredentials(creds)}, tt.opts...)
			if creds == (client.Credentials{}) {
				opts = tt.opts
			}
			c := v.newClient(opts...)
			err := tt.call(c)
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
