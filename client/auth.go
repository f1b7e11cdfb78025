package client

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/acme/vault-token/openapi"
)

// Credentials say how a client authenticates: a session ID, an API access token, a user
// name and password, or an identity provider's token for OAuth. Build them with SessionID,
// AccessToken, Password or their ...From forms, which take the secret from a SecretSource
// of your own, or with OAuth.
type Credentials struct {
	kind     credKind
	username string
	secret   SecretSource
	oauth    oauthSettings
}

type credKind int

const (
	credSessionID credKind = iota + 1
	credAccessToken
	credPassword
	credOAuth
)

// SessionID authenticates with an existing session ID, sent as the raw Authorization
// header. The client cannot renew it: when it ends, calls fail with ErrorTypeInvalidSessionID.
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
// A src that is also RefusalAware is told which token Vault refused before it is asked
// again.
func AccessTokenFrom(src SecretSource) Credentials {
	return Credentials{kind: credAccessToken, secret: src}
}

// RefusalAware is a SecretSource that wants to know when Vault refused a value it gave
// (INVALID_SESSION_ID): the client calls Refused with that value, then asks Secret once
// more and replays the call if the value changed. A source that caches (a fleet's shared
// record, a secret manager) can so read afresh instead of giving the refused value back.
// Refused must not block: it is called on the refused call's goroutine.
type RefusalAware interface {
	SecretSource
	Refused(s Secret)
}

// Password logs in with POST /auth when a session is first needed. One login runs at a
// time, and its outcome, success or failure, goes to every call waiting for it. The
// session is cached and shared by concurrent calls; it is renewed before Vault's 48-hour
// limit, and once (with the call replayed) when Vault reports it ended.
//
// A password Vault refused is never sent again by the client, even after a later success:
// calls that would send it fail at once with ErrLoginNotAttempted and the refusal (see
// PasswordFrom for a password that changes).
// After API_LIMIT_EXCEEDED no login is sent for a minute; after any other failure the
// client pauses before the next login, 1 second doubling to 1 minute.
func Password(username, password string) Credentials {
	return PasswordFrom(username, staticSecret{NewSecret(password)})
}

// PasswordFrom is Password with the password taken from src before each login. After
// Vault refuses a password, the client still asks src before each call, and sends one login
// when src gives a different password: rotate the password in src and the client follows.
func PasswordFrom(username string, src SecretSource) Credentials {
	return Credentials{kind: credPassword, username: username, secret: src}
}

// OAuth logs in with an access token from the identity provider of a Vault OAuth 2.0 /
// OpenID Connect profile (Okta, Entra ID, Ping, ...), at Veeva's login host. idpToken is
// asked for the token before each login, so a source that refreshes it (a
// golang.org/x/oauth2 TokenSource behind a SecretFunc, say: see the example) keeps the client
// logged in. The session is shared, renewed and re-obtained like a password session
// (Password), with the same rules: one login in flight, its outcome shared, a refused token
// (INVALID_TOKEN, EXPIRED_TOKEN, ...) not sent again until the source gives another.
func OAuth(profileID string, idpToken SecretSource, opts ...OAuthOption) Credentials {
	o := oauthSettings{profileID: profileID}
	for _, opt := range opts {
		opt(&o)
	}
	return Credentials{kind: credOAuth, secret: idpToken, oauth: o}
}

// DefaultLoginHost is Veeva's login host, where OAuth logins and Discover go
// (WithLoginHost sends them elsewhere).
const DefaultLoginHost = "login.veevavault.com"

// An OAuthOption configures an OAuth login.
type OAuthOption func(*oauthSettings)

// OAuthClientID sends the client application's ID at the authorization server with each
// login (the form field client_id), which Vault uses to introspect the token.
func OAuthClientID(id string) OAuthOption { return func(o *oauthSettings) { o.clientID = id } }

type oauthSettings struct {
	profileID, clientID string
}

func (o oauthSettings) check(idpToken SecretSource) error {
	if idpToken == nil {
		return badInput(openapi.OpAuthenticateOAuth, "identity provider token source", "must not be nil")
	}
	if err := checkPathSegment(openapi.OpAuthenticateOAuth, "OAuth profile ID", o.profileID); err != nil {
		return err
	}
	return checkText(openapi.OpAuthenticateOAuth, "OAuth client ID", o.clientID)
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
	case credOAuth:
		fmt.Fprintf(f, "client.Credentials{OAuth profile %q}", c.oauth.profileID)
	default:
		fmt.Fprint(f, "client.Credentials{}")
	}
}

// authenticator supplies the Authorization header value for each call. op is the call,
// which an error names unless it is a login's (a login's errors are the login's).
type authenticator interface {
	authorization(ctx context.Context, op string) (credential, error)
	// refused tells that Vault answered INVALID_SESSION_ID to a call sent with used.
	refused(used Secret)
	// held returns the secrets the authenticator holds (a session, a static credential),
	// which are scrubbed from whatever a reply echoes.
	held() []Secret
}

// credential is what a call authenticates with: the Authorization header value, and the
// secrets to scrub from its reply (that value, raw and after "Bearer ", and whatever else
// the authenticator holds). For a held session or a static credential it is made once and
// shared by every call.
type credential struct {
	authz   Secret
	secrets []Secret
}

// newCredential is authz with the secrets to scrub: its value, its value after "Bearer ",
// and more.
func newCredential(authz Secret, more ...Secret) credential {
	secrets := []Secret{authz}
	if raw, ok := strings.CutPrefix(authz.Reveal(), "Bearer "); ok {
		secrets = append(secrets, NewSecret(raw))
	}
	return credential{authz: authz, secrets: append(secrets, more...)}
}

func newAuthenticator(c *Client, creds *Credentials) authenticator {
	switch {
	case creds == nil || creds.secret == nil:
		return noAuth{}
	case creds.kind == credPassword:
		return newSessionAuth(c, passwordLogin(creds.username, creds.secret))
	case creds.kind == credOAuth:
		return newSessionAuth(c, oauthLogin(creds.oauth, creds.secret))
	default:
		return newSourceAuth(creds.secret, creds.kind == credAccessToken)
	}
}

type noAuth struct{}

func (noAuth) authorization(_ context.Context, op string) (credential, error) {
	return credential{}, badInput(op, "credentials", "none configured: pass client.WithCredentials to New")
}
func (noAuth) refused(Secret) {}
func (noAuth) held() []Secret { return nil }

// sourceAuth sends a session ID or an access token from a source.
type sourceAuth struct {
	src    SecretSource
	bearer bool
	// static is the credential of a static source, made once; nil for a source asked
	// before each call, and for a static value that cannot be sent (each call makes its
	// own error: errors are not shared between calls).
	static *credential
	sent   sentSecrets // the values a source gave and a call sent
}

func newSourceAuth(src SecretSource, bearer bool) *sourceAuth {
	a := &sourceAuth{src: src, bearer: bearer}
	if s, ok := src.(staticSecret); ok {
		if cred, err := a.credential("", s.s); err == nil {
			a.static = &cred
		}
	}
	return a
}

func (a *sourceAuth) field() string {
	if a.bearer {
		return "access token"
	}
	return "session ID"
}

func (a *sourceAuth) credential(op string, s Secret) (credential, error) {
	if err := checkCredential(op, a.field(), s); err != nil {
		return credential{}, err
	}
	if a.bearer {
		return newCredential(NewSecret("Bearer " + s.Reveal())), nil
	}
	return newCredential(s), nil
}

func (a *sourceAuth) authorization(ctx context.Context, op string) (credential, error) {
	if a.static != nil {
		return *a.static, nil
	}
	s, err := a.src.Secret(ctx)
	if err != nil {
		return credential{}, errorf(op, "%s source: %w", a.field(), err)
	}
	cred, err := a.credential(op, s)
	if err == nil {
		a.sent.add(s)
		cred.secrets = append(cred.secrets, a.sent.all()...)
	}
	return cred, err
}

// refused tells a RefusalAware source which of its values Vault refused.
func (a *sourceAuth) refused(used Secret) {
	r, ok := a.src.(RefusalAware)
	if !ok {
		return
	}
	if raw, ok := strings.CutPrefix(used.Reveal(), "Bearer "); ok && a.bearer {
		used = NewSecret(raw)
	}
	r.Refused(used)
}

func (a *sourceAuth) held() []Secret {
	if s, ok := a.src.(staticSecret); ok {
		return []Secret{s.s}
	}
	return a.sent.all()
}

// authedExchange sends a call with the client's credentials. When Vault reports the
// session ended, it gets new credentials and replays the call once: Vault did not process
// a call it refused, so replaying is safe even for a token request.
func (c *Client) authedExchange(ctx context.Context, cl call, out enveloped) (Response, error) {
	cred, err := c.auth.authorization(ctx, cl.op)
	if err != nil {
		return Response{}, err
	}
	for replayed := false; ; replayed = true {
		cl.authz, cl.secrets = cred.authz, cred.secrets
		meta, err := c.exchange(ctx, cl, out)
		if replayed || !errors.Is(err, ErrorTypeInvalidSessionID) {
			return meta, err
		}
		c.auth.refused(cred.authz)
		next, authErr := c.auth.authorization(ctx, cl.op)
		if authErr != nil {
			return meta, authErr
		}
		if next.authz.Equal(cred.authz) {
			return meta, err
		}
		cred = next
	}
}
