package client

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on text from the network, in runes.
const (
	messageRunes = 500 // an error or warning message, a responseMessage
	fieldRunes   = 200 // a header value, a responseStatus, an error type
	excerptRunes = 160 // the start of a reply that is not a Vault envelope
	// excerptWindow is how much of a body an excerpt is taken from, in bytes.
	excerptWindow = 16 << 10
)

// minSecretLen is the shortest secret the scrubber removes: shorter ones would take
// ordinary words with them.
const minSecretLen = 4

const withheld = "[text withheld: it held a secret]"

var (
	// tokenShaped matches Vault API access token values, which begin with veeva-vault-.
	tokenShaped = lazyRegexp(`veeva-vault-[A-Za-z0-9._~+/=%-]*`)
	// secretJSONField matches the value of a JSON field that holds a secret, escaped quotes
	// included, even when the JSON is cut off inside the value.
	secretJSONField = lazyRegexp(`("(?:token__sys|sessionId|password|access_token|id_token)"\s*:\s*")((?:[^"\\]|\\.)*)`)
	// secretFormField matches the value of a form or query field that holds a secret.
	// The value runs to the next & or space: a password may hold any other character.
	secretFormField = lazyRegexp(`((?:^|[?&\s])(?:token__sys|sessionId|password|access_token|id_token)=)([^&\s]*)`)
	// authorizationEcho matches an echoed Authorization header's credentials.
	authorizationEcho = lazyRegexp(`(?i)(authorization\s*[:=]\s*(?:bearer\s+)?)([^\s"'<>&,;]+)`)
	htmlTag           = lazyRegexp(`(?s)<[^>]*>`)
	// escapeSequence matches terminal escape sequences: CSI (ESC [ or 0x9B), OSC (ESC ],
	// ended by BEL or ESC \), and any other ESC and the character after it.
	escapeSequence = lazyRegexp("(?:\x1b\\[|\u009b)[0-?]*[ -/]*[@-~]?|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|\x1b.?")
)

// fromNetwork is the one way text that came from the network (a reply's messages and
// status, a header, an excerpt of a body, a transport error) reaches an error, a log line
// or the command's output. It does three things, in this order, which is the contract:
//
//  1. removes every form a server could echo (raw, URL- or form-encoded, JSON- or
//     HTML-escaped) of every secret in secrets, any token-shaped value, and the value of
//     any secret field (JSON, form or an echoed Authorization header);
//  2. drops terminal escape sequences, default-ignorable code points (format characters,
//     variation selectors: invisible, so deleted outright) and control characters (a
//     newline becomes a space, so the text stays on one line) and, for an HTML page, its
//     tags; collapses whitespace;
//  3. bounds the length to limit runes.
//
// Scrubbing comes first because shaping changes the text a secret must be found in.
// Shaping and cutting can join pieces scrubbing left apart, so the result is scrubbed once
// more; text that still holds a secret after that is withheld whole.
func fromNetwork(s string, secrets []Secret, limit int, html bool) string {
	if plain(s, limit) && !holdsSecret(s, secrets) {
		return s
	}
	out := bound(shape(scrub(s, secrets), html), limit)
	if again := scrub(out, secrets); again != out {
		out = bound(again, limit)
		if scrub(out, secrets) != out {
			return withheld
		}
	}
	return out
}

// plain reports whether s needs no shaping: short, printable ASCII, nothing that could
// start a secret field.
func plain(s string, limit int) bool {
	if len(s) > limit {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '<' || c == '=' || c == ':' {
			return false
		}
	}
	return !strings.Contains(s, "veeva-vault-")
}

func holdsSecret(s string, secrets []Secret) bool {
	for _, sec := range secrets {
		if len(sec.Reveal()) < minSecretLen {
			continue
		}
		for _, f := range sec.echoForms() {
			if strings.Contains(s, f) {
				return true
			}
		}
	}
	return false
}

// scrub removes secrets: the given ones in every echo form, token-shaped values, and the
// values of secret fields.
func scrub(s string, secrets []Secret) string {
	for _, sec := range secrets {
		if len(sec.Reveal()) < minSecretLen {
			continue
		}
		for _, f := range sec.echoForms() {
			s = strings.ReplaceAll(s, f, redacted)
		}
	}
	keepName := func(re *regexp.Regexp) func(string) string {
		return func(m string) string {
			sub := re.FindStringSubmatch(m)
			if sub[2] == redacted {
				return m
			}
			return sub[1] + redacted
		}
	}
	if strings.Contains(s, "=") {
		s = secretFormField().ReplaceAllStringFunc(s, keepName(secretFormField()))
	}
	if strings.Contains(s, `"`) {
		s = secretJSONField().ReplaceAllStringFunc(s, keepName(secretJSONField()))
	}
	if strings.ContainsAny(s, ":=") {
		s = authorizationEcho().ReplaceAllStringFunc(s, keepName(authorizationEcho()))
	}
	if strings.Contains(s, "veeva-vault-") {
		s = tokenShaped().ReplaceAllString(s, redacted)
	}
	return s
}

// shape makes s one line of printable text.
func shape(s string, html bool) string {
	s = strings.ToValidUTF8(s, "?")
	if html {
		s = htmlTag().ReplaceAllString(s, " ")
	}
	s = escapeSequence().ReplaceAllString(s, " ")
	s = strings.Map(func(r rune) rune {
		switch {
		case isDefaultIgnorable(r):
			return -1 // invisible: dropped, so that a secret split by one joins up and is scrubbed
		case unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// isDefaultIgnorable reports whether r is a default-ignorable code point (Unicode's
// Default_Ignorable_Code_Point: format characters, variation selectors, the combining
// grapheme joiner, Hangul fillers, ...): a character a terminal shows as nothing, which a
// reply could slip into an echoed secret to get it past a scrubber, or use to hide text.
func isDefaultIgnorable(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

func bound(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	i, n := 0, 0
	for i = range s {
		if n == limit {
			break
		}
		n++
	}
	return s[:i] + "…"
}

// excerpt turns the start of a body that is not a Vault envelope into one short line.
// When the body is longer than the window, the window's last bytes are dropped too, as
// many as the longest form of a secret: a secret cut in two by the window would otherwise
// leave its first part, which no scrubber can recognize.
func excerpt(body []byte, secrets []Secret) string {
	if len(body) > excerptWindow {
		body = body[:excerptWindow-longestForm(secrets)]
	}
	return fromNetwork(string(body), secrets, excerptRunes, true)
}

func longestForm(secrets []Secret) int {
	n := 0
	for _, s := range secrets {
		for _, f := range s.echoForms() {
			n = max(n, len(f))
		}
	}
	return min(n, excerptWindow/2)
}

// scrubbedError is a transport error whose text went through fromNetwork. It keeps the
// original for errors.Is and errors.As when sanitizing did not change its text; when it
// did, the original (which holds what the server sent) is dropped, and only the context
// and end-of-file errors it wrapped are kept for errors.Is.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

func scrubError(err error, secrets []Secret) error {
	msg := err.Error()
	clean := fromNetwork(msg, secrets, messageRunes, false)
	if clean == msg {
		return err
	}
	var cause error
	for _, sentinel := range safeCauses {
		if errors.Is(err, sentinel) {
			cause = sentinel
			break
		}
	}
	return &scrubbedError{msg: clean, cause: cause}
}

// safeCauses are the errors a scrubbed transport error still matches: they carry no text
// from the server.
var safeCauses = []error{context.DeadlineExceeded, context.Canceled, io.ErrUnexpectedEOF, io.EOF}
