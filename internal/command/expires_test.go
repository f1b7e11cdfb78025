package command

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
)

func TestParseExpires(t *testing.T) {
	for s, want := range map[string]Expires{
		"":                          {},
		"never":                     {Never: true},
		"2026-12-31T12:00:00Z":      {At: time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)},
		"2026-12-31T13:00:00+01:00": {At: time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)},
		"2026-12-31":                {On: client.Date{Year: 2026, Month: time.December, Day: 31}},
		"90d":                       {Life: 90 * 24 * time.Hour},
		"2w":                        {Life: 14 * 24 * time.Hour},
		"12h":                       {Life: 12 * time.Hour},
		"1h30m":                     {Life: 90 * time.Minute},
	} {
		got, err := ParseExpires(s)
		if err != nil {
			t.Errorf("ParseExpires(%q): %v", s, err)
			continue
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
			t.Errorf("ParseExpires(%q) (-want +got):\n%s", s, diff)
		}
	}
	for _, s := range []string{"0d", "-5d", "+5d", "3651d", "522w", "d", "-1h", "0s", "soon", "2026-02-30", " 90d", "Never"} {
		if _, err := ParseExpires(s); !IsUsage(err) || err == nil {
			t.Errorf("ParseExpires(%q) = %v, want a usage error", s, err)
		}
	}
}

// FuzzParseExpires: --expires is refused as a usage error, or gives exactly one expiry that
// means what was written: the RFC 3339 instant, the date, a positive life, or never.
func FuzzParseExpires(f *testing.F) {
	for _, s := range []string{"90d", "2w", "12h", "30m", "0d", "-5d", "3651d", "2026-12-31", "2026-12-31T12:00:00+01:00",
		"2026-12-31T12:00:00Z", "10000-01-01", "1e9h", "9223372036854775807ns", "d", " 90d", "2026-02-30", "never"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpires(s)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseExpires(%q): %v is not a usage error", s, err)
			}
			return
		}
		set := 0
		for _, b := range []bool{!e.At.IsZero(), !e.On.IsZero(), e.Life != 0, e.Never} {
			if b {
				set++
			}
		}
		r := e.Request("n", now)
		switch {
		case s == "":
			if set != 0 {
				t.Fatal("an empty --expires asked for an expiry")
			}
		case set != 1:
			t.Fatalf("ParseExpires(%q) = %+v: not exactly one form", s, e)
		case e.Never && s != "never":
			t.Fatalf("ParseExpires(%q) = never", s)
		case !e.On.IsZero() && e.On.String() != s:
			t.Fatalf("ParseExpires(%q) = date %v", s, e.On)
		case !e.At.IsZero():
			if parsed, err := time.Parse(time.RFC3339, s); err != nil || !parsed.Equal(r.ExpiresAt) {
				t.Fatalf("ParseExpires(%q) = %v", s, e.At)
			}
		case e.Life != 0 && !r.ExpiresAt.After(now):
			t.Fatalf("life %q gives %v, not after now", s, r.ExpiresAt)
		}
	})
}
