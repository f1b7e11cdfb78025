package main

import (
	"strconv"
	"unicode"

	"github.com/acme/vault-token/internal/command"
)

// How results reach stdout: JSON the one way, names from Vault made safe to print.

func (a *app) printJSON(v any) error { return command.PrintJSON(a.stdout, v) }

// display prints a name that came from Vault: as it is when every character is visible, in
// Go quotes otherwise, so that no reply can move the cursor or forge a line.
func display(s string) string {
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) || r == '\t' {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}
