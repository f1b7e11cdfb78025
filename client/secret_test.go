package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

var allSecrets = []string{secretSession, secretPassword, secretToken, secretAccess}

// output collects everything a test printed or returned, to be searched for secrets.
type output struct{ bytes.Buffer }

// formats are every fmt verb with each flag: fmt handles some (%p, a bad verb) before it
// asks the value to format itself, and those paths must find nothing either.
var formats = func() []string {
	var out []string
	for verb := 'A'; verb <= 'z'; verb++ {
		if verb > 'Z' && verb < 'a' {
			continue
		}
		for _, flag := range []string{"", "+", "#", " ", "0", "-", "12", ".3"} {
			out = append(out, "%"+flag+string(verb))
		}
	}
	return out
}()

func (o *output) add(vs ...any) {
	for _, v := range vs {
		for _, f := range formats {
			fmt.Fprintf(o, f+"\n", v)
		}
		if b, err := json.Marshal(v); err == nil {
			o.Write(b)
		}
		if b, err := xml.Marshal(v); err == nil {
			o.Write(b)
		}
		o.WriteString("\n")
	}
}

func (o *output) check(t *testing.T) {
	t.Helper()
	checkNoSecret(t, o.String(), allSecrets...)
}

func TestSecretPrintsRedacted(t *testing.T) {
	s := client.NewSecret(secretToken)
	tok := client.Token{ID: "0PI000000000001", Value: s}
	var o output
	o.add(s, &s, struct{ Value client.Secret }{s}, []client.Secret{s}, map[string]client.Secret{"k": s},
		tok, &tok, []client.Token{tok},
		client.SessionID(secretSession), client.AccessToken(secretAccess), client.Password("olivia@veepharm.com", secretPassword))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "secret", s)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "secret", s)
	o.Write(logs.Bytes())
	o.check(t)
	if !strings.Contains(o.String(), "[REDACTED]") {
		t.Error("redacted marker missing")
	}
	if s.Reveal() != secretToken {
		t.Error("Reveal lost the value")
	}
}

// TestSecretsNeverLeak drives every error path with known secret values, with a server that
// echoes them back in messages and pages, and searches every error, every printed result
// and the debug log.
func TestSecretsNeverLeak(t *testing.T) {
	// The server echoes back the secrets the client sent it, as a careless proxy might.
	replies := map[string]func(w http.ResponseWriter, echo string){
		"failure echoing secrets": func(w http.ResponseWriter, echo string) {
			reply(w, `{"responseStatus":"FAILURE","responseMessage":"`+echo+`","errorType":"`+echo+`","errors":[{"type":"INVALID_DATA","message":"`+echo+`"}]}`)
		},
		"exception": func(w http.ResponseWriter, echo string) {
			reply(w, `{"responseStatus":"EXCEPTION","errors":[{"type":"UNEXPECTED_ERROR","message":"`+echo+`"}]}`)
		},
		"html page echoing secrets": func(w http.ResponseWriter, echo string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<h1>Bad gateway</h1><pre>Authorization: "+echo+"</pre>")
		},
		"truncated json": func(w http.ResponseWriter, echo string) {
			reply(w, `{"responseStatus":"SUCCESS","data":{"token__sys":"`+secretToken)
		},
		"invalid session": func(w http.ResponseWriter, echo string) {
			reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_SESSION_ID","message":"session `+echo+` expired"}]}`)
		},
		"success": func(w http.ResponseWriter, echo string) { reply(w, tokenSuccess) },
		"warning": func(w http.ResponseWriter, echo string) {
			reply(w, `{"responseStatus":"WARNING","warnings":[{"type":"W","message":"`+echo+`"}],"data":{"id":"1","token__sys":"`+secretToken+`"}}`)
		},
		"dropped": func(w http.ResponseWriter, echo string) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		},
	}
	creds := map[string]client.Credentials{
		"session":  client.SessionID(secretSession),
		"token":    client.AccessToken(secretAccess),
		"password": client.Password("olivia@veepharm.com", secretPassword),
	}
	var o output
	for rname, write := range replies {
		for cname, cred := range creds {
			for _, login := range []string{"login ok", "login echoes"} {
				// Echoes of what the client sent: hostile, not checked. The login is scripted
				// too, so that the session it gives is one the search knows.
				fake := vaulttest.NewTestServer(t, vaulttest.Config{})
				handle := func(w http.ResponseWriter, r *http.Request) {
					req := readWire(t, r)
					echo := strings.Join([]string{req.Authorization, strings.TrimPrefix(req.Authorization, "Bearer "), req.Form.Get("password")}, " ")
					if strings.HasSuffix(req.Path, "/auth") && login == "login ok" {
						reply(w, authSuccess(fake.DNS))
						return
					}
					write(w, echo)
				}
				for _, op := range []string{openapi.OpAuthenticate, openapi.OpGenerateAPIAccessToken, openapi.OpRetrieveAPIVersions} {
					answer(t, fake, op, true, handle)
				}
				var logs bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c := fakeClient(t, fake, cred, client.WithLogger(logger))
				tok, err := c.GenerateAPIAccessToken(context.Background(), "12345", client.TokenRequest{Name: "k"})
				list, verr := c.APIVersions(context.Background())
				if err != nil {
					o.WriteString(err.Error() + "\n")
				}
				o.add(tok, err, list, verr, c, cred)
				o.Write(logs.Bytes())
				if tok != nil && tok.Value.Reveal() != secretToken {
					t.Errorf("%s/%s: token value lost", rname, cname)
				}
				if rname != "success" && rname != "warning" && err == nil {
					t.Errorf("%s/%s/%s: no error", rname, cname, login)
				}
			}
		}
	}
	o.check(t)
	if !strings.Contains(o.String(), "vault request") {
		t.Error("the debug log was not collected")
	}
}
