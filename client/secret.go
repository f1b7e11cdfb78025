package client

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"

	"github.com/acme/vault-token/client/internal/scrub"
)

const redacted = scrub.Redacted

// Secret holds a token value, session ID, password or identity provider token. Every way of
// printing it shows [REDACTED]: fmt with any verb and flag, %p included, JSON, text
// marshalling, slog. Only Reveal returns the value.
//
// The value is held behind a pointer, so a printer that does not call Format (fmt's
// bad-verb path, a reflection-based dumper) finds an address, not the value. Compare
// secrets with Equal; == compares the pointers.
type Secret struct{ v *secretValue }

type secretValue struct{ s string }

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
