package client

import (
	"regexp"
	"strings"
	"unicode"
)

var (
	// tokenValue matches Vault API access token values, which begin with veeva-vault-.
	tokenValue = regexp.MustCompile(`veeva-vault-[A-Za-z0-9._~+/=-]*`)
	// secretField matches the value of a JSON field that holds a secret, even when the
	// JSON is cut off inside the value.
	secretField = regexp.MustCompile(`("(?:token__sys|sessionId|password)"\s*:\s*")[^"]*("?)`)
)

// scrub removes secrets from text that came from the network or the transport, in case a
// server or proxy echoes one back: the values this call sent, any token value, and any
// JSON field that holds a secret (a truncated token reply still carries the token).
func scrub(s string, secrets []Secret) string {
	for _, sec := range secrets {
		if len(sec.value) >= 4 {
			s = strings.ReplaceAll(s, sec.value, redacted)
		}
	}
	s = secretField.ReplaceAllString(s, "${1}"+redacted+"${2}")
	return tokenValue.ReplaceAllString(s, redacted)
}

// scrubbedError keeps the chain (errors.Is/As still see the original) but prints the
// scrubbed text.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

func scrubError(err error, secrets []Secret) error {
	msg := err.Error()
	if clean := scrub(msg, secrets); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

var (
	htmlTag    = regexp.MustCompile(`(?s)<[^>]*>`)
	whitespace = regexp.MustCompile(`\s+`)
)

const excerptRunes = 160

// excerpt turns the start of an unexpected body into one short line a person can read in
// an error message: tags and control characters out, whitespace collapsed, secrets removed.
func excerpt(body []byte, secrets []Secret) string {
	if len(body) > 4096 {
		body = body[:4096]
	}
	s := strings.ToValidUTF8(string(body), "?")
	s = htmlTag.ReplaceAllString(s, " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(whitespace.ReplaceAllString(s, " "))
	s = scrub(s, secrets)
	if r := []rune(s); len(r) > excerptRunes {
		s = string(r[:excerptRunes]) + "…"
	}
	return s
}
