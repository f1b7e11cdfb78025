package vaulttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/acme/vault-token/openapi"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// The spec's documents, by file name (openapi.Documents).
const (
	apiDoc      = "vault-api.yaml"
	versionsDoc = "vault-versions.yaml"
	loginDoc    = "vault-login.yaml"
)

// operationRoutes maps each operation to its ServeMux pattern, the spec's document that
// holds it, and its path there. ServeMux prefers the literal "me" over the {user_id}
// wildcard. Patterns carry no method, so that a request with the wrong one is recorded and
// reported like any other request that breaks the spec.
var operationRoutes = []struct{ op, pattern, doc, specPath string }{
	{openapi.OpRetrieveAPIVersions, "/api/{$}", versionsDoc, "/"},
	{openapi.OpRetrieveAPIVersions, "/api", versionsDoc, "/"},
	{openapi.OpAuthenticate, "/api/{version}/auth", apiDoc, "/auth"},
	{openapi.OpAuthenticateOAuth, "/auth/oauth/session/{oath_oidc_profile_id}", loginDoc, "/auth/oauth/session/{oath_oidc_profile_id}"},
	{openapi.OpDiscoverAuthType, "/auth/discovery", loginDoc, "/auth/discovery"},
	{openapi.OpValidateSessionUser, "/api/{version}/objects/users/me", apiDoc, "/objects/users/me"},
	{openapi.OpEndSession, "/api/{version}/session", apiDoc, "/session"},
	{openapi.OpGenerateMyAPIAccessToken, "/api/{version}/objects/users/me/api_access_token__sys", apiDoc, "/objects/users/me/api_access_token__sys"},
	{openapi.OpGenerateAPIAccessToken, "/api/{version}/objects/users/{user_id}/api_access_token__sys", apiDoc, "/objects/users/{user_id}/api_access_token__sys"},
	{openapi.OpGenerateSandboxAPIAccessToken, "/api/{version}/objects/sandbox/{sandbox_name}/users/me/api_access_token__sys", apiDoc,
		"/objects/sandbox/{sandbox_name}/users/me/api_access_token__sys"},
	{openapi.OpQueryAPIAccessTokens, "/api/{version}/query", apiDoc, "/query"},
	{openapi.OpQueryAPIAccessTokensPage, "/api/{version}/query/{query_id}", apiDoc, "/query/{query_id}"},
	{openapi.OpDeleteAPIAccessTokens, "/api/{version}/vobjects/api_access_token__sys", apiDoc, "/vobjects/api_access_token__sys"},
}

// newMux routes each operation's pattern to serve; anything else is not found.
func (s *Server) newMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range operationRoutes {
		mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, rt.op, rt.doc, rt.specPath) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, "", "", "") })
	return mux
}

// ServeHTTP routes, validates, answers and records one request. It is exported so that a
// test can call the fake in memory (httptest.NewRecorder) as well as over TLS.
//
// The mux is given the path with its escapes escaped once more. ServeMux unescapes each
// segment before matching, and a segment that unescapes to "/" (a sandbox named "/", sent
// as %2F) is taken for a trailing slash and matches no wildcard. Escaped once more, every
// segment reaches the mux as the client escaped it; literal segments have no escapes and
// match as before, and serve unescapes the wildcards itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sent := r.URL
	routed := *r.URL
	routed.Path = sent.EscapedPath()
	routed.RawPath = strings.ReplaceAll(routed.Path, "%", "%25")
	r2 := r.WithContext(context.WithValue(r.Context(), sentURLKey{}, sent))
	r2.URL = &routed
	s.mux.ServeHTTP(w, r2)
}

type sentURLKey struct{}

// serve handles one request for operation op (empty when no pattern matched), which the
// spec's document doc holds at specPath.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, op, doc, specPath string) {
	if sent, ok := r.Context().Value(sentURLKey{}).(*url.URL); ok {
		r.URL = sent
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if len(body) > MaxRequestBody {
		s.refuseLarge(w, r, op)
		return
	}
	weight := len(body) + headerWeight(r.Header)
	rec := s.record(r, body)
	rt, ok := s.routeTo(r, op, doc, specPath)
	if !ok {
		s.mu.Lock()
		s.recordLocked(rec, weight)
		s.mu.Unlock()
		s.unrouted(w, r)
		return
	}
	rec.Op, rec.Params = rt.op, rt.params
	if rt.op == openapi.OpQueryAPIAccessTokens {
		if q, err := parseTokenQuery(rec.Form.Get("q")); err == nil {
			rec.QueryFilter = q.where
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	input, problems := s.validateRequest(r, rt, &rec)
	s.mu.Lock()
	s.recordLocked(rec, weight)
	fault := s.takeFault(rt.op)
	s.mu.Unlock()

	pause(r.Context(), fault.Delay, fault.Until)
	switch fault.Kind {
	case HandReply:
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.handReply(w, r, input, fault)
		return
	case DropBeforeProcessing:
		dropConnection(w)
		return
	case GatewayError:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>")
		return
	}
	if len(problems) > 0 && !s.cfg.Lenient {
		refuse(w, "INVALID_DATA", "The request breaks the spec: "+printable(strings.Join(problems, "; "), 500))
		return
	}
	rw := &reply{header: http.Header{}}
	s.answer(rw, r, rt, body, fault)
	if fault.Kind == DropAfterProcessing {
		dropConnection(w)
		return
	}
	s.send(w, r, input, rw, fault)
}

// unrouted answers a request no operation of the spec matches, as Vault answers a bad URL
// (or, lenient, as a web server would).
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	s.report("%s %s: no operation in the spec matches", r.Method, r.URL.EscapedPath())
	if !s.cfg.Lenient {
		refuse(w, "MALFORMED_URL", "No operation of the spec matches "+r.Method+" "+r.URL.EscapedPath()+".")
		return
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, "<html><body><h1>404 Not Found</h1></body></html>")
}

// validateRequest checks a routed request against the spec, reports each violation and
// records it in rec, and returns the problems found.
func (s *Server) validateRequest(r *http.Request, rt route, rec *Request) (*openapi3filter.RequestValidationInput, []string) {
	input := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: rt.params, Route: rt.route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	var problems []string
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		problems = append(problems, err.Error())
	}
	problems = append(problems, undeclaredFormFields(rt.route.Operation, r.Header.Get("Content-Type"), rec.Form)...)
	for _, p := range problems {
		msg := fmt.Sprintf("request %s %s breaks the spec: %s", r.Method, r.URL.EscapedPath(), p)
		rec.Violations = append(rec.Violations, msg)
		s.report("%s", msg)
	}
	return input, problems
}

// send writes the fake's own reply, faulted as the fault says; a reply the fault leaves
// whole is checked against the spec first.
func (s *Server) send(w http.ResponseWriter, r *http.Request, input *openapi3filter.RequestValidationInput, rw *reply, fault Fault) {
	out := rw.body.Bytes()
	switch fault.Kind {
	case TruncatedJSON:
		out = out[:len(out)/2]
	case OversizedBody:
		out = append(bytes.TrimRight(out, "}"), []byte(`,"padding":"`+strings.Repeat("x", 2<<20)+`"}`)...)
	default:
		resp := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: input, Status: rw.status, Header: rw.header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		resp.SetBodyBytes(out)
		if err := openapi3filter.ValidateResponse(r.Context(), resp); err != nil {
			s.report("response to %s %s breaks the spec: %v", r.Method, r.URL.EscapedPath(), err)
		}
	}
	for k, v := range rw.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rw.status)
	_, _ = w.Write(out)
}

// handReply lets a HandReply fault write the reply, then checks it against the spec
// (unless the fault says it breaks it on purpose) before it is sent.
func (s *Server) handReply(w http.ResponseWriter, r *http.Request, input *openapi3filter.RequestValidationInput, fault Fault) {
	hw := &handWriter{ResponseWriter: w, reply: reply{header: http.Header{}, status: http.StatusOK}}
	fault.Reply(hw, r)
	if hw.hijacked {
		return
	}
	if !fault.BreaksSpec {
		resp := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: input, Status: hw.status, Header: hw.header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		resp.SetBodyBytes(hw.body.Bytes())
		if err := openapi3filter.ValidateResponse(r.Context(), resp); err != nil {
			s.report("hand-written response to %s %s breaks the spec (set Fault.BreaksSpec if it does so on purpose): %v",
				r.Method, r.URL.EscapedPath(), err)
		}
	}
	for k, v := range hw.header {
		w.Header()[k] = v
	}
	w.WriteHeader(hw.status)
	_, _ = w.Write(hw.body.Bytes())
}

// handWriter collects a hand-written reply so it can be checked before it is sent; a
// Reply may still take the connection over.
type handWriter struct {
	http.ResponseWriter
	reply
	wroteHeader, hijacked bool
}

func (h *handWriter) Header() http.Header { return h.header }

func (h *handWriter) WriteHeader(status int) {
	if !h.wroteHeader {
		h.status, h.wroteHeader = status, true
	}
}

func (h *handWriter) Write(b []byte) (int, error) {
	h.wroteHeader = true
	return h.body.Write(b)
}

func (h *handWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.hijacked = true
	return h.ResponseWriter.(http.Hijacker).Hijack()
}

// pause holds a request for d, and until until is closed (when not nil), or until its
// client goes away: Vault goes on with a request whose client left, and so does the fake,
// but no wait outlives the test that caused it.
func pause(ctx context.Context, d time.Duration, until <-chan struct{}) {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
	if until != nil {
		select {
		case <-until:
		case <-ctx.Done():
		}
	}
}

// refuse answers a request that breaks the spec as Vault refuses a bad request: HTTP 200,
// FAILURE, one error. Nothing is processed.
func refuse(w http.ResponseWriter, typ, message string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("X-VaultAPI-ExecutionId", executionID())
	_ = json.NewEncoder(w).Encode(failure(typ, message))
}

func dropConnection(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// reply collects an answer so it can be validated (and faulted) before it is sent.
type reply struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rw *reply) json(status int, v any) {
	rw.header.Set("Content-Type", "application/json;charset=UTF-8")
	rw.status = status
	_ = json.NewEncoder(&rw.body).Encode(v)
}

type route struct {
	op     string
	route  *routers.Route
	params map[string]string // decoded path parameters, by the spec's names
	// version is the API version segment; empty for the version list.
	version string
}

// routeTo finds op in the spec's document doc, checks the request's method against it, and collects the
// path parameters the mux decoded.
func (s *Server) routeTo(r *http.Request, op, doc, specPath string) (route, bool) {
	if op == "" {
		return route{}, false
	}
	spec := s.spec[doc]
	item := spec.Paths.Value(specPath)
	if item == nil {
		return route{}, false
	}
	operation := item.GetOperation(r.Method)
	if operation == nil || operation.OperationID != op {
		return route{}, false
	}
	// The mux matched the path as sent (see ServeHTTP): each value is still escaped once.
	value := func(name string) (string, bool) {
		v, err := url.PathUnescape(r.PathValue(name))
		return v, err == nil
	}
	params := map[string]string{}
	for _, p := range operation.Parameters {
		if p.Value != nil && p.Value.In == "path" {
			v, ok := value(p.Value.Name)
			if !ok {
				return route{}, false
			}
			params[p.Value.Name] = v
		}
	}
	version, _ := value("version")
	return route{
		op:      op,
		route:   &routers.Route{Spec: spec, Path: specPath, PathItem: item, Method: r.Method, Operation: operation},
		params:  params,
		version: version,
	}, true
}

// Request is what the server received, with secrets masked.
type Request struct {
	Op     string // the spec's operationId; empty when no operation matched
	Method string
	Path   string // escaped, as sent
	// Params are the path parameters as the server decoded them, such as
	// Params["sandbox_name"] == "R&D/QA Sandbox".
	Params map[string]string
	// QueryFilter is, for a token query, what its WHERE clause asks as the fake read it:
	// each field tested, with the value compared to (user__sys, name__v, status__v, id).
	QueryFilter map[string]string
	Header      http.Header
	Form        url.Values     // form bodies; a password shows as [MASKED]
	JSON        map[string]any // JSON bodies
	Violations  []string
}

// MaxRequestBody is the largest request body the fake reads: a larger one is refused
// (FAILURE INVALID_DATA) and not acted on, never cut and processed.
const MaxRequestBody = 1 << 20

const masked = "[MASKED]"

// refuseLarge answers a request whose body is larger than MaxRequestBody: it is recorded
// without its body, reported, and refused, whatever the operation.
func (s *Server) refuseLarge(w http.ResponseWriter, r *http.Request, op string) {
	msg := fmt.Sprintf("request %s %s has a body larger than %d bytes: refused, not processed", r.Method, r.URL.EscapedPath(), MaxRequestBody)
	s.mu.Lock()
	s.recordLocked(Request{Op: op, Method: r.Method, Path: r.URL.EscapedPath(), Violations: []string{msg}}, headerWeight(r.Header))
	s.mu.Unlock()
	s.report("%s", msg)
	refuse(w, "INVALID_DATA", fmt.Sprintf("The request body is larger than %d bytes.", MaxRequestBody))
}

func headerWeight(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n
}

func (s *Server) record(r *http.Request, body []byte) Request {
	rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), Header: r.Header.Clone()}
	if a := rec.Header.Get("Authorization"); a != "" {
		if strings.HasPrefix(a, "Bearer ") {
			rec.Header.Set("Authorization", "Bearer "+masked)
		} else {
			rec.Header.Set("Authorization", masked)
		}
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		rec.Form, _ = url.ParseQuery(string(body))
		if rec.Form.Has("password") {
			rec.Form.Set("password", masked)
		}
	case strings.HasPrefix(ct, "application/json"):
		_ = json.Unmarshal(body, &rec.JSON)
		if _, ok := rec.JSON["password"]; ok {
			rec.JSON["password"] = masked
		}
	}
	return rec
}

// undeclaredFormFields names the fields of a form body that the operation's schema does
// not declare. kin-openapi checks additionalProperties: false for JSON bodies but not for
// forms, and a form is where Vault's own docs slip (expiry_date__sys for expiry_date__v).
func undeclaredFormFields(op *openapi3.Operation, contentType string, form url.Values) []string {
	if op.RequestBody == nil || op.RequestBody.Value == nil || !strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		return nil
	}
	media := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
	if media == nil || media.Schema == nil || media.Schema.Value == nil {
		return nil
	}
	var out []string
	for name := range form {
		if _, ok := media.Schema.Value.Properties[name]; !ok {
			out = append(out, fmt.Sprintf("form field %q is not in the spec", name))
		}
	}
	slices.Sort(out)
	return out
}
