package command

import "testing"

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"CI": "CI", "CI key": "'CI key'", "it's": `'it'\''s'`, "": "''", "a/b-c_d.e": "a/b-c_d.e", "$(x)": "'$(x)'"} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
