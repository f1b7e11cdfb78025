// Package scrub is the one way text from the network (a reply's messages and status, a
// header, an excerpt of a body, a transport error) reaches package client's errors, its
// logs and the commands' output: a Scrubber made per reply from every secret in play
// withholds a text in which any view of it (decoded as a browser, a terminal, a shell or a
// JSON parser would) holds one of them, or a value shaped like an API access token, and
// makes any other text one bounded line of printable text with secret fields redacted.
package scrub

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Bounds on text from the network, in runes.
const (
	messageRunes = 500 // an error or warning message, a responseMessage: Message
	fieldRunes   = 200 // a header value, a responseStatus, an error type: Field
	excerptRunes = 160 // the start of a reply that is not a Vault envelope: Excerpt
)

// Bounds on text from the network, in bytes: what is shown of a text comes from its first
// bytes, bytesPerRune per rune shown (an excerpt of a body: shownBytes); secrets are looked
// for in the whole text, up to examinedBytes (the size of a reply the client reads by
// default), so that however long an encoded secret is, a part of it is never shown while
// the rest goes unexamined.
const (
	bytesPerRune  = 8
	shownBytes    = 16 << 10
	examinedBytes = 1 << 20
)

// minSecretLen is the shortest secret the scrubber looks for: shorter ones would be found
// in ordinary words.
const minSecretLen = 4

// withheld replaces a text from the network in which a credential was found.
const withheld = "[text withheld: it held a credential]"

// Redacted replaces the value of a secret field in a text (password=…), and is how
// package client prints a Secret.
const Redacted = "[REDACTED]"

// redacted is Redacted, as this package's code reads it.
const redacted = Redacted

// A Scrubber is the one way text from the network reaches an error, a log line or the
// command's output. Package client makes one per reply (in exchange), from every secret in
// play: those the call sent, those the client holds, and those the reply itself carries
// (the new token, a session ID). Errors built from a reply take their text from the
// Scrubber it came with, so there is no way to build one without those secrets.
//
// It reads a text the ways a browser, a terminal, a shell and a JSON parser would
// (views): percent-decoded (repeatedly), '+' as a space, bytes that are not UTF-8 as
// Latin-1 (JavaScript's escape()), HTML entities (named and
// numeric, any spelling), JSON and JavaScript escapes (\u, \x, \/ and the rest), without
// invisible characters, terminal escapes and tags, and the bytes behind base64 (both
// alphabets, any alignment) and hex runs (either case, with or without separators);
// and each view again, up to maxDecodeRounds deep. A text in which any view holds a
// secret, or a value shaped like an API access token, is withheld whole: the secret is
// not cut out of an encoding the client guessed.
type Scrubber struct {
	secrets  []string // at least minSecretLen bytes each
	shortest int      // the fewest bytes a text must have to hold any of them, or a token
	safe     []error  // what Err's errors match with errors.Is: safeCauses, and New's
}

// New is a Scrubber for secrets (their values; ones shorter than 4 bytes are not looked
// for, they would be found in ordinary words). The errors Err makes match safe with
// errors.Is, beside the context and end-of-file errors: errors that carry no text from
// the server.
func New(secrets []string, safe ...error) *Scrubber {
	s := &Scrubber{shortest: len(tokenPrefix), safe: append(slices.Clone(safeCauses), safe...)}
	for _, v := range secrets {
		if len(v) >= minSecretLen && !slices.Contains(s.secrets, v) {
			s.secrets = append(s.secrets, v)
			// Every view is made of whole encoded characters, none shorter than the
			// character it stands for; a secret of n characters takes at least n bytes of
			// UTF-8 too, and most views are longer still.
			s.shortest = min(s.shortest, utf8.RuneCountInString(v))
		}
	}
	return s
}

// Message is raw, an error or warning message, as text of at most 500 runes.
func (s *Scrubber) Message(raw string) string { return s.text(raw, messageRunes) }

// Field is raw, a header value, a status or an error type, as text of at most 200 runes.
func (s *Scrubber) Field(raw string) string { return s.text(raw, fieldRunes) }

// text is raw as one line of printable text of at most limit runes (and an ellipsis), the
// values of secret fields (password=…, "sessionId":"…", an echoed Authorization) replaced
// by [REDACTED]; or withheld, when any view of it holds a secret.
func (s *Scrubber) text(raw string, limit int) string { return s.clean(raw, limit, false) }

// html is text for a body that may be an HTML page: its tags are dropped too.
func (s *Scrubber) html(raw string, limit int) string { return s.clean(raw, limit, true) }

func (s *Scrubber) clean(raw string, limit int, html bool) string {
	if !html && len(raw) <= limit && printableASCII(raw) && !s.holds(raw) {
		return raw // the common case: an execution ID, an error type
	}
	shown := bytesPerRune * limit
	if html {
		shown = shownBytes
	}
	if s.holds(raw[:min(len(raw), examinedBytes)]) {
		return withheld
	}
	out := bound(shape(redactFields(raw[:min(len(raw), shown)]), html), limit)
	if s.holds(out) { // shaping joined what was apart
		return withheld
	}
	return out
}

// printableASCII reports whether s is printable ASCII that no secret field rule applies to.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '=' || c == ':' || c == '"' {
			return false
		}
	}
	return true
}

// holds reports whether any view of s holds a secret or a token-shaped value.
func (s *Scrubber) holds(text string) bool {
	if len(text) < s.shortest {
		return false // too short to hold any, in any encoding
	}
	found := false
	views(text, func(v string) bool {
		found = s.holdsPlain(v)
		return !found
	})
	return found
}

func (s *Scrubber) holdsPlain(v string) bool {
	if strings.Contains(v, tokenPrefix) {
		return true
	}
	for _, sec := range s.secrets {
		if strings.Contains(v, sec) {
			return true
		}
	}
	return false
}

// tokenPrefix starts every API access token value: a text that holds one, in any view,
// holds a token, known to the client or not.
const tokenPrefix = "veeva-vault-" //nolint:gosec // the prefix every token has, not a credential

var (
	// secretJSONField matches the value of a JSON field that holds a secret, escaped quotes
	// included, even when the JSON is cut off inside the value.
	secretJSONField = lazyRegexp(`("(?:token__sys|sessionId|password|access_token|id_token)"\s*:\s*")((?:[^"\\]|\\.)*)`)
	// secretFormField matches the value of a form or query field that holds a secret.
	// The value runs to the next & or space: a password may hold any other character.
	secretFormField = lazyRegexp(`((?:^|[?&\s])(?:token__sys|sessionId|password|access_token|id_token)=)([^&\s]*)`)
	// authorizationEcho matches an echoed Authorization header's credentials.
	authorizationEcho = lazyRegexp(`(?i)(authorization\s*[:=]\s*(?:bearer\s+)?)([^\s"'<>&,;]+)`)
	htmlTag           = lazyRegexp(`<[A-Za-z/!?][^<>]*>`) // as a browser reads a tag: < then a letter, /, ! or ?
	// escapeSequence matches terminal escape sequences: CSI (ESC [ or 0x9B), OSC (ESC ],
	// ended by BEL or ESC \), and any other ESC and the character after it.
	escapeSequence = lazyRegexp("(?:\x1b\\[|\u009b)[0-?]*[ -/]*[@-~]?|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)?|\x1b.?")
)

// redactFields replaces the values of secret fields, which may be secrets the client does
// not know (another user's session, a token it never saw), with [REDACTED].
func redactFields(s string) string {
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
			return -1 // invisible: dropped
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

// Excerpt turns the start of a body that is not a Vault envelope into one short line.
func (s *Scrubber) Excerpt(body []byte) string {
	return s.html(string(body[:min(len(body), examinedBytes)]), excerptRunes)
}

// Err is a transport error whose text went through the Scrubber. It is always of one
// type, whether or not its text changed, so that what errors.Is and errors.As find does
// not depend on what the server sent.
func (s *Scrubber) Err(err error) error {
	return &scrubbedError{msg: s.text(err.Error(), messageRunes), cause: err, scrub: s}
}

// scrubbedError is a transport error with its text scrubbed. The original error is kept
// but not exposed whole: its text may hold what the server sent (a malformed status line,
// GOAWAY debug data). errors.Is finds the context, end-of-file and not-sent-again errors
// in it; errors.As finds a *net.OpError (a copy, with what it wraps scrubbed too), a
// *net.DNSError and TLS verification errors, and the error is a net.Error when the
// original is one.
type scrubbedError struct {
	msg   string
	cause error
	scrub *Scrubber
}

func (e *scrubbedError) Error() string { return e.msg }

// Timeout and Temporary make it a net.Error like the transport error it replaces.
func (e *scrubbedError) Timeout() bool {
	var ne net.Error
	return errors.As(e.cause, &ne) && ne.Timeout()
}

func (e *scrubbedError) Temporary() bool {
	var ne interface{ Temporary() bool }
	return errors.As(e.cause, &ne) && ne.Temporary()
}

func (e *scrubbedError) Is(target error) bool {
	for _, safe := range e.scrub.safe {
		if target == safe {
			return errors.Is(e.cause, safe)
		}
	}
	return false
}

func (e *scrubbedError) As(target any) bool {
	switch t := target.(type) {
	case **net.OpError:
		// A copy, its inner error scrubbed too: what it wraps may be the server's text.
		var op *net.OpError
		if !errors.As(e.cause, &op) {
			return false
		}
		scrubbed := *op
		if op.Err != nil {
			scrubbed.Err = e.scrub.Err(op.Err)
		}
		*t = &scrubbed
		return true
	case **net.DNSError, **tls.CertificateVerificationError, *x509.UnknownAuthorityError,
		*x509.HostnameError, *x509.CertificateInvalidError:
		return errors.As(e.cause, target)
	}
	return false
}

// safeCauses are the errors every scrubbed transport error matches with errors.Is: they
// carry no text from the server.
var safeCauses = []error{context.DeadlineExceeded, context.Canceled, io.ErrUnexpectedEOF, io.EOF}

// lazyRegexp compiles pattern on first use: a program that imports the package (a
// command's --help) pays nothing for patterns it never runs.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
