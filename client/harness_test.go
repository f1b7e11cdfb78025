package client_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
)

// Values the tests use as secrets: every test output is searched for them.
const (
	secretSession  = "SESSION-7f3a9c2e11b04d5e8a6f"
	secretPassword = "hunter2-correct-horse"
	secretToken    = "veeva-vault-0e5c2b7a9d1f4e3c8b6a"
	secretAccess   = "veeva-vault-access-41d8cd98f00b"
)

// Tests run against the one fake Vault, vaulttest, and its own behaviour (users,
// logins, tokens, sessions, faults). A test that must shape a reply by hand (a hostile
// reply, an error shape, an echo of a secret) answers the one operation it is about with
// answer; every other call is the fake's own.

// wireRequest is a request as the client sent it, unmasked, in the form tests compare with
// go-cmp (vaulttest's records mask credentials).
type wireRequest struct {
	Method        string
	Path          string // escaped, as sent
	ContentType   string
	Authorization string
	ClientID      string
	Accept        string
	UserAgent     string
	Query         string     // the raw query string
	Form          url.Values // for form bodies
	JSON          any        // for JSON bodies
}

// readWire reads r, inside a hand-written reply, as sent.
func readWire(t *testing.T, r *http.Request) wireRequest {
	req := wireRequest{
		Method:        r.Method,
		Path:          r.URL.EscapedPath(),
		ContentType:   r.Header.Get("Content-Type"),
		Authorization: r.Header.Get("Authorization"),
		ClientID:      r.Header.Get("X-VaultAPI-ClientID"),
		Accept:        r.Header.Get("Accept"),
		UserAgent:     r.Header.Get("User-Agent"),
		Query:         r.URL.RawQuery,
	}
	body, _ := io.ReadAll(r.Body)
	if mt, _, _ := mime.ParseMediaType(req.ContentType); mt == "application/x-www-form-urlencoded" {
		req.Form, _ = url.ParseQuery(string(body))
	} else if mt == "application/json" {
		if err := json.Unmarshal(body, &req.JSON); err != nil {
			t.Errorf("request body is not JSON: %v", err)
		}
	}
	return req
}

// answer makes fake answer every call of op with write; every other call is the fake's
// own. breaksSpec says the reply breaks the spec on purpose (hostile, malformed); without
// it the fake checks the reply against the spec like its own.
func answer(t *testing.T, fake *vaulttest.Server, op string, breaksSpec bool, write func(w http.ResponseWriter, r *http.Request)) {
	t.Helper()
	_ = fake.Inject(vaulttest.Fault{Op: op, Kind: vaulttest.HandReply, Repeat: true, BreaksSpec: breaksSpec, Reply: write})
}

// olivia is the fake's default administrator, whose password logs in.
var olivia = vaulttest.DefaultUsers()[0]

// sessionOf is a session of the fake's for user, as a credential.
func sessionOf(t *testing.T, fake *vaulttest.Server, user string) client.Credentials {
	t.Helper()
	s, err := fake.SessionFor(user)
	if err != nil {
		t.Fatal(err)
	}
	return client.SessionID(s)
}

// reply writes a Vault JSON reply with the usual headers.
func reply(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("X-VaultAPI-ExecutionId", "exec-1")
	w.Header().Set("X-VaultAPI-BurstLimit", "2000")
	w.Header().Set("X-VaultAPI-BurstLimitRemaining", "1999")
	fmt.Fprint(w, body)
}

const tokenSuccess = `{"responseStatus":"SUCCESS","data":{"id":"0PI00000000C003","token__sys":"` + secretToken + `"}}`

func authSuccess(dns string) string { return authSuccessWith(dns, secretSession) }

func authSuccessWith(dns, session string) string {
	return `{"responseStatus":"SUCCESS","sessionId":"` + session + `","userId":12021,` +
		`"vaultIds":[{"id":1776,"name":"PromoMats","url":"https://` + dns + `/api"}],"vaultId":1776}`
}

const oauthLoginPath = "/auth/oauth/session/"

// script is a test's hand-written answers to a few operations, and the requests they got.
type script struct {
	t    *testing.T
	mu   sync.Mutex
	reqs []wireRequest
}

// scripted starts a fake Vault whose calls of ops are answered by handle, with the request
// as sent; every other call is the fake's own. breaksSpec says the answers break the spec
// on purpose; without it the fake checks them.
func scripted(t *testing.T, breaksSpec bool, ops []string, handle func(w http.ResponseWriter, req wireRequest)) (*vaulttest.Server, *script) {
	t.Helper()
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	s := &script{t: t}
	for _, op := range ops {
		answer(t, fake, op, breaksSpec, func(w http.ResponseWriter, r *http.Request) {
			req := readWire(t, r)
			s.mu.Lock()
			s.reqs = append(s.reqs, req)
			s.mu.Unlock()
			handle(w, req)
		})
	}
	return fake, s
}

// requests are the requests the script answered, in order.
func (s *script) requests() []wireRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wireRequest(nil), s.reqs...)
}
