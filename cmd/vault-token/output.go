package main

import (
	"encoding/json"
	"strconv"
	"unicode"
)

// How results reach stdout: JSON the one way, names from Vault made safe to print.

func (a *app) printJSON(v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(b)
	return err
}

// encodeJSON is v as every command prints it: indented by two spaces, one line at the end.
func encodeJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

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
