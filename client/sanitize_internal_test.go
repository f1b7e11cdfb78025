package client

import (
	"strings"
	"testing"
)

// The cases where shaping or cutting before scrubbing let a secret through.
func TestFromNetworkScrubsBeforeShaping(t *testing.T) {
	tests := []struct {
		name, secret, text string
		html               bool
	}{
		// Shaping would have turned the byte into a replacement, and the secret no longer
		// matched.
		{"invalid UTF-8 in the secret", "Xk\x9fQz-long-password", "<p>pw=Xk\x9fQz-long-password</p>", true},
		// Tag stripping would have split it.
		{"a tag-like secret", "ab<cd>ef-secret", "<pre>ab<cd>ef-secret</pre>", true},
		// Collapsing whitespace would have changed it.
		{"whitespace in the secret", "two  spaces\tand a tab", "x two  spaces\tand a tab y", false},
		{"an escape sequence in the secret", "sec\x1b[31mret", "echo sec\x1b[31mret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := NewSecret(tt.secret)
			got := fromNetwork(tt.text, []Secret{secret}, excerptRunes, tt.html)
			if !strings.Contains(got, redacted) {
				t.Errorf("fromNetwork(%q) = %q: the secret was not found", tt.text, got)
			}
			for _, f := range secret.echoForms() {
				if strings.Contains(got, f) {
					t.Errorf("fromNetwork(%q) = %q still holds %q", tt.text, got, f)
				}
			}
		})
	}
}

// TestExcerptWindowDropsACutSecret: a secret across the end of the window an excerpt is
// taken from is dropped whole, even when whitespace before it collapses to nothing.
func TestExcerptWindowDropsACutSecret(t *testing.T) {
	secret := NewSecret("SESSION-cut-in-two-9f8e7d6c5b4a")
	body := strings.Repeat(" ", excerptWindow-10) + secret.Reveal() + " tail"
	got := excerpt([]byte(body), []Secret{secret})
	if strings.Contains(got, "SESSION-cut") || strings.Contains(got, "SESS") {
		t.Errorf("excerpt %q holds the first part of a secret cut by the window", got)
	}
	if body := "lead " + secret.Reveal(); excerpt([]byte(body), []Secret{secret}) != "lead "+redacted {
		t.Errorf("a whole secret inside the window: excerpt = %q", excerpt([]byte(body), []Secret{secret}))
	}
}

// TestFromNetworkWithholdsWhatItCannotClean: when shaping joins two halves of a secret,
// the second scrub finds it.
func TestFromNetworkWithholdsWhatItCannotClean(t *testing.T) {
	secret := NewSecret("abcd efgh")
	got := fromNetwork("abcd\x00efgh", []Secret{secret}, messageRunes, false)
	if strings.Contains(got, "abcd efgh") {
		t.Errorf("fromNetwork = %q: shaping made the secret and nothing removed it", got)
	}
}

func TestFromNetworkBounds(t *testing.T) {
	got := fromNetwork(strings.Repeat("é", 1000), nil, fieldRunes, false)
	if n := len([]rune(got)); n != fieldRunes+1 || !strings.HasSuffix(got, "…") {
		t.Errorf("%d runes, want %d and an ellipsis", n, fieldRunes+1)
	}
	if got := fromNetwork("0f1e2d3c-4b5a", nil, fieldRunes, false); got != "0f1e2d3c-4b5a" {
		t.Errorf("a plain execution ID changed: %q", got)
	}
}

// TestInvisibleCharactersCannotHideASecret: a default-ignorable code point (a format
// character, a variation selector, the combining grapheme joiner) slipped into an echoed
// secret is dropped, and the secret it was hiding is scrubbed.
func TestInvisibleCharactersCannotHideASecret(t *testing.T) {
	secret := NewSecret("hunter2-correct-horse")
	for _, r := range []rune{'\u200b', '\u00ad', '\u034f', '\ufe0f', '\U000e0100', '\u180e', '\u2060', '\u3164', '\u202e'} {
		in := "echo hunter2-" + string(r) + "correct-horse end"
		if got := fromNetwork(in, []Secret{secret}, messageRunes, false); got != "echo [REDACTED] end" {
			t.Errorf("U+%04X inside the secret: %q", r, got)
		}
	}
}
