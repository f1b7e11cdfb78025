package client

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// lazyRegexp compiles a pattern the first time it is used, not when the package loads: a
// program that imports the package (a command's --help) pays nothing for patterns it
// never runs.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

var (
	clientIDPattern = lazyRegexp(`^[A-Za-z0-9._-]{1,100}$`)
	hostPattern     = lazyRegexp(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
)

func checkVaultDNS(op, dns string) error { return checkHost(op, "vault DNS", dns) }

// checkHost accepts a host name or IP address with an optional port, and nothing else:
// the generated code puts it into the URL unescaped, so a scheme, path, query or user info
// would change where requests (and credentials) go. field names it in the error.
func checkHost(op, field, dns string) error {
	bad := func(reason string) error { return badInput(op, field, reason) }
	switch {
	case dns == "":
		return bad("must not be empty")
	case strings.Contains(dns, "://"):
		return bad("give the host name only, without a scheme such as https://")
	case strings.ContainsAny(dns, "/?#"):
		return bad("give the host name only, without a path, query or fragment")
	case strings.Contains(dns, "@"):
		return bad("must not carry user info")
	}
	u, err := url.Parse("https://" + dns)
	if err != nil || u.Host != dns {
		return bad("not a host name with an optional port")
	}
	host, port := u.Hostname(), u.Port()
	if strings.HasSuffix(dns, ":") {
		return bad("empty port")
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("port must be 1 to 65535")
		}
	}
	if net.ParseIP(host) == nil && !hostPattern().MatchString(host) {
		return bad("not a valid host name")
	}
	return nil
}

func checkClientID(op, id string) error {
	if !clientIDPattern().MatchString(id) {
		return badInput(op, "client ID", "must be 1 to 100 of letters, digits, '.', '_' and '-'")
	}
	return nil
}

// checkUserID accepts a numeric user ID (^[0-9]{1,19}$).
func checkUserID(op, id string) error {
	if !isUserID(id) {
		return badInput(op, "user ID", "must be a numeric Vault user ID")
	}
	return nil
}

func checkSandboxName(op, name string) error { return checkPathSegment(op, "sandbox name", name) }

// checkPathSegment accepts text for one segment of a request's path, which the generated
// code escapes: not empty, no control characters, and not "." or "..", which a server or
// proxy would resolve against the path around them.
func checkPathSegment(op, field, v string) error {
	bad := func(reason string) error { return badInput(op, field, reason) }
	switch {
	case strings.TrimSpace(v) == "":
		return bad("must not be empty")
	case v == "." || v == "..":
		return bad(`must not be "." or ".." (a path segment that cannot be sent)`)
	}
	return checkText(op, field, v)
}

func checkTokenName(op, name string) error {
	if strings.TrimSpace(name) == "" {
		return badInput(op, "token name", "must not be empty")
	}
	return checkText(op, "token name", name)
}

func checkText(op, field, s string) error {
	if !utf8.ValidString(s) {
		return badInput(op, field, "must be valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return badInput(op, field, "must not contain control characters")
		}
	}
	return nil
}

// checkCredential refuses an empty credential, or one with a control character, which
// net/http would refuse to send in a header (or Vault could not have issued) and which
// would otherwise surface as a network error rather than bad input.
func checkCredential(op, field string, s Secret) error {
	v := s.Reveal()
	if strings.TrimSpace(v) == "" {
		return badInput(op, field, "must not be empty")
	}
	return checkText(op, field, v)
}

func isUserID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
