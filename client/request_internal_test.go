package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oapi-codegen/runtime"

	"github.com/acme/vault-token/gen"
)

// The hot path makes token requests from templates and encodes their form by hand; these
// tests hold both to what the generated builders make.

// FuzzTokenForm: tokenForm encodes a body exactly as the generated builder does.
func FuzzTokenForm(f *testing.F) {
	f.Add("IntegrationKey", "2026-12-31T12:00:00Z", true)
	f.Add("R&D/QA key +1 é", "", false)
	f.Add("a=b&c", "2099-01-01", true)
	f.Fuzz(func(t *testing.T, name, expiry string, withExpiry bool) {
		b := gen.TokenRequest{Name: name}
		if withExpiry {
			b.ExpiryDate = &expiry
		}
		want, err := runtime.MarshalForm(b, nil)
		if err != nil {
			t.Skip(err)
		}
		if got := tokenForm(b); got != want.Encode() {
			t.Fatalf("tokenForm(%+v) = %q, the builder sends %q", b, got, want.Encode())
		}
	})
}

// FuzzRequestTemplate: a token request made from a template is the generated builder's
// request: method, URL (the parameter escaped the same way) and headers.
func FuzzRequestTemplate(f *testing.F) {
	f.Add("12345", "VeePharm Sandbox")
	f.Add("0", "R&D/QA Sandbox")
	f.Add("9", "50% off; a,b ?#[]@!$'()*+=")
	f.Add("1", "é/漢字\\")
	c, err := New("myvault.veevavault.com:8443", WithClientID("acme-test"), WithUserAgent("ua/1"))
	if err != nil {
		f.Fatal(err)
	}
	body := gen.TokenRequest{Name: "k"}
	authz := NewSecret("SESSION-1")
	f.Fuzz(func(t *testing.T, userID, sandbox string) {
		if checkUserID("", userID) != nil || checkSandboxName("", sandbox) != nil {
			return
		}
		for op, param := range map[string]string{OpGenerateAPIAccessToken: userID, OpGenerateMyAPIAccessToken: "", OpGenerateSandboxAPIAccessToken: sandbox} {
			tmpl, err := c.templates[op].get(c, DefaultAPIVersion)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tmpl.request(context.Background(), param, tokenForm(body), authz)
			if err != nil {
				t.Fatalf("%s(%q): %v", op, param, err)
			}
			want, err := tokenBuilders[op](c, c.serverURL(DefaultAPIVersion), param)
			if err != nil {
				t.Fatal(err)
			}
			want.Header.Set("Accept", "application/json")
			want.Header.Set("User-Agent", "ua/1")
			want.Header.Set("Authorization", "SESSION-1")
			if got.Method != want.Method || got.URL.String() != want.URL.String() {
				t.Fatalf("%s(%q): %s %s, the builder makes %s %s", op, param, got.Method, got.URL, want.Method, want.URL)
			}
			if diff := cmp.Diff(want.Header, got.Header); diff != "" {
				t.Fatalf("%s(%q): headers (-builder +template):\n%s", op, param, diff)
			}
		}
	})
}

// FuzzShapes: the hand-written shape checks agree with the regexps they stand for.
func FuzzShapes(f *testing.F) {
	f.Add("veeva-vault-abc")
	f.Add("veeva-vault-")
	f.Add("0PI000000000001")
	f.Add("12345")
	f.Add("veeva-vault-a b")
	f.Add(strings.Repeat("9", 20))
	checks := []struct {
		name  string
		check func(string) bool
		re    *regexp.Regexp
	}{
		{"isTokenValue", isTokenValue, regexp.MustCompile(`^veeva-vault-[\x21-\x7e]+$`)},
		{"isRecordID", isRecordID, regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)},
		{"isUserID", isUserID, regexp.MustCompile(`^[0-9]{1,19}$`)},
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range checks {
			if got, want := c.check(s), c.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, %s says %v", c.name, s, got, c.re, want)
			}
		}
	})
}

// TestRepliesMatchTheSpec: the reply types exchange decodes read the same JSON fields as
// gen's, so the spec stays the source of truth for what a reply holds.
func TestRepliesMatchTheSpec(t *testing.T) {
	for _, tt := range []struct{ ours, spec any }{
		{tokenReply{}, gen.TokenReply{}},
		{authReply{}, gen.AuthReply{}},
		{versionsReply{}, gen.VersionsReply{}},
		{deleteReply{}, gen.DeleteRecordsReply{}},
		{sessionUserReply{}, gen.SessionUserReply{}},
	} {
		ours, spec := jsonFields(reflect.TypeOf(tt.ours)), jsonFields(reflect.TypeOf(tt.spec))
		if diff := cmp.Diff(spec, ours); diff != "" {
			t.Errorf("%T reads other fields than %T (-spec +ours):\n%s", tt.ours, tt.spec, diff)
		}
	}
}

// jsonFields are the JSON names of a struct's fields, embedded structs flattened.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// lyingBody reads as more bytes than a Content-Length announced, or fewer.
type lyingBody struct{ io.Reader }

func (lyingBody) Close() error { return nil }

func TestReadBounded(t *testing.T) {
	body := func(s string) io.ReadCloser { return lyingBody{bytes.NewReader([]byte(s))} }
	for _, tt := range []struct {
		name          string
		body          string
		length, limit int64
		want          string
		wantErr       bool
	}{
		{"as announced", "hello", 5, 10, "hello", false},
		{"empty, as announced", "", 0, 10, "", false},
		{"unknown length", "hello", -1, 10, "hello", false},
		{"more than announced", "hello!", 5, 10, "hello", true},
		{"less than announced", "hell", 5, 10, "hell", true},
		{"announced over the limit", "hello", 5, 4, "hell", true},
		{"unknown length over the limit", "hello", -1, 4, "hell", true},
		{"exactly the limit", "hello", 5, 5, "hello", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBounded(body(tt.body), tt.length, tt.limit)
			if string(got) != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("readBounded = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
			if strings.Contains(tt.name, "over the limit") && !errors.Is(err, errTooLarge) {
				t.Errorf("error %v, want errTooLarge", err)
			}
		})
	}
}

// TestTemplateFollowsTheVersion: a client whose version changes (chosen from the Vault's
// list after a pinned default) gets a template for the new version.
func TestTemplateFollowsTheVersion(t *testing.T) {
	c, err := New("myvault.veevavault.com")
	if err != nil {
		t.Fatal(err)
	}
	slot := c.templates[OpGenerateMyAPIAccessToken]
	for _, v := range []string{"v26.2", "v26.3", "v26.2"} {
		tmpl, err := slot.get(c, v)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := tmpl.request(context.Background(), "", "name__v=k", Secret{})
		if want := "/api/" + v + "/objects/users/me/api_access_token__sys"; req.URL.Path != want {
			t.Errorf("version %s: path %s, want %s", v, req.URL.Path, want)
		}
		if _, ok := req.Header[http.CanonicalHeaderKey("Authorization")]; ok {
			t.Errorf("a call without credentials sends an Authorization header")
		}
	}
}
