package client_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
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

// Tests that must shape Vault's replies by hand (a hostile reply, an error shape, an echo
// of a secret) run against the fake Vault with every call answered by a HandReply fault:
// vaulttest routes the request, checks it against the spec, counts connections; the test
// reads the request as sent (unmasked, as wireRequest) and writes the reply.

// wireRequest is a request as the client sent it, in the form tests compare with go-cmp.
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

// handVault is a vaulttest fake whose every reply handle writes.
type handVault struct {
	t    *testing.T
	fake *vaulttest.Server

	mu   sync.Mutex
	reqs []wireRequest
}

func newTestVault(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, req wireRequest)) *handVault {
	t.Helper()
	v := &handVault{t: t, fake: vaulttest.NewTestServer(t, vaulttest.Config{})}
	_ = v.fake.Inject(vaulttest.Fault{Kind: vaulttest.HandReply, Repeat: true, Reply: func(w http.ResponseWriter, r *http.Request) {
		req := v.read(r)
		v.mu.Lock()
		v.reqs = append(v.reqs, req)
		v.mu.Unlock()
		handle(w, r, req)
	}})
	return v
}

func (v *handVault) read(r *http.Request) wireRequest {
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
			v.t.Errorf("request body is not JSON: %v", err)
		}
	}
	return req
}

func (v *handVault) dns() string { return v.fake.DNS }

func (v *handVault) requests() []wireRequest {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]wireRequest(nil), v.reqs...)
}

func (v *handVault) count(pathSuffix string) int {
	n := 0
	for _, r := range v.requests() {
		if strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

// connections are the connections the fake accepted.
func (v *handVault) connections() int { return v.fake.Connections() }

// newClient returns a client for v that trusts its certificate.
func (v *handVault) newClient(opts ...client.Option) *client.Client {
	v.t.Helper()
	opts = append([]client.Option{client.WithHTTPClient(v.fake.Client())}, opts...)
	c, err := client.New(v.dns(), opts...)
	if err != nil {
		v.t.Fatalf("client.New: %v", err)
	}
	return c
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

// vaultLike answers logins, version lists and token calls successfully.
func vaultLike(dns func() string) func(http.ResponseWriter, *http.Request, wireRequest) {
	return func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		switch {
		case strings.HasSuffix(req.Path, "/auth"), strings.HasPrefix(req.Path, oauthLoginPath):
			reply(w, authSuccess(dns()))
		case req.Path == "/api/":
			reply(w, `{"responseStatus":"SUCCESS","values":{"v26.2":"x","v26.1":"x","v25.3":"x"}}`)
		default:
			reply(w, tokenSuccess)
		}
	}
}
