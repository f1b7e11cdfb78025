package client_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/acme/vault-token/client"
)

// secretForms are the ways a server or proxy could echo a secret: as sent, form- or
// URL-encoded, JSON-escaped, and the dumps a debug printer makes (hex, base64).
func secretForms(s string) []string {
	forms := []string{
		s, url.QueryEscape(s), url.PathEscape(s), jsonEscaped(s),
		unquote(strconv.Quote(s)), // as %q prints it
		hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s)),
		base64.URLEncoding.EncodeToString([]byte(s)),
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// unquote drops the quotes that enclose s, and only those (strings.Trim would also take an
// escaped quote at the end: "a\"" would become a\).
func unquote(s string) string { return s[1 : len(s)-1] }

// jsonEscaped is s as it appears inside a JSON string.
func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return unquote(string(b))
}

// checkNoSecret fails the test if text holds any form of any secret. An empty text proves
// nothing, so it fails too.
func checkNoSecret(t *testing.T, text string, secrets ...string) {
	t.Helper()
	if text == "" {
		t.Fatal("nothing was collected: the search for secrets would prove nothing")
	}
	for _, s := range secrets {
		if len(s) < 4 {
			t.Fatalf("secret %q is too short to search for", s)
		}
		for _, form := range secretForms(s) {
			if i := strings.Index(text, form); i >= 0 {
				t.Errorf("secret %q appears (as %q): ...%s...", s, form, text[max(0, i-80):min(len(text), i+len(form)+20)])
			}
		}
	}
}

// describe prints err the ways a caller could: its message in every common verb, and the
// fields of each of the package's error types in its chain, as %+v of the struct shows
// them (an excerpt is quoted in Error(), which would hide an escaped secret from a search).
func describe(err error) string {
	if err == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%v\n%+v\n%#v\n%s\n%q\n", err, err, err, err, err)
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Fprintf(&b, "%+v\n", *apiErr)
	}
	var unexpected *client.UnexpectedResponseError
	if errors.As(err, &unexpected) {
		fmt.Fprintf(&b, "%+v\n", *unexpected)
	}
	var unknown *client.UnknownOutcomeError
	if errors.As(err, &unknown) {
		fmt.Fprintf(&b, "%+v\n", *unknown)
	}
	var in *client.InputError
	if errors.As(err, &in) {
		fmt.Fprintf(&b, "%+v\n", *in)
	}
	return b.String()
}
