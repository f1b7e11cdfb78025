package client

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
)

const redacted = "[REDACTED]"

// Secret holds a token value, session ID or password. Every way of printing it (fmt with
// any verb, JSON, text marshalling, slog) shows [REDACTED]; only Reveal returns the value.
//
// Keep secrets in exported fields of types you print: fmt cannot call methods on
// unexported fields, and would print the value itself.
type Secret struct{ value string }

// NewSecret wraps a value.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret value. Call it only where the value must leave the program:
// an Authorization header, a file with mode 0600, a secret manager.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return "client.Secret{" + redacted + "}" }

// Format makes every verb print [REDACTED]: %x or %q would otherwise bypass String.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		_, _ = f.Write([]byte(strconv.Quote(redacted)))
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(redacted))
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

// staticSecret is the source behind SessionID, AccessToken and Password.
type staticSecret struct{ s Secret }

func (s staticSecret) Secret(context.Context) (Secret, error) { return s.s, nil }
