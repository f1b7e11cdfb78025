package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/acme/vault-token/gen"
)

// Credentials say how a client authenticates: a session ID, an API access token, or a
// user name and password. Build them with SessionID, AccessToken, Password or their
// ...From forms, which take the secret from a SecretSource of your own.
type Credentials struct {
	kind     credKind
	username string
	secret   SecretSource
}

type credKind int

const (
	credSessionID credKind = iota + 1
	credAccessToken
	credPassword
)

// SessionID authenticates with an existing session ID, sent as the raw Authorization
// header. The client cannot renew it: when it ends, calls fail with ErrInvalidSession.
func SessionID(id string) Credentials { return SessionIDFrom(staticSecret{NewSecret(id)}) }

// SessionIDFrom takes the session ID from src before each call. After Vault refuses a
// session, the client asks src again and replays the call once if it gives a new one.
func SessionIDFrom(src SecretSource) Credentials {
	return Credentials{kind: credSessionID, secret: src}
}

// AccessToken authenticates with an API access token, sent as "Bearer {token}".
func AccessToken(token string) Credentials {
	return AccessTokenFrom(staticSecret{NewSecret(token)})
}

// AccessTokenFrom takes the access token from src before each call, as SessionIDFrom does.
func AccessTokenFrom(src SecretSource) Credentials {
	return Credentials{kind: credAccessToken, secret: src}
}

// Password logs in with POST /auth when a session is first needed. The session is
// cached and shared by concurrent calls; it is renewed before Vault's 48-hour limit, and
// once (with the call replayed) when Vault reports it ended. A login Vault refuses is
// never retried in a loop; after API_LIMIT_EXCEEDED the client makes no login attempt
// for a minute.
func Password(username, password string) Credentials {
	return PasswordFrom(username, staticSecret{NewSecret(password)})
}

// PasswordFrom is Password with the password taken from src before each login.
func PasswordFrom(username string, src SecretSource) Credentials {
	return Credentials{kind: credPassword, username: username, secret: src}
}

// Format prints the kind of credentials, never the secret, whatever the verb.
func (c Credentials) Format(f fmt.State, _ rune) {
	switch c.kind {
	case credSessionID:
		fmt.Fprint(f, "client.Credentials{session ID}")
	case credAccessToken:
		fmt.Fprint(f, "client.Credentials{access token}")
	case credPassword:
		fmt.Fprintf(f, "client.Credentials{password for %q}", c.username)
	default:
		fmt.Fprint(f, "client.Credentials{}")
	}
}

// authenticator supplies the Authorization header value for each call.
type authenticator interface {
	authorization(ctx context.Context) (Secret, error)
	// refused tells that Vault answered INVALID_SESSION_ID to a call sent with used.
	refused(ctx context.Context, used Secret)
}

func newAuthenticator(c *Client, creds *Credentials) authenticator {
	switch {
	case creds == nil || creds.secret == nil:
		return noAuth{}
	case creds.kind == credPassword:
		return &passwordAuth{c: c, username: creds.username, password: creds.secret, session: newLazy[session]()}
	default:
		return sourceAuth{src: creds.secret, bearer: creds.kind == credAccessToken}
	}
}

type noAuth struct{}

func (noAuth) authorization(context.Context) (Secret, error) {
	return Secret{}, &InputError{Field: "credentials", Reason: "none configured: pass client.WithCredentials to New"}
}
func (noAuth) refused(context.Context, Secret) {}

type sourceAuth struct {
	src    SecretSource
	bearer bool
}

func (a sourceAuth) authorization(ctx context.Context) (Secret, error) {
	field := "session ID"
	if a.bearer {
		field = "access token"
	}
	s, err := a.src.Secret(ctx)
	if err != nil {
		return Secret{}, fmt.Errorf("vault: %s source: %w", field, err)
	}
	if strings.TrimSpace(s.value) == "" {
		return Secret{}, &InputError{Field: field, Reason: "must not be empty"}
	}
	if strings.ContainsAny(s.value, "\r\n") {
		return Secret{}, &InputError{Field: field, Reason: "must not contain line breaks"}
	}
	if a.bearer {
		return NewSecret("Bearer " + s.value), nil
	}
	return s, nil
}

func (sourceAuth) refused(context.Context, Secret) {}

// Sessions last 48 hours at most; renew an hour early so a long call does not outlive one.
const (
	sessionMaxAge    = 48 * time.Hour
	sessionRenewal   = time.Hour
	loginBlockPeriod = time.Minute
)

type session struct {
	id       Secret
	obtained time.Time
}

type passwordAuth struct {
	c        *Client
	username string
	password SecretSource
	session  lazy[session]

	mu           sync.Mutex
	blockedUntil time.Time
	blockErr     error
}

func (a *passwordAuth) authorization(ctx context.Context) (Secret, error) {
	s, err := a.session.get(ctx, a.fresh, a.login)
	return s.id, err
}

func (a *passwordAuth) fresh(s session) bool {
	return a.c.now().Sub(s.obtained) < sessionMaxAge-sessionRenewal
}

func (a *passwordAuth) refused(ctx context.Context, used Secret) {
	_ = a.session.dropIf(ctx, func(s session) bool { return s.id == used })
}

func (a *passwordAuth) login(ctx context.Context) (session, error) {
	const op = "log in"
	a.mu.Lock()
	until, blockErr := a.blockedUntil, a.blockErr
	a.mu.Unlock()
	if a.c.now().Before(until) {
		return session{}, fmt.Errorf("vault: %s: not attempted before %s, since the last login hit Vault's login limit: %w",
			op, until.UTC().Format(time.RFC3339), blockErr)
	}
	if strings.TrimSpace(a.username) == "" {
		return session{}, &InputError{Field: "user name", Reason: "must not be empty"}
	}
	pw, err := a.password.Secret(ctx)
	if err != nil {
		return session{}, fmt.Errorf("vault: password source: %w", err)
	}
	if pw.IsZero() {
		return session{}, &InputError{Field: "password", Reason: "must not be empty"}
	}
	var reply gen.AuthReply
	c := a.c
	_, err = c.exchange(ctx, call{
		op: op,
		build: func() (*http.Request, error) {
			return gen.NewAuthenticateRequestWithFormdataBody(c.serverURL(c.settings.version),
				&gen.AuthenticateParams{ClientID: c.clientID()},
				gen.AuthRequest{Username: a.username, Password: pw.Reveal(), VaultDNS: &c.dns})
		},
		secrets: []Secret{pw},
	}, &reply)
	if errors.Is(err, ErrAPILimitExceeded) {
		a.mu.Lock()
		a.blockedUntil, a.blockErr = c.now().Add(loginBlockPeriod), err
		a.mu.Unlock()
	}
	if err != nil {
		return session{}, err
	}
	if reply.SessionID == nil || *reply.SessionID == "" {
		return session{}, fmt.Errorf("vault: %s: reply has no sessionId", op)
	}
	if err := c.checkSessionVault(reply); err != nil {
		return session{}, err
	}
	return session{id: NewSecret(*reply.SessionID), obtained: c.now()}, nil
}

// checkSessionVault refuses a session for another Vault than the one asked for (auth
// defaulting): calls made with it would act on the wrong Vault.
func (c *Client) checkSessionVault(reply gen.AuthReply) error {
	if reply.VaultID == nil {
		return fmt.Errorf("vault: log in: %w: the reply does not say which Vault the session is for", ErrWrongVault)
	}
	for _, v := range deref(reply.VaultIDs) {
		if v.ID != *reply.VaultID {
			continue
		}
		u, err := url.Parse(v.URL)
		if err != nil {
			return fmt.Errorf("vault: log in: %w: vault %d has an unreadable URL", ErrWrongVault, v.ID)
		}
		if !sameHost(u.Host, c.dns) {
			return fmt.Errorf("vault: log in: %w: asked for %s, got %s (vault ID %d)", ErrWrongVault, c.dns, u.Host, v.ID)
		}
		return nil
	}
	return fmt.Errorf("vault: log in: %w: vault ID %d is not among the user's Vaults", ErrWrongVault, *reply.VaultID)
}

func sameHost(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, ":443"), strings.TrimSuffix(b, ":443"))
}

// authedExchange sends a call with the client's credentials. When Vault reports the
// session ended, it gets new credentials and replays the call once: Vault did not process
// a call it refused, so replaying is safe even for a token request.
func (c *Client) authedExchange(ctx context.Context, op string, oneShot bool, build func() (*http.Request, error), out any) (Response, error) {
	authz, err := c.auth.authorization(ctx)
	if err != nil {
		return Response{}, err
	}
	for replayed := false; ; replayed = true {
		meta, err := c.exchange(ctx, call{op: op, build: build, authz: authz, secrets: secretsOf(authz), oneShot: oneShot}, out)
		if replayed || !errors.Is(err, ErrInvalidSession) {
			return meta, err
		}
		c.auth.refused(ctx, authz)
		next, authErr := c.auth.authorization(ctx)
		if authErr != nil {
			return meta, authErr
		}
		if next == authz {
			return meta, err
		}
		authz = next
	}
}

func secretsOf(authz Secret) []Secret {
	return []Secret{authz, NewSecret(strings.TrimPrefix(authz.value, "Bearer "))}
}
