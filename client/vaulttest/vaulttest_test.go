package vaulttest_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// collector gathers violations instead of failing, for tests that break the spec on purpose.
type collector struct {
	mu sync.Mutex
	v  []string
}

func (c *collector) report(v string) { c.mu.Lock(); c.v = append(c.v, v); c.mu.Unlock() }

// call sends one request to the fake and decodes its JSON reply (nil if it is not JSON).
func call(t *testing.T, s *vaulttest.Server, method, path, auth, ctype, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func post(t *testing.T, s *vaulttest.Server, path, auth, ctype, body string) map[string]any {
	t.Helper()
	return call(t, s, http.MethodPost, path, auth, ctype, body)
}

func TestRequestsThatBreakTheSpecAreReported(t *testing.T) {
	var c collector
	s := vaulttest.NewTestServer(t, vaulttest.Config{Report: c.report})
	session, err := s.SessionFor("olivia@veepharm.com")
	if err != nil {
		t.Fatal(err)
	}
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name, path, ctype, body, wantViolation, wantType string
	}{
		{"missing name", "/api/v26.2/objects/users/me/api_access_token__sys", form, "expiry_date__v=2999-01-01", "name__v", "INVALID_DATA"},
		{"documentation slip: a malformed time", "/api/v26.2/objects/users/me/api_access_token__sys", form,
			"name__v=k&expiry_date__v=2025-12-31T12:00:00:00.000Z", "expiry_date__v", "INVALID_DATA"},
		{"documentation slip: expiry_date__sys, as the docs' curl examples send it", "/api/v26.2/objects/users/me/api_access_token__sys", form,
			"name__v=k&expiry_date__sys=2025-12-31T12:00:00:00.000Z", "expiry_date__sys", "INVALID_DATA"},
		{"a JSON body, which the spec does not describe", "/api/v26.2/objects/users/me/api_access_token__sys", "application/json",
			`{"name__v":"k"}`, "application/json", "INVALID_DATA"},
		{"user ID that is not numeric", "/api/v26.2/objects/users/abc/api_access_token__sys", form, "name__v=k", "user_id", "INVALID_DATA"},
		{"undeclared content type", "/api/v26.2/objects/users/me/api_access_token__sys", "text/plain", "name__v=k", "text/plain", "INVALID_DATA"},
		{"no such operation", "/api/v26.2/objects/users/me/tokens", form, "name__v=k", "no operation", "MALFORMED_URL"},
		{"an unescaped / in a sandbox name", "/api/v26.2/objects/sandbox/R&D/QA%20Sandbox/users/me/api_access_token__sys", form,
			"name__v=k", "no operation", "MALFORMED_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.Violations())
			reply := post(t, s, tt.path, session, tt.ctype, tt.body)
			got := s.Violations()[before:]
			if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tt.wantViolation) {
				t.Errorf("violations = %q, want one naming %q", got, tt.wantViolation)
			}
			// The fake refuses it, as Vault refuses a bad request: nothing is processed.
			if reply["responseStatus"] != "FAILURE" || !strings.Contains(toJSON(reply["errors"]), tt.wantType) {
				t.Errorf("reply = %v, want FAILURE %s", reply, tt.wantType)
			}
		})
	}
	if n := len(s.Tokens()); n != 0 {
		t.Errorf("%d tokens made by refused requests", n)
	}
	if len(c.v) != len(s.Violations()) {
		t.Errorf("Report saw %d violations, Violations() %d", len(c.v), len(s.Violations()))
	}
}

// TestLenientAnswersBrokenRequests: with Config.Lenient, a request that breaks the spec is
// reported and then answered as if it did not: the form field the docs' own curl examples
// misspell is ignored and the token made.
func TestLenientAnswersBrokenRequests(t *testing.T) {
	var c collector
	s := vaulttest.NewTestServer(t, vaulttest.Config{Report: c.report, Lenient: true})
	session, err := s.SessionFor("olivia@veepharm.com")
	if err != nil {
		t.Fatal(err)
	}
	reply := post(t, s, "/api/v26.2/objects/users/me/api_access_token__sys", session, "application/x-www-form-urlencoded",
		"name__v=k&expiry_date__sys=2999-12-31T12:00:00Z")
	if reply["responseStatus"] != "SUCCESS" || len(c.v) != 1 || len(s.Tokens()) != 1 {
		t.Errorf("reply %v, violations %q, %d tokens: want SUCCESS, one violation, one token", reply, c.v, len(s.Tokens()))
	}
}

func TestValidRequestsAreNotReported(t *testing.T) {
	var c collector
	s := vaulttest.NewTestServer(t, vaulttest.Config{Report: c.report})
	reply := post(t, s, "/api/v26.2/auth", "", "application/x-www-form-urlencoded", "username=olivia%40veepharm.com&password=demo-password")
	session, _ := reply["sessionId"].(string)
	if session == "" {
		t.Fatalf("login reply = %v", reply)
	}
	reply = post(t, s, "/api/v26.2/objects/sandbox/VeePharm%20Sandbox/users/me/api_access_token__sys", "Bearer "+session,
		"application/x-www-form-urlencoded", "name__v=k&expiry_date__v=2999-12-31T12%3A00%3A00Z")
	if reply["responseStatus"] != "SUCCESS" {
		t.Fatalf("reply = %v", reply)
	}
	if len(c.v) != 0 {
		t.Errorf("violations for valid calls: %q", c.v)
	}
	rec := s.Requests()
	if got := rec[0].Form.Get("password"); got != "[MASKED]" {
		t.Errorf("recorded password %q", got)
	}
	if got := rec[1].Header.Get("Authorization"); got != "Bearer [MASKED]" {
		t.Errorf("recorded Authorization %q", got)
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// recordingTB is a TB that records failures instead of ending the test.
type recordingTB struct {
	*testing.T
	mu     sync.Mutex
	failed []string
}

func (r *recordingTB) Errorf(format string, args ...any) { r.record(format, args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.record(format, args...) }
func (r *recordingTB) record(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

// TestInjectRefusesWhatCannotFire: a fault for an operation the spec does not define (the
// Go method's casing, say) would never fire; Inject says so, and on a server from
// NewTestServer fails the test, so no test needs a helper of its own to check.
func TestInjectRefusesWhatCannotFire(t *testing.T) {
	tb := &recordingTB{T: t}
	s := vaulttest.NewTestServer(tb, vaulttest.Config{})
	reply := func(http.ResponseWriter, *http.Request) {}
	bad := []vaulttest.Fault{
		{Op: "generateMyAPIAccessToken", Kind: vaulttest.GatewayError},
		{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.OverLoginLimit},
		{Op: openapi.OpAuthenticate, Kind: vaulttest.FaultKind(99)},
		{Op: openapi.OpAuthenticate, Kind: vaulttest.Failure},
		{Op: openapi.OpAuthenticate, Kind: vaulttest.GatewayError, ErrorType: "INVALID_DATA"},
		{Op: openapi.OpAuthenticate, Kind: vaulttest.HandReply},
		{Op: openapi.OpAuthenticate, Kind: vaulttest.None, Reply: reply},
	}
	for _, f := range bad {
		if err := s.Inject(f); err == nil {
			t.Errorf("Inject(%+v) accepted a fault that cannot fire", f)
		}
	}
	if len(tb.failed) != len(bad) {
		t.Errorf("the test was failed %d times, want %d (once per refused fault): %q", len(tb.failed), len(bad), tb.failed)
	}
	for _, f := range []vaulttest.Fault{
		{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.GatewayError},
		{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.Failure, ErrorType: "INSUFFICIENT_ACCESS"},
		{Kind: vaulttest.HandReply, Reply: reply},
	} {
		if err := s.Inject(f); err != nil {
			t.Errorf("a valid fault: %v", err)
		}
	}
	if len(tb.failed) != len(bad) {
		t.Errorf("valid faults failed the test: %q", tb.failed[len(bad):])
	}
}

// TestFailureAndHandReply: a Failure refuses any operation with any error type, as Vault
// would, and processes nothing; a HandReply's reply reaches the client as written.
func TestFailureAndHandReply(t *testing.T) {
	s := vaulttest.NewTestServer(t, vaulttest.Config{})
	session, err := s.SessionFor("olivia@veepharm.com")
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.Failure,
		ErrorType: "SOMETHING_NEW", Message: "not yet documented", Exception: true})
	got := post(t, s, "/api/v26.2/objects/users/me/api_access_token__sys", session, "application/x-www-form-urlencoded", "name__v=k")
	want := `{"errors":[{"message":"not yet documented","type":"SOMETHING_NEW"}],"responseStatus":"EXCEPTION"}`
	if toJSON(got) != want {
		t.Errorf("reply %s, want %s", toJSON(got), want)
	}
	if n := len(s.Tokens()); n != 0 {
		t.Errorf("%d tokens created by a refused call", n)
	}

	_ = s.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.HandReply, BreaksSpec: true,
		Reply: func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"responseStatus":"SUCCESS","echo":%q}`, body)
		}})
	got = post(t, s, "/api/v26.2/objects/users/me/api_access_token__sys", session, "application/x-www-form-urlencoded", "name__v=k")
	if toJSON(got) != `{"echo":"name__v=k","responseStatus":"SUCCESS"}` {
		t.Errorf("hand reply %s", toJSON(got))
	}
	if n := s.Count(openapi.OpGenerateMyAPIAccessToken); n != 2 {
		t.Errorf("%d requests recorded, want 2", n)
	}
}

// TestHandReplyIsCheckedAgainstTheSpec: a hand-written reply is checked like the fake's
// own, and a violation reported, unless the fault says it breaks the spec on purpose.
func TestHandReplyIsCheckedAgainstTheSpec(t *testing.T) {
	s, reports, session := startReporting(t)
	noData := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"responseStatus":"SUCCESS"}`)
	}
	for _, breaks := range []bool{false, true} {
		_ = s.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.HandReply, BreaksSpec: breaks, Reply: noData})
		post(t, s, "/api/v26.2/objects/users/me/api_access_token__sys", session, "application/x-www-form-urlencoded", "name__v=k")
	}
	if reported := reports(); len(reported) != 1 || !strings.Contains(reported[0], "hand-written response") {
		t.Errorf("reported %q, want the one unmarked reply without data", reported)
	}
	if err := s.Inject(vaulttest.Fault{Kind: vaulttest.Failure, ErrorType: "X", BreaksSpec: true}); err == nil {
		t.Error("BreaksSpec on a Failure was accepted")
	}
}

// TestStartReportsABusyPort: Start returns an error where NewServer would panic.
func TestStartReportsABusyPort(t *testing.T) {
	first := vaulttest.NewTestServer(t, vaulttest.Config{})
	second, err := vaulttest.NewServer(vaulttest.Config{Addr: first.DNS})
	if err == nil {
		second.Close()
		t.Fatalf("a second fake started on %s", first.DNS)
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("error = %v", err)
	}
}

// TestCertificateVouchesForTheServerAlone: each server makes its own key (two servers'
// differ), and its certificate names only the address it listens on, is not a CA (basic
// constraints say so, and it may not sign certificates) and expires within a day.
// Before, every fake presented net/http's test certificate: a CA for *.example.com and
// 127.0.0.1 until 2084 whose key is in every Go installation.
func TestCertificateVouchesForTheServerAlone(t *testing.T) {
	a, b := vaulttest.NewTestServer(t, vaulttest.Config{}), vaulttest.NewTestServer(t, vaulttest.Config{})
	parse := func(s *vaulttest.Server) *x509.Certificate {
		block, _ := pem.Decode(s.CertificatePEM())
		if block == nil {
			t.Fatal("no PEM")
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ca, cb := parse(a), parse(b)
	if bytes.Equal(ca.RawSubjectPublicKeyInfo, cb.RawSubjectPublicKeyInfo) {
		t.Error("two servers share a key")
	}
	if ca.IsCA || !ca.BasicConstraintsValid || ca.KeyUsage&x509.KeyUsageCertSign != 0 {
		t.Errorf("the certificate is a CA: IsCA %v, key usage %b", ca.IsCA, ca.KeyUsage)
	}
	if life := time.Until(ca.NotAfter); life > 24*time.Hour || life <= 0 {
		t.Errorf("the certificate is valid for %v more", life)
	}
	host, _, _ := net.SplitHostPort(a.DNS)
	var names []string
	for _, ip := range ca.IPAddresses {
		names = append(names, ip.String())
	}
	names = append(names, ca.DNSNames...)
	if diff := cmp.Diff([]string{host, "localhost"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := ca.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
		t.Errorf("the certificate does not verify for its own address: %v", err)
	}
	if _, err := ca.Verify(x509.VerifyOptions{Roots: roots, DNSName: "myvault.veevavault.com"}); err == nil {
		t.Error("the certificate verifies for another name")
	}
}

// TestOverLongBodyIsRefusedNotCut: a token request whose body is larger than
// MaxRequestBody is refused whole (FAILURE INVALID_DATA) and reported; no token is made.
// Before, the fake cut the body at 1 MiB and acted on what was left: a token with a cut
// name and no expiry.
func TestOverLongBodyIsRefusedNotCut(t *testing.T) {
	s, reports, session := startReporting(t)
	body := "name__v=" + strings.Repeat("n", vaulttest.MaxRequestBody) + "&expiry_date__v=2099-12-31"
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v26.2/objects/users/me/api_access_token__sys", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", session)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if !strings.Contains(string(reply), `"FAILURE"`) || !strings.Contains(string(reply), "INVALID_DATA") {
		t.Errorf("reply %s, want FAILURE INVALID_DATA", reply)
	}
	if n := len(s.Tokens()); n != 0 {
		t.Errorf("%d tokens made from a refused request", n)
	}
	if n := s.Count(openapi.OpGenerateMyAPIAccessToken); n != 1 {
		t.Errorf("Count = %d, want the refused request counted", n)
	}
	if reported := reports(); len(reported) != 1 || !strings.Contains(reported[0], "larger than") {
		t.Errorf("reported %q", reported)
	}
}

// TestWhatTheFakeKeepsIsBounded: any local process can send the fake large requests
// without end; it keeps the latest MaxKeptRequests within MaxKeptBytes, and counts every
// request all the same. Before, it kept every request whole: 150 requests of 1 MB took it
// from 18 MB to 584 MB.
func TestWhatTheFakeKeepsIsBounded(t *testing.T) {
	s, err := vaulttest.NewServer(vaulttest.Config{Lenient: true, Report: func(string) {}}) // the extra field breaks the spec
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	big := strings.Repeat("x", vaulttest.MaxRequestBody-100)
	const sent = 40
	for range sent {
		res, err := s.Client().Post(s.URL+"/api/v26.2/auth", "application/x-www-form-urlencoded", strings.NewReader("username=u&password=p&x="+big))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
	}
	kept := 0
	for _, r := range s.Requests() {
		for _, vs := range r.Form {
			for _, v := range vs {
				kept += len(v)
			}
		}
	}
	if kept > vaulttest.MaxKeptBytes || len(s.Requests()) >= sent {
		t.Errorf("kept %d requests holding %d bytes, want at most %d bytes", len(s.Requests()), kept, vaulttest.MaxKeptBytes)
	}
	if n := s.Count(openapi.OpAuthenticate); n != sent {
		t.Errorf("Count = %d, want every one of %d", n, sent)
	}
}

// startReporting starts a fake whose reports the test reads (reports), and a session of
// olivia's on it.
func startReporting(t *testing.T) (s *vaulttest.Server, reports func() []string, session string) {
	t.Helper()
	var mu sync.Mutex
	var reported []string
	s, err := vaulttest.NewServer(vaulttest.Config{Report: func(v string) { mu.Lock(); reported = append(reported, v); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if session, err = s.SessionFor("olivia@veepharm.com"); err != nil {
		t.Fatal(err)
	}
	return s, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(reported) }, session
}
