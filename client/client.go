package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/acme/vault-token/client/internal/scrub"
	"github.com/acme/vault-token/gen"
)

// DefaultAPIVersion is the API version the spec in openapi/ describes, used unless
// WithAPIVersion or WithLatestAPIVersion says otherwise.
const DefaultAPIVersion = "v26.2"

// Version is this module's version, sent in the default User-Agent.
const Version = "0.1.0"

const defaultMaxReplyBytes = 1 << 20

// Client calls one Vault. It is safe for concurrent use; create one per Vault and reuse
// it, so sessions and connections are shared.
type Client struct {
	dns            string
	settings       settings // as New left them, defaults filled in; never changed after
	hc             *http.Client
	auth           authenticator
	versions       *sharedValue[*VersionList] // the Vault's list, for WithAPIVersionCheck and WithLatestAPIVersion
	me             *sharedValue[string]       // the authenticated user's ID, for a list of "my" tokens
	tokenAPIChosen atomic.Pointer[tokenAPI]   // the token calls' API version and server URL, once checked
	now            func() time.Time           // replaced in tests
	// accept and userAgent are the header values every request carries, made once and
	// shared read-only by every request (a RoundTripper must not modify a request).
	accept, userAgent []string
}

// New returns a client for the Vault at vaultDNS, a host name with an optional port such
// as "myvault.veevavault.com" (no scheme, no path). It makes no network call.
func New(vaultDNS string, opts ...Option) (*Client, error) {
	if err := checkVaultDNS(OpNew, vaultDNS); err != nil {
		return nil, err
	}
	s := settings{
		version: DefaultAPIVersion, maxReplyBytes: defaultMaxReplyBytes,
		userAgent: "vault-token-go/" + Version, loginTimeout: DefaultLoginTimeout, loginHost: DefaultLoginHost,
	}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	hc := &http.Client{Timeout: DefaultTimeout, Transport: defaultTransport()}
	if s.httpClient != nil {
		copied := *s.httpClient
		hc = &copied
	}
	// Vault's API does not redirect. A redirect comes from something in between, and
	// following it could carry the Authorization header elsewhere: surface it instead.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return build(vaultDNS, s, hc), nil
}

// build makes a client from checked settings and the HTTP client it sends with.
func build(dns string, s settings, hc *http.Client) *Client {
	c := &Client{
		dns: dns, settings: s, hc: hc, now: time.Now,
		accept: []string{"application/json"}, userAgent: []string{s.userAgent},
	}
	c.auth = newAuthenticator(c, s.creds)
	c.versions = newSharedValue(OpChooseAPIVersion, s.loginTimeout, c.APIVersions)
	c.me = newSharedValue(OpFindUser, s.loginTimeout, c.fetchMyUserID)
	return c
}

// forVault is a client for another Vault (a sandbox's own DNS) with this client's settings
// and the given credentials. It shares the HTTP client, and so its connections. op is
// the call that needs it.
func (c *Client) forVault(op, dns string, creds Credentials) (*Client, error) {
	if err := checkVaultDNS(op, dns); err != nil {
		return nil, err
	}
	s := c.settings
	s.creds = &creds
	other := build(dns, s, c.hc)
	other.now = c.now
	return other, nil
}

// DefaultTimeout bounds each HTTP exchange of a client made without WithHTTPClient.
const DefaultTimeout = 2 * time.Minute

// defaultTransport is http.DefaultTransport with room to keep a connection per goroutine:
// the default keeps 2 idle connections per host, so a service with many goroutines on one
// client would open and close connections all the time.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = t.MaxIdleConns
	return t
}

// clientID is the X-VaultAPI-ClientID header parameter for the generated builders.
func (c *Client) clientID() *string {
	if c.settings.clientID == "" {
		return nil
	}
	return &c.settings.clientID
}

// VaultDNS returns the Vault the client calls.
func (c *Client) VaultDNS() string { return c.dns }

// Format prints the client without its credentials, whatever the verb.
func (c *Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "client.Client{vault: %s, api version: %s}", c.dns, c.settings.version)
}

// serverURL is the base the generated builders resolve "./path" against; the trailing
// slash keeps the version segment.
func (c *Client) serverURL(version string) string {
	return "https://" + c.dns + "/api/" + version + "/"
}

// call is one HTTP exchange, its request made by a generated builder (build).
type call struct {
	op    string
	build func() (*http.Request, error)
	// authz is the Authorization header value; zero for a login, which sets its own.
	authz Secret
	// secrets are scrubbed from whatever the reply echoes: those the call sends, and those
	// the client holds (a session, a static credential).
	secrets []Secret
	// changesVault marks a request that changes Vault (a token request, a revoke, End
	// Session): it reaches the wire at most once (sendState.atMostOnce), and when it may
	// have been received but no readable reply came back, the error is an
	// UnknownOutcomeError.
	changesVault bool
	// find and sandbox are, for a token request, where the token it may have created is
	// found (UnknownOutcomeError's Find and Sandbox).
	find    *TokenFilter
	sandbox string
}

// unknownOutcome is the error of a call that changes Vault whose outcome is unknown.
func (cl *call) unknownOutcome(err error) *UnknownOutcomeError {
	return &UnknownOutcomeError{Op: cl.op, Err: err, Find: cl.find, Sandbox: cl.sandbox}
}

// Canonical forms of the request headers the client sets, so that setting them does not
// canonicalize the name on every call.
var (
	headerAccept        = http.CanonicalHeaderKey("Accept")
	headerUserAgent     = http.CanonicalHeaderKey("User-Agent")
	headerAuthorization = http.CanonicalHeaderKey("Authorization")
)

// request makes the call's request on ctx: the generated builder's, with the headers the
// client sends on every call and the call's Authorization.
func (cl *call) request(ctx context.Context, c *Client) (*http.Request, error) {
	req, err := cl.build()
	if err != nil {
		return nil, err
	}
	req = req.WithContext(ctx)
	req.Header[headerAccept] = c.accept
	req.Header[headerUserAgent] = c.userAgent
	if !cl.authz.IsZero() {
		req.Header[headerAuthorization] = []string{cl.authz.Reveal()}
	}
	return req, nil
}

// sendState tells whether a request may have left the machine: from then on Vault may
// have received it. Only calls that change Vault need to know (for UnknownOutcomeError and
// to send them at most once), so only they carry one.
type sendState struct {
	sent  atomic.Bool
	trace httptrace.ClientTrace
}

func newSendState() *sendState {
	st := &sendState{}
	st.trace.WroteHeaders = func() { st.sent.Store(true) }
	return st
}

func (st *sendState) maybeSent() bool { return st != nil && st.sent.Load() }

// atMostOnce makes req, a request that changes Vault, reach the wire at most once.
// net/http sends a request again by itself: its HTTP/2 transport on REFUSED_STREAM, GOAWAY
// and a peer's PROTOCOL_ERROR, whenever it can make the body again (GetBody) or the
// request has none; HTTP/1 when nothing was written. Such a resend is harmless only while
// the request cannot have left, which the trace tells (WroteHeaders: net/http's and
// golang.org/x/net/http2's transports call it as they write the headers, even when the
// write fails). So:
//
//   - the request always has a body: an empty one where it had none, since HTTP/2 resends a
//     request without a body freely;
//   - GetBody makes a new body only while the headers were not written, and otherwise
//     refuses, which ends the round trip with errNotSentAgain instead of a second request.
//
// The body itself stays the generated builder's in-memory reader: wrapping it would make
// net/http flush the headers apart from the body, a second write per call. A transport of
// the caller's own that neither traces its writes nor keeps to GetBody is beyond reach
// (TestSentAtMostOnceOverHTTP2 covers net/http's and x/net/http2's).
func (st *sendState) atMostOnce(req *http.Request) {
	getBody := req.GetBody
	if req.Body == nil || req.Body == http.NoBody {
		req.ContentLength = 0
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }
		req.Body, _ = getBody()
	} else if getBody == nil {
		getBody = func() (io.ReadCloser, error) { return nil, errNotSentAgain }
	}
	req.GetBody = func() (io.ReadCloser, error) {
		if st.maybeSent() {
			return nil, errNotSentAgain
		}
		return getBody()
	}
}

// exchange sends a call and decodes the Vault envelope and its data into out, in one pass.
// It returns an *APIError for FAILURE and EXCEPTION replies, with the reply's metadata in
// every case it got one. Every text of the reply that reaches the caller goes through one
// scrubber, made here from the call's secrets and those the reply carries; out keeps it,
// for what the caller builds from the reply.
func (c *Client) exchange(ctx context.Context, cl call, out enveloped) (Response, error) {
	var st *sendState
	reqCtx := ctx
	if cl.changesVault {
		st = newSendState()
		reqCtx = httptrace.WithClientTrace(ctx, &st.trace)
	}
	req, err := cl.request(reqCtx, c)
	if err != nil {
		return Response{}, errorf(cl.op, "build request: %w", err)
	}
	if st != nil {
		st.atMostOnce(req)
	}
	start := time.Now()
	res, err := c.hc.Do(req) //nolint:bodyclose // readBounded closes it, below
	if err != nil {
		err = errorf(cl.op, "%w", newScrubber(cl.secrets).Err(err))
		c.log(ctx, cl.op, req, nil, start, err)
		if cl.changesVault && st.maybeSent() {
			return Response{}, cl.unknownOutcome(err)
		}
		return Response{}, err
	}
	body, readErr := readBounded(res.Body, res.ContentLength, c.settings.maxReplyBytes)
	decodeErr := errNotDecoded
	if readErr == nil && res.StatusCode == http.StatusOK && isJSON(headerValue(res.Header, headerContentType)) {
		decodeErr = json.Unmarshal(body, out)
	}
	scr := newScrubber(cl.secrets, out.secretsCarried())
	out.replyEnvelope().scrub = scr
	meta := response(scr, res)
	if readErr != nil {
		readErr = scr.Err(readErr)
	}
	c.log(ctx, cl.op, req, &meta, start, readErr)
	err = c.verdict(cl.op, res, body, readErr, decodeErr, out, scr, &meta)
	var apiErr *APIError
	if err != nil && cl.changesVault && !errors.As(err, &apiErr) {
		return meta, cl.unknownOutcome(err)
	}
	return meta, err
}

// errNotDecoded stands for a body exchange did not decode, being no Vault JSON reply.
var errNotDecoded = errors.New("not decoded")

// verdict judges a reply: nil for SUCCESS or WARNING (meta gets the warnings), an
// *APIError for FAILURE or EXCEPTION (Vault did not carry the call out), and any other
// error for a reply that is not a readable Vault envelope.
func (c *Client) verdict(op string, res *http.Response, body []byte, readErr, decodeErr error, out enveloped, scr *scrub.Scrubber, meta *Response) error {
	unexpected := func(reason string) error { return unexpectedBody(scr, op, res, body, *meta, reason) }
	switch {
	case errors.Is(readErr, errTooLarge):
		return unexpected(fmt.Sprintf("body larger than %d bytes", c.settings.maxReplyBytes))
	case readErr != nil:
		return errorf(op, "reading reply: %w", readErr)
	case res.StatusCode != http.StatusOK:
		return unexpected("Vault answers with HTTP 200; this reply came from something in between")
	case !isJSON(headerValue(res.Header, headerContentType)):
		return unexpected("not JSON")
	case repeatsStatus(body):
		// encoding/json keeps the last of two keys, another parser the first: a reply
		// that says FAILURE and SUCCESS says nothing the client can act on.
		return unexpected("responseStatus appears more than once")
	}
	if decodeErr != nil {
		// The data may not decode where the envelope would: a FAILURE with a malformed
		// data field is still a FAILURE.
		var env envelope
		if json.Unmarshal(body, &env) != nil || !isFailure(env.ResponseStatus) {
			return unexpected("malformed JSON: " + decodeErr.Error())
		}
		*out.statusFields() = env.envelopeFields
	}
	env := out.statusFields()
	if !env.ResponseStatus.Valid() {
		return unexpected("unknown responseStatus " + strconv.Quote(string(env.ResponseStatus)))
	}
	if isFailure(env.ResponseStatus) {
		return apiError(scr, op, *env, *meta)
	}
	meta.Warnings = messages(scr, env.Warnings)
	return nil
}

// repeatsStatus reports whether a reply's top-level object has responseStatus more than
// once. The scan runs only when the name appears twice anywhere in the body.
func repeatsStatus(body []byte) bool {
	const name = `"responseStatus"`
	if bytes.Count(body, []byte(name)) < 2 {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	seen := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return false
		}
		if key == "responseStatus" {
			if seen {
				return true
			}
			seen = true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

func isFailure(s gen.ResponseStatus) bool {
	return s == gen.ResponseStatusFAILURE || s == gen.ResponseStatusEXCEPTION
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func isJSON(contentType string) bool {
	if contentType == "application/json;charset=UTF-8" || contentType == "application/json" {
		return true // Vault's own, known without parsing
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// readBounded reads the body to its end if it fits in limit bytes, which hands the
// connection back to the pool; a larger body is abandoned after limit+1 bytes and the
// connection closed rather than reading an unbounded reply to the end. length is the
// Content-Length, -1 if unknown: a known length that fits is read into a buffer of that
// size, with one byte more to see the end.
func readBounded(body io.ReadCloser, length, limit int64) ([]byte, error) {
	defer func() { _ = body.Close() }()
	if length >= 0 && length <= limit {
		b := make([]byte, length+1)
		n, err := io.ReadFull(body, b)
		switch {
		case err == io.ErrUnexpectedEOF && int64(n) == length, err == io.EOF && length == 0:
			return b[:n], nil // the whole body, as announced
		case err == nil: // more than announced: net/http does not let that through
			return b[:length], errors.New("reply longer than its Content-Length")
		}
		return b[:n], err
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > limit {
		return b[:limit], errTooLarge
	}
	return b, nil
}

func (c *Client) log(ctx context.Context, op string, req *http.Request, meta *Response, start time.Time, err error) {
	if c.settings.logger == nil || !c.settings.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", op),
		slog.String("method", req.Method),
		slog.String("path", req.URL.EscapedPath()),
		slog.Duration("duration", time.Since(start)),
	}
	if meta != nil {
		attrs = append(attrs,
			slog.Int("status", meta.HTTPStatus),
			slog.String("execution_id", meta.ExecutionID),
			slog.Int("burst_limit_remaining", meta.BurstLimitRemaining),
			slog.Duration("response_delay", meta.ResponseDelay))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.settings.logger.LogAttrs(ctx, slog.LevelDebug, "vault request", attrs...)
}
