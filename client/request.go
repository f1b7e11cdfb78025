package client

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/acme/vault-token/gen"
)

// Canonical forms of the request headers the client sets, so that setting them does not
// canonicalize the name on every call.
var (
	headerAccept        = http.CanonicalHeaderKey("Accept")
	headerUserAgent     = http.CanonicalHeaderKey("User-Agent")
	headerAuthorization = http.CanonicalHeaderKey("Authorization")
)

// requestTemplate is one operation's request as its generated builder makes it, made once
// per client and API version: the method, the URL with the path parameter cut out, and the
// headers (the builder's, and the client's Accept and User-Agent). A call fills in the
// parameter, escaped as the builder escapes a path parameter (url.PathEscape), its body
// and its Authorization. So the spec stays the source of truth for the path, the method
// and the headers, while a call no longer parses and resolves its URL twice and encodes
// its parameters by reflection, as the builder does every time.
type requestTemplate struct {
	version        string // the API version it was made for
	method         string
	prefix, suffix string // the URL before and after the path parameter, if it has one
	header         http.Header
}

// templateParam stands for the path parameter when the builder makes the template. It
// needs no escaping, so it appears in the URL as is.
const templateParam = "vault-token-template-parameter"

// builder is a generated request builder for one operation, called with the parameter.
type builder func(c *Client, server, param string) (*http.Request, error)

// newTemplate makes a template from build.
func (c *Client) newTemplate(version string, build builder) (*requestTemplate, error) {
	req, err := build(c, c.serverURL(version), templateParam)
	if err != nil {
		return nil, err
	}
	// An operation without a path parameter (users/me) is all prefix.
	prefix, suffix, _ := strings.Cut(req.URL.String(), templateParam)
	t := &requestTemplate{version: version, method: req.Method, prefix: prefix, suffix: suffix, header: req.Header.Clone()}
	c.setHeaders(t.header)
	return t, nil
}

// request is the template's request for one call, on ctx. Its header map is its own; the
// value slices are the template's, shared read-only (a RoundTripper must not modify the
// request), all but the Authorization's, which is the call's.
func (t *requestTemplate) request(ctx context.Context, param, body string, authz Secret) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, t.method, t.prefix+url.PathEscape(param)+t.suffix, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range t.header {
		req.Header[k] = v
	}
	if !authz.IsZero() {
		req.Header[headerAuthorization] = []string{authz.Reveal()}
	}
	return req, nil
}

// setHeaders sets the headers the client sends with every request.
func (c *Client) setHeaders(h http.Header) {
	h[headerAccept] = []string{"application/json"}
	h[headerUserAgent] = []string{c.settings.userAgent}
}

// templateSlot holds the template of one operation, for the API version last used.
type templateSlot struct {
	build builder
	t     atomic.Pointer[requestTemplate]
}

// templateSlots are a client's slots, one per operation build makes.
func templateSlots(builders map[string]builder) map[string]*templateSlot {
	slots := make(map[string]*templateSlot, len(builders))
	for op, b := range builders {
		slots[op] = &templateSlot{build: b}
	}
	return slots
}

// get returns the template for version, making it (and keeping it) if the one held is for
// another version or there is none yet. Two callers may make one at once; both are the
// same, and either may be kept.
func (s *templateSlot) get(c *Client, version string) (*requestTemplate, error) {
	if t := s.t.Load(); t != nil && t.version == version {
		return t, nil
	}
	t, err := c.newTemplate(version, s.build)
	if err != nil {
		return nil, err
	}
	s.t.Store(t)
	return t, nil
}

// tokenFormFields are gen.TokenRequest's form field names, from its tags (the spec's
// names), in the order the generated builder sends them: url.Values.Encode sorts by name.
var tokenFormFields = func() (names struct {
	name, expiry string
	expiryFirst  bool
}) {
	typ := reflect.TypeFor[gen.TokenRequest]()
	tag := func(field string) string {
		f, ok := typ.FieldByName(field)
		if !ok {
			panic("gen.TokenRequest has no field " + field)
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		return name
	}
	names.name, names.expiry = tag("Name"), tag("ExpiryDate")
	names.expiryFirst = slices.IsSorted([]string{names.expiry, names.name})
	if typ.NumField() != 2 {
		panic("gen.TokenRequest has fields tokenForm does not send")
	}
	return names
}()

// tokenForm is the form body the generated builder makes of b (runtime.MarshalForm, then
// url.Values.Encode), without its reflection: FuzzTokenForm checks that they agree.
func tokenForm(b gen.TokenRequest) string {
	f := tokenFormFields
	name := f.name + "=" + url.QueryEscape(b.Name)
	if b.ExpiryDate == nil {
		return name
	}
	expiry := f.expiry + "=" + url.QueryEscape(*b.ExpiryDate)
	if f.expiryFirst {
		return expiry + "&" + name
	}
	return name + "&" + expiry
}
