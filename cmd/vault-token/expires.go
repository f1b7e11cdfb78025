package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

// parseExpires reads --expires: an RFC 3339 time (sent in UTC), a date YYYY-MM-DD (23:59:59
// in the user's time zone, as Vault defines it), or a duration from now such as 90d, 2w,
// 12h or 30m.
func parseExpires(s string, now time.Time) (client.TokenRequest, error) {
	var r client.TokenRequest
	if s == "" {
		return r, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		r.ExpiresAt = t
		return r, nil
	}
	if d, err := client.ParseDate(s); err == nil {
		r.ExpiresOn = d
		return r, nil
	}
	if d, ok := parseDuration(s); ok {
		r.ExpiresAt = now.Add(d)
		return r, nil
	}
	return r, command.UsageErrorf("--expires %q: give an RFC 3339 time (2026-12-31T12:00:00Z), a date (2026-12-31) or a duration (90d, 2w, 12h)", s)
}

func parseDuration(s string) (time.Duration, bool) {
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if len(s) > 1 {
		if u, ok := unit[s[len(s)-1]]; ok {
			n, err := strconv.Atoi(s[:len(s)-1])
			if err != nil || n <= 0 || n > 3650 {
				return 0, false
			}
			return time.Duration(n) * u, true
		}
	}
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}
