package client

import (
	"regexp"
	"strings"
	"unicode"
)

// scrub removes secret values from text that came from the network or the transport,
// in case a server or proxy echoes one back.
func scrub(s string, secrets []Secret) string {
	for _, sec := range secrets {
		if len(sec.value) >= 4 {
			s = strings.ReplaceAll(s, sec.value, redacted)
		}
	}
	return s
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
