package client

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genversions"
	"github.com/acme/vault-token/openapi"
)

// FuzzNextPage: a next_page the client accepts is, once Vault reads it (percent-decoded,
// dot segments removed), a query page of this version and nothing else, and the request
// the client builds for it goes exactly there.
func FuzzNextPage(f *testing.F) {
	for _, seed := range []string{
		"/api/v26.2/query/c2b58293-1606-4c99-925d-b9b89e83670e?pagesize=1&pageoffset=1",
		"/api/v26.2/query/%2e%2e", "/api/v26.2/query/.%2E", "/api/v26.2/query/q/../../auth",
		"/api/v26.2/query/a%2Fb", "//elsewhere/api/v26.2/query/q", "/api/v26.2/query/%71",
	} {
		f.Add(seed)
	}
	c, err := New("myvault.veevavault.com")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, next string) {
		id, params, err := c.nextPage(next, DefaultAPIVersion, Response{}, newScrubber())
		if err != nil {
			var unexpected *UnexpectedResponseError
			if !errors.As(err, &unexpected) {
				t.Fatalf("nextPage(%q): error %T, want *UnexpectedResponseError", next, err)
			}
			return
		}
		if !isQueryID(id) {
			t.Fatalf("nextPage(%q) accepted query ID %q", next, id)
		}
		req, err := gen.NewQueryAPIAccessTokensPageRequest(c.serverURL(DefaultAPIVersion), id, params)
		if err != nil {
			t.Fatal(err)
		}
		if want := "/api/" + DefaultAPIVersion + "/query/" + id; req.URL.Path != want || req.URL.EscapedPath() != want || req.URL.Host != "myvault.veevavault.com" {
			t.Fatalf("nextPage(%q): the request goes to %s %s, want %s", next, req.URL.Host, req.URL.EscapedPath(), want)
		}
	})
}

// specPattern compiles the pattern of a schema property in the spec, so fuzzed input is
// judged by the spec rather than by the code under test.
func specPattern(t testing.TB, get func(*openapi3.T) string) *regexp.Regexp {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(get(doc))
}

// FuzzTokenRequestBody: an expiry is refused as input, or sent in the spec's format and
// means the same instant or date.
func FuzzTokenRequestBody(f *testing.F) {
	f.Add(int64(1924992000), int64(0), 9*3600, 0, 0, 0)
	f.Add(int64(253402300800), int64(5), 0, 0, 0, 0) // year 10000
	f.Add(int64(0), int64(0), 0, 2099, 12, 31)
	f.Add(int64(0), int64(0), 0, 2099, 2, 30)
	f.Add(int64(0), int64(0), 0, 10000, 1, 1)
	expiry := specPattern(f, func(d *openapi3.T) string {
		return d.Components.Schemas["TokenRequest"].Value.Properties["expiry_date__v"].Value.Pattern
	})
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, unix, nanos int64, offset, year, month, day int) {
		var r TokenRequest
		r.Name = "k"
		if unix != 0 {
			r.ExpiresAt = time.Unix(unix, nanos).In(time.FixedZone("z", offset%(26*3600)))
		}
		if year != 0 || month != 0 || day != 0 {
			r.ExpiresOn = Date{Year: year, Month: time.Month(month), Day: day}
		}
		body, err := r.body(openapi.OpGenerateMyAPIAccessToken, now)
		if err != nil {
			if in := (*InputError)(nil); !errors.As(err, &in) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		if body.ExpiryDate == nil {
			if !r.ExpiresAt.IsZero() || !r.ExpiresOn.IsZero() {
				t.Fatal("an expiry was dropped")
			}
			return
		}
		sent := *body.ExpiryDate
		if !expiry.MatchString(sent) {
			t.Fatalf("sent %q, which the spec's pattern refuses", sent)
		}
		if !r.ExpiresAt.IsZero() {
			at, err := time.Parse(time.RFC3339, sent)
			if err != nil || !at.Equal(r.ExpiresAt.Truncate(time.Second)) || !at.After(now) {
				t.Fatalf("sent %q for %v", sent, r.ExpiresAt)
			}
		} else if sent != r.ExpiresOn.String() {
			t.Fatalf("sent %q for %v", sent, r.ExpiresOn)
		}
	})
}

// FuzzParseDate: an accepted date prints back as given.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-12-31", "2026-02-29", "0000-01-01", "9999-12-31", "2026-1-2", " 2026-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err == nil && d.String() != s {
			t.Fatalf("ParseDate(%q) = %v", s, d)
		}
	})
}

// FuzzValidation: whatever the checks accept is safe to put into a request: the Vault DNS
// stays the URL's host, the version is one path segment in Vault's format, a user ID and a
// client ID match the spec's patterns, and a sandbox name comes back from the built URL
// exactly as given, as one segment.
func FuzzValidation(f *testing.F) {
	f.Add("myvault.veevavault.com", "v26.2", "12345", "acme-vault-ops-server-tokenbot", "VeePharm Sandbox")
	f.Add("127.0.0.1:8443", "v01.2", "0", "a", "R&D/QA Sandbox")
	f.Add("[::1]:443", "v26.10", "١٢٣", "a b", "..")
	f.Add("a@b.com", "v26.2/../x", "1/2", "x\n", "a%2Fb")
	userID := specPattern(f, func(d *openapi3.T) string { return d.Components.Parameters["UserID"].Value.Schema.Value.Pattern })
	clientID := specPattern(f, func(d *openapi3.T) string { return d.Components.Parameters["ClientID"].Value.Schema.Value.Pattern })
	f.Fuzz(func(t *testing.T, dns, version, user, client, sandbox string) {
		if checkVaultDNS(OpNew, dns) == nil {
			req, err := genversions.NewRetrieveAPIVersionsRequest("https://"+dns+"/api/", nil)
			if err != nil || req.URL.Host != dns || req.URL.Path != "/api/" || req.URL.User != nil || req.URL.RawQuery != "" {
				t.Fatalf("DNS %q accepted, request URL %v (%v)", dns, req.URL, err)
			}
		}
		if v, err := parseVersion(OpNew, version); err == nil && fmt.Sprintf("v%d.%d", v.major, v.minor) != version {
			t.Fatalf("version %q accepted, reads as v%d.%d", version, v.major, v.minor)
		}
		if checkUserID(openapi.OpGenerateAPIAccessToken, user) == nil && !userID.MatchString(user) {
			t.Fatalf("user ID %q accepted, the spec refuses it", user)
		}
		if checkClientID(OpNew, client) == nil && !clientID.MatchString(client) {
			t.Fatalf("client ID %q accepted, the spec refuses it", client)
		}
		if checkSandboxName(openapi.OpGenerateSandboxAPIAccessToken, sandbox) == nil {
			req, err := gen.NewGenerateSandboxAPIAccessTokenRequestWithBody("https://v.example.com/api/v26.2/", sandbox, nil, "text/plain", nil)
			if err != nil {
				t.Fatalf("sandbox %q accepted, request: %v", sandbox, err)
			}
			seg := strings.Split(req.URL.EscapedPath(), "/")
			if len(seg) != 9 {
				t.Fatalf("sandbox %q accepted, path %s", sandbox, req.URL.EscapedPath())
			}
			if got, err := url.PathUnescape(seg[5]); err != nil || got != sandbox {
				t.Fatalf("sandbox %q accepted, sent as %q (%q)", sandbox, seg[5], got)
			}
		}
	})
}
