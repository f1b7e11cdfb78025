package client

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genlogin"
	"github.com/acme/vault-token/gen/genversions"
)

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
// the spec's reply, the union of its success and failure shapes (a oneOf on
// responseStatus), so the spec stays the source of truth for what a reply holds.
func TestRepliesMatchTheSpec(t *testing.T) {
	for _, tt := range []struct{ ours, success any }{
		{tokenReply{}, gen.TokenSuccess{}},
		{authReply{}, gen.AuthSuccess{}},
		{versionsReply{}, genversions.VersionsSuccess{}},
		{deleteReply{}, gen.DeleteRecordsSuccess{}},
		{sessionUserReply{}, gen.SessionUserSuccess{}},
		{discoveryReply{}, genlogin.DiscoverySuccess{}},
	} {
		spec := jsonFields(reflect.TypeOf(tt.success))
		spec = append(spec, jsonFields(reflect.TypeFor[gen.Failure]())...)
		slices.Sort(spec)
		spec = slices.Compact(spec)
		ours := jsonFields(reflect.TypeOf(tt.ours))
		if diff := cmp.Diff(spec, ours); diff != "" {
			t.Errorf("%T reads other fields than %T and gen.Failure (-spec +ours):\n%s", tt.ours, tt.success, diff)
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
		if !f.IsExported() {
			continue // not decoded: the envelope's scrubber
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
