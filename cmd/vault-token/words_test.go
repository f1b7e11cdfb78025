package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestMessagesSpeakTheOperatorsWords: what the command prints for mistakes names flags and
// says what to do; it never names a Go identifier (ListAPIAccessTokens, TokenFilter,
// ErrInvalidInput: a word with a capital inside, which the operator's words do not have)
// or uses cobra's flag-group phrasing.
func TestMessagesSpeakTheOperatorsWords(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	var printed strings.Builder
	for _, args := range [][]string{
		{"list"}, {"list", "--user", "1", "--me"}, {"generate", "--name", "k"}, {"generate", "--me"},
		{"generate", "--me", "--user", "12345", "--name", "k"}, {"rotate", "--sandbox", "S", "--name", "k"},
		{"rotate", "--me", "--name", "k", "--keep", "-1"}, {"revoke", "not-an-id"}, {"revoke"},
		{"generate", "--me", "--name", "k", "--expires", "yesterday"}, {"list", "--user", "x'1"},
		{"generate", "--me", "--name", ""}, {"rotate", "--me", "--name", "k", "--out-file="},
	} {
		r := h.run(env, "", args...)
		if r.code != 2 {
			t.Errorf("%q: exit %d, want 2; stderr %q", args, r.code, r.stderr)
		}
		printed.WriteString(r.stderr)
	}
	out := printed.String()
	for _, cobraWords := range []string{"flags in the group", "are set none of the others", "is required", "flag(s)", "not set"} {
		if strings.Contains(out, cobraWords) {
			t.Errorf("cobra's phrasing %q reached the operator:\n%s", cobraWords, out)
		}
	}
	if ids := regexp.MustCompile(`\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b`).FindAllString(out, -1); len(ids) > 0 {
		t.Errorf("Go identifiers %q reached the operator:\n%s", ids, out)
	}
}
