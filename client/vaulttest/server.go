package vaulttest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/vault-token/internal/loopcert"
	"github.com/acme/vault-token/openapi"
)

// Config describes the fake Vault. The zero Config is a working Vault with the users
// DefaultUsers returns and two sandboxes, "VeePharm Sandbox" and "R&D/QA Sandbox" (a name
// that must be escaped as one path segment).
type Config struct {
	Users     []User
	Sandboxes []string
	// Versions are the API versions the Vault lists, oldest first; the last is the Beta.
	// Default: v25.3, v26.1, v26.2, v26.3.
	Versions []string
	// SessionIdleTimeout ends a session not used for this long (default 30 minutes; Vault's
	// is set per domain, 10 minutes to 8 hours). Sessions also end after 48 hours.
	SessionIdleTimeout time.Duration
	// BurstLimit is the calls allowed per 5-minute window (default 2000). Past it, each
	// reply is held back by BurstDelay (default 500ms) and says so in X-VaultAPI-ResponseDelay.
	BurstLimit int
	BurstDelay time.Duration
	// LoginLimit is the logins allowed per user name per minute (default 20). Past it, every
	// login fails with API_LIMIT_EXCEEDED until the minute ends.
	LoginLimit int
	// OAuthProfiles are the Vault's OAuth 2.0 / OpenID Connect profiles (default: one, with
	// ID DefaultOAuthProfileID and no client ID). Server.IdPToken issues tokens for them.
	OAuthProfiles []OAuthProfile
	// QueryPageSize is the records per page of a token query (default 1000, Vault's); set
	// it low to make a test page through results.
	QueryPageSize int
	// Addr is the loopback address to listen on (default 127.0.0.1:0, any free port).
	Addr string
	// InMemory serves over in-memory connections instead of a loopback port: only the
	// clients Server.Client returns reach it, at DNS InMemoryDNS. Use it inside a
	// testing/synctest bubble, where a test's deadlines, the fake's delays and the
	// client's pauses all run on the bubble's clock (start the fake inside the bubble).
	InMemory bool
	// Report receives each way a request or a response broke the spec. Default: logged.
	Report func(violation string)
	// Lenient answers a request that breaks the spec as if it did not, after reporting it
	// (for a client being brought to the spec one violation at a time). By default the fake refuses such a
	// request as Vault would refuse a bad one, so a client's test cannot pass against the
	// fake and fail against Vault: FAILURE MALFORMED_URL for a path no operation has (an
	// unescaped "/" in a sandbox name), FAILURE INVALID_DATA for anything else (a JSON body
	// to a form-only operation, a form field the operation does not declare).
	Lenient bool
}

// DefaultUsers are the users a zero Config holds.
func DefaultUsers() []User {
	return []User{
		{ID: 12021, Username: "olivia@veepharm.com", Password: "demo-password", Admin: true},
		{ID: 12345, Username: "integration@veepharm.com", Password: "integration-password"},
		{ID: 13000, Username: "veevaid.user@veepharm.com", Password: "veevaid-password", VeevaID: true},
		{ID: 14000, Username: "wanderer@veepharm.com", Password: "wanderer-password", DefaultsElsewhere: true},
		{ID: 15000, Username: "sso.user@veepharm.com", SSO: true},
	}
}

// TB is the part of testing.TB the fake uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Server is a running fake Vault.
type Server struct {
	// DNS is the host:port to give a client as its vault DNS.
	DNS string
	// URL is https:// and DNS, for a request sent by hand: a base URL, as httptest's.
	URL string

	cfg    Config
	tb     TB // from NewTestServer: a refused fault fails the test
	srv    *httptest.Server
	memory *memoryListener        // with Config.InMemory
	spec   map[string]*openapi3.T // the spec's documents, by file name
	mux    *http.ServeMux

	mu         sync.Mutex
	offset     time.Duration // the test's clock: real time plus offset
	sessions   map[string]*session
	tokens     []Token
	requests   []Request      // the latest, within MaxKeptRequests and MaxKeptBytes
	weights    []int          // what each kept request weighs: its body and headers, in bytes
	keptBytes  int            // their sum
	counts     map[string]int // every request received, by operation ("" for all)
	arrived    chan struct{}  // closed, and replaced, when a request is recorded
	violations []string
	faults     []Fault
	burstStart time.Time
	burstUsed  int
	logins     map[string]*loginWindowState
	queries    map[string]*storedQuery
	idpTokens  map[string]idpToken
	nextToken  int
	conns      int // TCP connections accepted
}

type loginWindowState struct {
	start time.Time
	count int
}

// NewTestServer starts a fake Vault that reports spec violations with t.Errorf and closes
// when the test ends. It fails the test if the fake cannot start, and when Inject refuses
// a fault.
func NewTestServer(t TB, cfg Config) *Server {
	t.Helper()
	if cfg.Report == nil {
		cfg.Report = func(v string) { t.Helper(); t.Errorf("vaulttest: %s", v) }
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	s.tb = t
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Vault, or says why it could not: the spec did not load, or
// Config.Addr could not be listened on (a port in use, an address that is not local).
// Close it when done; in a test, NewTestServer does.
func NewServer(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	spec, err := loadSpec()
	if err != nil {
		return nil, fmt.Errorf("vaulttest: %w", err)
	}
	s := &Server{cfg: cfg, spec: spec, sessions: map[string]*session{}, logins: map[string]*loginWindowState{}, queries: map[string]*storedQuery{}, idpTokens: map[string]idpToken{}}
	s.mux = s.newMux()
	l, err := s.listen()
	if err != nil {
		return nil, err
	}
	// No timeouts, as httptest's own server has none: an idle connection closed by a
	// timer would make connection counts, and a clock advanced in a synctest bubble,
	// change what a test sees.
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{ //nolint:gosec // a fake for tests
		Handler:  s,
		ErrorLog: log.New(io.Discard, "", 0), // dropped connections are deliberate
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				s.mu.Lock()
				s.conns++
				s.mu.Unlock()
			}
		},
	}}
	cert, err := s.certificate(l)
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}
	s.srv.StartTLS()
	s.DNS = s.srv.Listener.Addr().String()
	if cfg.InMemory {
		s.DNS = InMemoryDNS
	}
	s.URL = "https://" + s.DNS
	s.burstStart = s.now()
	return s, nil
}

// certificate makes the server's certificate: a fresh key for this server, kept in memory
// only, and a certificate that names only the address it listens on, is not a CA and
// expires within a day (loopcert). Trusting it trusts nothing else.
func (s *Server) certificate(l net.Listener) (*loopcert.Cert, error) {
	var cert *loopcert.Cert
	var err error
	if s.cfg.InMemory {
		cert, err = loopcert.New(time.Now(), InMemoryDNS)
	} else {
		cert, err = loopcert.ForListener(time.Now(), l)
	}
	if err != nil {
		return nil, fmt.Errorf("vaulttest: %w", err)
	}
	return cert, nil
}

// withDefaults is cfg with every zero field set to its documented default.
func (cfg Config) withDefaults() Config {
	if cfg.Users == nil {
		cfg.Users = DefaultUsers()
	}
	if cfg.Sandboxes == nil {
		cfg.Sandboxes = []string{"VeePharm Sandbox", "R&D/QA Sandbox"}
	}
	if cfg.Versions == nil {
		cfg.Versions = []string{"v25.3", "v26.1", "v26.2", "v26.3"}
	}
	if cfg.SessionIdleTimeout == 0 {
		cfg.SessionIdleTimeout = 30 * time.Minute
	}
	if cfg.BurstLimit == 0 {
		cfg.BurstLimit = 2000
	}
	if cfg.BurstDelay == 0 {
		cfg.BurstDelay = 500 * time.Millisecond
	}
	if cfg.LoginLimit == 0 {
		cfg.LoginLimit = 20
	}
	if cfg.OAuthProfiles == nil {
		cfg.OAuthProfiles = []OAuthProfile{{ID: DefaultOAuthProfileID}}
	}
	if cfg.QueryPageSize == 0 {
		cfg.QueryPageSize = 1000
	}
	if cfg.Report == nil {
		cfg.Report = func(v string) { log.Printf("vaulttest: %s", v) } //nolint:gosec // report made v one printable line
	}
	return cfg
}

// listen returns the listener Config asks for: in memory, on Config.Addr, or on any free
// loopback port.
func (s *Server) listen() (net.Listener, error) {
	if s.cfg.InMemory {
		s.memory = newMemoryListener()
		return s.memory, nil
	}
	addr := s.cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("vaulttest: %w", err)
	}
	return l, nil
}

// loadSpec loads and validates the spec's documents, by file name.
func loadSpec() (map[string]*openapi3.T, error) {
	docs := map[string]*openapi3.T{}
	for name, data := range openapi.Documents() {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("load spec %s: %w", name, err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("spec %s: %w", name, err)
		}
		docs[name] = doc
	}
	return docs, nil
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client that trusts the server's certificate. It keeps up to 100
// idle connections (net/http's default keeps 2 per host), so a test with many goroutines
// reuses connections rather than opening new ones.
func (s *Server) Client() *http.Client {
	hc := *s.srv.Client()
	if t, ok := hc.Transport.(*http.Transport); ok {
		t = t.Clone()
		t.MaxIdleConnsPerHost = 100
		if s.memory != nil {
			t.DialContext = s.memory.dial
			t.DialTLSContext = nil
		}
		hc.Transport = t
	}
	return &hc
}

// Connections returns how many TCP connections the server has accepted: a client that
// reuses its connections opens no more than it has calls in flight at once.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// CertificatePEM returns the server's certificate, for curl --cacert, vault-token's
// --ca-file or SSL_CERT_FILE. It is made for this server alone: a fresh key that never
// leaves the process, the server's address as its only name, not a CA (it can vouch for
// nothing else), valid for a day.
func (s *Server) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Advance moves the fake Vault's clock forward: sessions idle out, tokens expire, rate
// windows roll over.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// Now is the fake Vault's clock.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// Tokens returns the tokens the server issued, oldest first.
func (s *Server) Tokens() []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Token(nil), s.tokens...)
}

// What the server keeps of the requests it received, so that a process that sends it
// large requests without end (any local process can) cannot grow it without end: the
// latest MaxKeptRequests, weighing at most MaxKeptBytes (bodies and headers). Count and
// WaitForRequests count every request, kept or not.
const (
	MaxKeptRequests = 1000
	MaxKeptBytes    = 16 << 20
)

// Requests returns the requests the server received, oldest first: the latest
// MaxKeptRequests, within MaxKeptBytes of bodies and headers. Use Count to count requests.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// recordLocked records a request and wakes those waiting for one. Call with s.mu held.
func (s *Server) recordLocked(rec Request, weight int) {
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[""]++
	if rec.Op != "" {
		s.counts[rec.Op]++
	}
	s.requests, s.weights = append(s.requests, rec), append(s.weights, weight)
	s.keptBytes += weight
	for len(s.requests) > MaxKeptRequests || s.keptBytes > MaxKeptBytes {
		s.keptBytes -= s.weights[0]
		s.requests[0] = Request{}
		s.requests, s.weights = s.requests[1:], s.weights[1:]
	}
	if s.arrived != nil {
		close(s.arrived)
		s.arrived = nil
	}
}

// WaitForRequests waits until the server has received n requests of operation op (all
// operations when op is empty), or ctx ends: the way for a test to act at the moment a
// call reaches Vault, without sleeping.
func (s *Server) WaitForRequests(ctx context.Context, op string, n int) error {
	for {
		s.mu.Lock()
		got := s.countLocked(op)
		if got >= n {
			s.mu.Unlock()
			return nil
		}
		if s.arrived == nil {
			s.arrived = make(chan struct{})
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return fmt.Errorf("vaulttest: %d of %d requests of %q received: %w", got, n, op, ctx.Err())
		}
	}
}

// Count returns how many requests for operation op (an operationId from the spec) the
// server received: the way to prove a call was sent once and not retried.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.countLocked(op)
}

// countLocked counts the requests of op, or all when op is empty. Call with s.mu held.
func (s *Server) countLocked(op string) int { return s.counts[op] }

// Violations returns every spec violation seen so far.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// SessionFor logs the user in without an HTTP call, for tests that start with a session.
func (s *Server) SessionFor(username string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.cfg.Users {
		if u.Username == username {
			return s.newSession(u.ID), nil
		}
	}
	return "", fmt.Errorf("vaulttest: no user %q", username)
}

// SetPassword changes a user's password, as an administrator rotating it would. Sessions
// already open stay open.
func (s *Server) SetPassword(username, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range s.cfg.Users {
		if u.Username == username {
			s.cfg.Users[i].Password = password
			return nil
		}
	}
	return fmt.Errorf("vaulttest: no user %q", username)
}

// EndSessions ends every session now, as an idle timeout or an administrator would: the
// next call made with one is refused with INVALID_SESSION_ID.
func (s *Server) EndSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

func (s *Server) newSession(userID int64) string {
	id := strings.ToUpper(randomHex(32))
	now := s.now()
	s.sessions[id] = &session{userID: userID, created: now, lastUsed: now}
	return id
}

// report records a violation. Its text quotes what a client sent, so it is made one line
// of printable text first: a client's escape sequences must not reach a test's log or the
// terminal of someone running vault-token fake.
func (s *Server) report(format string, args ...any) {
	v := printable(fmt.Sprintf(format, args...), 2000)
	s.mu.Lock()
	s.violations = append(s.violations, v)
	s.mu.Unlock()
	s.cfg.Report(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// printable replaces control and format characters with '?' and bounds s to limit runes.
func printable(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}
