package command

import (
	"strconv"
	"strings"
	"time"

	"github.com/acme/vault-token/client"
)

// Expires is what --expires asks for, in the one grammar every program reads: an instant,
// a date, a life from now, or never. The zero Expires asks for nothing (Vault's default:
// never, where the user's security profile allows it).
type Expires struct {
	At    time.Time     // an RFC 3339 time: an instant, sent in UTC
	On    client.Date   // a date, YYYY-MM-DD: 23:59:59 in the user's time zone, as Vault defines it
	Life  time.Duration // a life from now: 90d, 2w, 12h, 30m
	Never bool          // never: the token does not expire
}

// ExpiresForms says the grammar in the operator's words, for a flag's help.
const ExpiresForms = "an RFC 3339 time (2026-12-31T12:00:00Z), a date (2026-12-31), a life from now (90d, 2w, 12h) or never"

// maxDays bounds Nd and Nw: ten years, past any expiry a Vault takes.
const maxDays = 3650

// ParseExpires reads --expires. An empty s asks for nothing.
func ParseExpires(s string) (Expires, error) {
	var e Expires
	switch s {
	case "":
		return e, nil
	case "never":
		e.Never = true
		return e, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		e.At = t
		return e, nil
	}
	if d, err := client.ParseDate(s); err == nil {
		e.On = d
		return e, nil
	}
	if d, ok := parseLife(s); ok {
		e.Life = d
		return e, nil
	}
	return e, UsageErrorf("--expires %q: give %s", s, ExpiresForms)
}

// parseLife reads Nd, Nw or a positive Go duration.
func parseLife(s string) (time.Duration, bool) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			days, err := strconv.Atoi(n)
			if err != nil || days <= 0 || days*int(unit/(24*time.Hour)) > maxDays || n[0] == '+' {
				return 0, false
			}
			return time.Duration(days) * unit, true
		}
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// Request is the expiry of a token request made at now: a life counts from now.
func (e Expires) Request(name string, now time.Time) client.TokenRequest {
	r := client.TokenRequest{Name: name, ExpiresAt: e.At, ExpiresOn: e.On}
	if e.Life > 0 {
		r.ExpiresAt = now.Add(e.Life)
	}
	return r
}

// Fixed reports whether e names one end (an instant or a date) rather than a life.
func (e Expires) Fixed() bool { return !e.At.IsZero() || !e.On.IsZero() }
