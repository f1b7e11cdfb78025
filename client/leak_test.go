package client_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// secretForms are the ways a server or proxy could echo a secret: as sent, form- or
// URL-encoded, JSON-escaped, and the dumps a debug printer makes (hex, base64).
func secretForms(s string) []string {
	js, _ := json.Marshal(s)
	forms := []string{
		s, url.QueryEscape(s), url.PathEscape(s), strings.Trim(string(js), `"`),
		hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s)),
		base64.URLEncoding.EncodeToString([]byte(s)),
	}
	slices.Sort(forms)
	return slices.Compact(forms)
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
