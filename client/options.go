package client

import (
	"log/slog"
	"net/http"
	"time"
)

// An Option configures a Client in New.
type Option func(*settings) error

type settings struct {
	creds         *Credentials
	version       string
	checkVersion  bool
	latest        bool
	beta          bool
	httpClient    *http.Client
	clientID      string
	userAgent     string
	logger        *slog.Logger
	maxReplyBytes int64
	loginTimeout  time.Duration
	loginHost     string // Veeva's login service: OAuth logins and Discover
}

// WithLoginHost sends OAuth logins and Discover to another host than DefaultLoginHost:
// a host name with an optional port, such as a fake Vault in tests.
func WithLoginHost(host string) Option {
	return func(s *settings) error {
		if err := checkHost(OpNew, "login host", host); err != nil {
			return err
		}
		s.loginHost = host
		return nil
	}
}

// WithCredentials sets how the client authenticates. Without it, calls that need a
// session fail with an error naming the missing credentials. OAuth settings are checked
// here, before any call.
func WithCredentials(c Credentials) Option {
	return func(s *settings) error {
		if c.kind == credOAuth {
			if err := c.oauth.check(c.secret); err != nil {
				return err
			}
		}
		s.creds = &c
		return nil
	}
}

// WithAPIVersion pins the API version, such as "v26.2". The default is DefaultAPIVersion.
func WithAPIVersion(v string) Option {
	return func(s *settings) error {
		if _, err := parseVersion(OpNew, v); err != nil {
			return err
		}
		s.version = v
		return nil
	}
}

// WithAPIVersionCheck makes the client confirm, once, with GET /api/ that the Vault lists
// the pinned version, so an unsupported version is a clear error (ErrUnsupportedVersion)
// before the first token call rather than a failure from the call itself.
func WithAPIVersionCheck() Option {
	return func(s *settings) error { s.checkVersion = true; return nil }
}

// WithLatestAPIVersion makes the client ask the Vault, once, for its versions and use the
// newest one. The newest listed may be the Beta version, which can still change; it is
// chosen only when beta is true, otherwise the one before it is. Logins use
// DefaultAPIVersion whatever the choice (Vault documents that the login's version need not
// match later calls'). The list is asked for once, on a context of its own bounded by the
// login timeout, and its outcome shared by the calls waiting for it.
func WithLatestAPIVersion(beta bool) Option {
	return func(s *settings) error { s.latest, s.beta = true, beta; return nil }
}

// WithHTTPClient sets the HTTP client, for timeouts, proxies or a test CA. The client is
// copied, not changed: the copy never follows redirects, so credentials cannot be carried
// to another host.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return badInput(OpNew, "HTTP client", "must not be nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithClientID sends X-VaultAPI-ClientID on every call, so Vault's API usage logs name the
// program. Vault's format: 1 to 100 of letters, digits, '.', '_' and '-'; recommended shape
// {company}-{organization}-{team}-{server|client}-{program}.
func WithClientID(id string) Option {
	return func(s *settings) error {
		if err := checkClientID(OpNew, id); err != nil {
			return err
		}
		s.clientID = id
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		if err := checkText(OpNew, "user agent", ua); err != nil {
			return err
		}
		s.userAgent = ua
		return nil
	}
}

// WithLogger logs each call at debug level: operation, method, path, HTTP status,
// execution ID, rate-limit data and duration. It never logs headers, bodies or secrets.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { s.logger = l; return nil }
}

// WithMaxReplySize bounds how many bytes of a reply body the client reads; a larger reply
// is an error. The default, 1 MiB, is far above any reply of these endpoints.
func WithMaxReplySize(n int64) Option {
	return func(s *settings) error {
		if n < 1024 {
			return badInput(OpNew, "max reply size", "must be at least 1024 bytes")
		}
		s.maxReplyBytes = n
		return nil
	}
}

// WithLoginTimeout bounds each login and each version discovery (default
// DefaultLoginTimeout). They run on a context of their own rather than the caller's, so
// that a caller whose deadline passes stops waiting without cancelling the login for the
// other calls waiting on it.
func WithLoginTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return badInput(OpNew, "login timeout", "must be positive")
		}
		s.loginTimeout = d
		return nil
	}
}
