package client

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genversions"
	"github.com/acme/vault-token/openapi"
)

// independentForms are the echo forms a secret must not survive in, computed here rather
// than by the code under test.
func independentForms(s string) []string {
	js, _ := json.Marshal(s)
	h := hex.EncodeToString([]byte(s))
	return []string{
		s, url.QueryEscape(s), url.PathEscape(s), string(js[1 : len(js)-1]), html.EscapeString(s),
		h, strings.ToUpper(h),
		base64.StdEncoding.EncodeToString([]byte(s)), base64.URLEncoding.EncodeToString([]byte(s)),
		base64.RawStdEncoding.EncodeToString([]byte(s)),
	}
}

// FuzzBase64Inside: a secret of 6 bytes or more inside any longer string that is then
// base64-encoded (a Basic header, a JWT, a body a proxy encoded) does not survive: the
// characters that encode its bytes alone are gone from the output.
func FuzzBase64Inside(f *testing.F) {
	f.Add("user:", "hunter2-correct-horse", "", false)
	f.Add("ab", "p@ss word&more+1", "|tail", true)
	f.Add("", "\xff\xfe-binary-secret", "x", false)
	f.Fuzz(func(t *testing.T, before, secret, after string, url bool) {
		if len(secret) < minBase64Core+2 || strings.Contains(redacted+withheld+"…", secret) {
			return
		}
		enc := base64.StdEncoding
		if url {
			enc = base64.URLEncoding
		}
		encoded := enc.EncodeToString([]byte(before + secret + after))
		start := (len(before) + 2) / 3 * 4
		end := (len(before) + len(secret)) / 3 * 4
		if end-start < 8 {
			return
		}
		core := encoded[start:end]
		out := fromNetwork("echo "+encoded+" end", []Secret{NewSecret(secret)}, 1<<20, false)
		if strings.Contains(out, core) {
			t.Fatalf("the base64 of %q inside %q survived in %q", secret, before+secret+after, out)
		}
	})
}

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
		id, params, err := c.nextPage(next, DefaultAPIVersion, Response{})
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

// FuzzFromNetwork: for any secret of 4 characters or more, embedded in any text raw or in
// any echo form, the output holds no form of it; it is bounded, valid UTF-8 and free of
// control and format characters.
func FuzzFromNetwork(f *testing.F) {
	f.Add("error: ", `p@ss word&more+1`, " end", uint8(1), false)
	f.Add("<p>", "Xk\x9fQz-long-password", "</p>", uint8(0), true)
	f.Add("\x1b[2J\n", `pa"ss\word`, `","x":1`, uint8(3), false)
	f.Add(`{"password":"`, "secret-value", `"}`, uint8(4), false)
	f.Add("ab", "abcd efgh", "\x00", uint8(0), false)
	f.Add("Authorization: Bearer ", "veeva-vault-abc", "", uint8(2), true)
	f.Fuzz(func(t *testing.T, before, secret, after string, form uint8, isHTML bool) {
		if len(secret) < minSecretLen || strings.Contains(redacted+withheld+"…", secret) {
			return // a secret that is part of the fixed markers reveals nothing
		}
		forms := independentForms(secret)
		text := before + forms[int(form)%len(forms)] + after
		out := fromNetwork(text, []Secret{NewSecret(secret)}, messageRunes, isHTML)
		for _, f := range forms {
			if f != "" && strings.Contains(out, f) {
				t.Fatalf("fromNetwork(%q) = %q holds %q", text, out, f)
			}
		}
		if n := utf8.RuneCountInString(out); n > messageRunes+1 {
			t.Fatalf("%d runes", n)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("not UTF-8: %q", out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("%q holds %U", out, r)
			}
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
		body, err := r.body(OpGenerateMyAPIAccessToken, now)
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
		if checkUserID(OpGenerateAPIAccessToken, user) == nil && !userID.MatchString(user) {
			t.Fatalf("user ID %q accepted, the spec refuses it", user)
		}
		if checkClientID(OpNew, client) == nil && !clientID.MatchString(client) {
			t.Fatalf("client ID %q accepted, the spec refuses it", client)
		}
		if checkSandboxName(OpGenerateSandboxAPIAccessToken, sandbox) == nil {
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
