package client_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acme/vault-token/client"
)

// Values the tests use as secrets: every test output is searched for them.
const (
	secretSession  = "SESSION-7f3a9c2e11b04d5e8a6f"
	secretPassword = "hunter2-correct-horse"
	secretToken    = "veeva-vault-0e5c2b7a9d1f4e3c8b6a"
	secretAccess   = "veeva-vault-access-41d8cd98f00b"
)

// wireRequest is what a test server saw, in the form tests compare with go-cmp.
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

// testVault is an httptest TLS server mounted under /api/{version}/ (and /api/ for the
// version list, and /auth/oauth/session/ for OAuth logins), so a client that builds a wrong
// base path gets a 404 page. Each test scripts the replies with handle.
type testVault struct {
	t       *testing.T
	srv     *httptest.Server
	version string

	conns atomic.Int32 // TCP connections accepted

	mu     sync.Mutex
	reqs   []wireRequest
	handle func(w http.ResponseWriter, r *http.Request, req wireRequest)
}

func newTestVault(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, req wireRequest)) *testVault {
	t.Helper()
	v := &testVault{t: t, version: client.DefaultAPIVersion, handle: handle}
	v.srv = httptest.NewUnstartedServer(http.HandlerFunc(v.serve))
	// Tests that drop connections on purpose would fill the log with handshake errors.
	v.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	v.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			v.conns.Add(1)
		}
	}
	v.srv.StartTLS()
	t.Cleanup(v.srv.Close)
	return v
}

func (v *testVault) serve(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if path != "/api/" && !strings.HasPrefix(path, "/api/"+v.version+"/") && !strings.HasPrefix(path, oauthLoginPath) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><body>404 Not Found</body></html>")
		return
	}
	req := wireRequest{
		Method:        r.Method,
		Path:          path,
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
	v.mu.Lock()
	v.reqs = append(v.reqs, req)
	v.mu.Unlock()
	v.handle(w, r, req)
}

func (v *testVault) dns() string { return v.srv.Listener.Addr().String() }

func (v *testVault) requests() []wireRequest {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]wireRequest(nil), v.reqs...)
}

func (v *testVault) count(pathSuffix string) int {
	n := 0
	for _, r := range v.requests() {
		if strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

// newClient returns a client for v that trusts its certificate.
func (v *testVault) newClient(opts ...client.Option) *client.Client {
	v.t.Helper()
	opts = append([]client.Option{client.WithHTTPClient(v.srv.Client())}, opts...)
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
