package command

import "testing"

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"CI": "CI", "CI key": "'CI key'", "it's": `'it'\''s'`, "": "''", "a/b-c_d.e": "a/b-c_d.e", "$(x)": "'$(x)'"} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"nmae", "name", 1}, {"nmae", "me", 2}, {"vualt", "vault", 1}, {"expire", "expires", 1}, {"", "abc", 3}, {"same", "same", 0}} {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestFakeProgramMissing: without vault-token-fake (or vault-token-fleet) beside it or on
// PATH, vault-token fake and demo (or fleet) say how to install it, and exit 1.
