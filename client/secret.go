package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

const redacted = "[REDACTED]"

// Secret holds a token value, session ID, password or identity provider token. Every way of
// printing it shows [REDACTED]: fmt with any verb and flag, %p included, JSON, text
// marshalling, slog. Only Reveal returns the value.
//
// The value is held behind a pointer, so a printer that does not call Format (fmt's
// bad-verb path, a reflection-based dumper) finds an address, not the value. Compare
// secrets with Equal; == compares the pointers.
type Secret struct{ v *secretValue }

type secretValue struct {
	s string

	formsOnce sync.Once
	forms     []string // the ways a server could echo s; see echoForms
}

// NewSecret wraps a value.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{&secretValue{s: value}}
}

// Reveal returns the secret value. Call it only where the value must leave the program:
// an Authorization header, a file with mode 0600, a secret manager.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return s.v.s
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return "client.Secret{" + redacted + "}" }

// Format makes every verb print [REDACTED]: %x or %q would otherwise bypass String.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'q':
		_, _ = f.Write([]byte(strconv.Quote(redacted)))
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(s.GoString()))
	default:
		_, _ = f.Write([]byte(redacted))
	}
}

func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(redacted)), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }

// echoForms are the ways a server or a proxy could send the secret back: as sent, form- or
// URL-encoded (either case of hex digits), JSON-escaped (with and without HTML escaping),
// HTML-escaped, hex (either case) and base64 (see base64Forms). They are computed once per
// secret.
func (s Secret) echoForms() []string {
	if s.v == nil {
		return nil
	}
	s.v.formsOnce.Do(func() { s.v.forms = echoForms(s.v.s) })
	return s.v.forms
}

func echoForms(s string) []string {
	forms := []string{s}
	for _, f := range append([]string{
		url.QueryEscape(s), url.PathEscape(s), lowerHex(url.QueryEscape(s)), lowerHex(url.PathEscape(s)),
		jsonEscape(s, true), jsonEscape(s, false), html.EscapeString(s),
		hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))),
	}, base64Forms(s)...) {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

// minBase64Core is the fewest bytes of a secret whose base64 form is searched for inside a
// longer encoded string: shorter runs (4 characters of base64) would match ordinary text.
const minBase64Core = 6

// base64Forms are s in base64, standard and URL alphabets: encoded alone (padded and raw),
// and, for a secret that starts at any of the three alignments inside a longer encoded
// string (a Basic header, a JWT, a body a proxy encoded), the run of characters that
// depends on s alone: its bytes from the first 3-byte group boundary, in whole groups.
func base64Forms(s string) []string {
	var forms []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(s)), enc.WithPadding(base64.NoPadding).EncodeToString([]byte(s)))
		for skip := range 3 {
			if skip >= len(s) {
				break
			}
			core := s[skip:]
			core = core[:len(core)/3*3]
			if len(core) >= minBase64Core {
				forms = append(forms, enc.EncodeToString([]byte(core)))
			}
		}
	}
	return forms
}

// jsonEscape is s as it appears inside a JSON string, with or without the HTML escaping
// (\u003c for <) that Go's encoder applies by default.
func jsonEscape(s string, escapeHTML bool) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(escapeHTML)
	_ = e.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// lowerHex rewrites the hex digits of percent escapes in lower case (%2f for %2F), as some
// servers write them.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = toLower(b[i+1]), toLower(b[i+2])
		}
	}
	return string(b)
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// A SecretSource supplies a secret when the client needs it: a secret manager, a file
// that rotates, an environment variable read late. The client calls it before each request
// that needs the secret (for a password, before each login), so the source decides how
// long to cache.
type SecretSource interface {
	Secret(ctx context.Context) (Secret, error)
}

// SecretFunc adapts a function to SecretSource.
type SecretFunc func(ctx context.Context) (Secret, error)

// Secret calls f.
func (f SecretFunc) Secret(ctx context.Context) (Secret, error) { return f(ctx) }

// StaticSecret is a source that always gives value: an identity provider token for OAuth
// that was obtained once, say. Because the client knows it, it scrubs it from every reply,
// not only from the replies to the calls that send it.
func StaticSecret(value string) SecretSource { return staticSecret{NewSecret(value)} }

// staticSecret is the source behind StaticSecret, SessionID, AccessToken and Password.
type staticSecret struct{ s Secret }

func (s staticSecret) Secret(context.Context) (Secret, error) { return s.s, nil }

// maxSentSecrets bounds how many secrets from a source a client remembers having sent: a
// source that rotates its secret hands out a few over a client's life, and an echo of an
// old one can still come back.
const maxSentSecrets = 8

// sentSecrets are the secrets a client took from a source and sent, newest last, so that
// every later reply is scrubbed of them, not only the reply to the call that sent one.
type sentSecrets struct {
	mu   sync.Mutex
	list []Secret
}

func (s *sentSecrets) add(sec Secret) {
	if sec.IsZero() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.list {
		if have.Equal(sec) {
			return
		}
	}
	if len(s.list) == maxSentSecrets {
		s.list = s.list[1:]
	}
	s.list = append(s.list, sec)
}

func (s *sentSecrets) all() []Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}
