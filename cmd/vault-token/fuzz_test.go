package main

import (
	"errors"
	"testing"
	"time"

	"github.com/acme/vault-token/internal/command"
)

// FuzzParseExpires: --expires is refused as a usage error, or gives exactly one expiry that
// means what was written: the RFC 3339 instant, the date, or now plus a positive duration.
func FuzzParseExpires(f *testing.F) {
	for _, s := range []string{"90d", "2w", "12h", "30m", "0d", "-5d", "3651d", "2026-12-31", "2026-12-31T12:00:00+01:00",
		"2026-12-31T12:00:00Z", "10000-01-01", "1e9h", "9223372036854775807ns", "d", " 90d", "2026-02-30"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseExpires(s, now)
		if err != nil {
			var ue *command.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("parseExpires(%q): %v is not a usage error", s, err)
			}
			return
		}
		at, on := !r.ExpiresAt.IsZero(), !r.ExpiresOn.IsZero()
		switch {
		case s == "":
			if at || on {
				t.Fatal("an empty --expires set an expiry")
			}
		case at == on:
			t.Fatalf("parseExpires(%q) set ExpiresAt %v and ExpiresOn %v", s, at, on)
		case on && r.ExpiresOn.String() != s:
			t.Fatalf("parseExpires(%q) = date %v", s, r.ExpiresOn)
		case at:
			if parsed, err := time.Parse(time.RFC3339, s); err == nil {
				if !parsed.Equal(r.ExpiresAt) {
					t.Fatalf("parseExpires(%q) = %v", s, r.ExpiresAt)
				}
			} else if !r.ExpiresAt.After(now) {
				t.Fatalf("duration %q gives %v, not after now", s, r.ExpiresAt)
			}
		}
	})
}
