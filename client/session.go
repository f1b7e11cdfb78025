package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/openapi"
)

// Sessions last 48 hours at most; renew an hour early so a long call does not outlive one.
const (
	sessionMaxAge  = 48 * time.Hour
	sessionRenewal = time.Hour
)

// DefaultLoginTimeout bounds a login, and the version discovery of WithAPIVersionCheck and
// WithLatestAPIVersion. Both run on a context of their own so that one caller's deadline
// does not cancel them for the others; WithLoginTimeout changes it.
const DefaultLoginTimeout = 30 * time.Second

type session struct {
	id       Secret
	cred     credential // the session as calls send it, made once
	userID   string     // from the login reply
	obtained time.Time
}

// sessionAuth logs in when a call needs a session, and shares the session. A password
// login and an OAuth login differ only in their loginMethod: one login in flight, its
// outcome shared, refusals remembered, the session renewed, are the same for both.
type sessionAuth struct {
	c       *Client
	method  loginMethod
	session *sharedValue[session]
	gate    loginGate   // used by the login in flight only
	sent    sentSecrets // the login secrets sent, from whatever source
}

// loginMethod is how a session is obtained.
type loginMethod struct {
	op       string       // openapi.OpAuthenticate, openapi.OpAuthenticateOAuth
	secretIs string       // what the secret is, in messages: "password", "identity provider token"
	source   SecretSource // asked for the secret before each login
	// refusals are the errors that say the secret will not work until it changes: it is not
	// sent again until the source gives another.
	refusals []error
	check    func() error                                 // input checks that need no secret
	request  func(*Client, Secret) (*http.Request, error) // builds the login
	// authz is the login's own Authorization header: none for a password, the identity
	// provider's token for OAuth.
	authz func(Secret) Secret
}

func newSessionAuth(c *Client, m loginMethod) *sessionAuth {
	a := &sessionAuth{c: c, method: m}
	a.session = newSharedValue(m.op, c.settings.loginTimeout, a.login)
	return a
}

func (a *sessionAuth) authorization(ctx context.Context, _ string) (credential, error) {
	s, err := a.session.get(ctx, a.fresh)
	return s.cred, err
}

func (a *sessionAuth) fresh(s session) bool {
	return a.c.now().Sub(s.obtained) < sessionMaxAge-sessionRenewal
}

func (a *sessionAuth) refused(used Secret) {
	a.session.dropIf(func(s session) bool { return s.id.Equal(used) })
}

func (a *sessionAuth) held() []Secret {
	var out []Secret
	if s := a.session.held.Load(); s != nil {
		out = append(out, s.id)
	}
	return append(out, a.loginSecrets()...)
}

// loginSecrets are the login's secret when its source is static, and every one a source
// gave that a login sent: known to the client, so scrubbed from every reply, not only the
// login's.
func (a *sessionAuth) loginSecrets() []Secret {
	out := a.sent.all()
	if s, ok := a.method.source.(staticSecret); ok {
		out = append(out, s.s)
	}
	return out
}

// login obtains a session, unless the gate knows how a login would end.
func (a *sessionAuth) login(ctx context.Context) (session, error) {
	m := a.method
	if err := a.gate.wait(m.op, a.c.now()); err != nil {
		return session{}, err
	}
	if err := m.check(); err != nil {
		return session{}, err
	}
	secret, err := m.source.Secret(ctx)
	if err != nil {
		return session{}, errorf(m.op, "%s source: %w", m.secretIs, err)
	}
	if err := checkCredential(m.op, m.secretIs, secret); err != nil {
		return session{}, err
	}
	if err := a.gate.refusedBefore(m.op, secret, m.secretIs); err != nil {
		return session{}, err
	}
	a.sent.add(secret)
	s, err := a.attempt(ctx, secret)
	a.gate.learn(a.c.now(), secret, err, m.refusals)
	return s, err
}

// attempt sends one login and checks the session it returns.
func (a *sessionAuth) attempt(ctx context.Context, secret Secret) (session, error) {
	c, m := a.c, a.method
	var reply authReply
	meta, err := c.exchange(ctx, call{
		op:      m.op,
		build:   func() (*http.Request, error) { return m.request(c, secret) },
		authz:   m.authz(secret),
		secrets: append([]Secret{secret}, a.held()...),
	}, &reply)
	if err != nil {
		return session{}, err
	}
	if reply.SessionID == nil || *reply.SessionID == "" {
		return session{}, unexpected(reply.scrub, m.op, meta, "SUCCESS without a sessionId", nil)
	}
	if err := c.checkSessionVault(m.op, reply); err != nil {
		return session{}, err
	}
	id := NewSecret(*reply.SessionID)
	s := session{id: id, obtained: c.now()}
	s.cred = newCredential(id, a.loginSecrets()...)
	if reply.UserID != nil {
		s.userID = strconv.FormatInt(*reply.UserID, 10)
	}
	return s, nil
}

// checkSessionVault refuses a session for another Vault than the one asked for (auth
// defaulting): calls made with it would act on the wrong Vault.
func (c *Client) checkSessionVault(op string, reply authReply) error {
	if reply.VaultID == nil {
		return &wrongVaultError{op, "the reply does not say which Vault it is for"}
	}
	for _, v := range deref(reply.VaultIDs) {
		if v.ID != *reply.VaultID {
			continue
		}
		u, err := url.Parse(v.URL)
		if err != nil {
			return &wrongVaultError{op, fmt.Sprintf("vault %d has an unreadable URL", v.ID)}
		}
		if !sameHost(u.Host, c.dns) {
			return &wrongVaultError{op, fmt.Sprintf("asked for %s, got %s (vault ID %d)", c.dns, reply.scrub.Field(u.Host), v.ID)}
		}
		return nil
	}
	return &wrongVaultError{op, fmt.Sprintf("vault ID %d is not among the user's Vaults", *reply.VaultID)}
}

func sameHost(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, ":443"), strings.TrimSuffix(b, ":443"))
}

// EndSession ends the session the client logged in for (with a password or OAuth), with
// Vault's End Session call, and forgets it: a later call logs in again. It does nothing,
// and sends nothing, when the client holds no session it logged in for: a session ID or an
// API access token the client was given is the caller's, and is never ended. Call it when
// a program is done with a Vault, so that a session ID that leaks from a finished job is
// useless (a session otherwise lives until Vault's idle timeout, up to 8 hours).
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/authentication/end-session/
func (c *Client) EndSession(ctx context.Context) error {
	a, ok := c.auth.(*sessionAuth)
	if !ok {
		return nil
	}
	held := a.session.held.Load()
	if held == nil {
		return nil
	}
	s := *held
	a.session.dropIf(func(h session) bool { return h.id.Equal(s.id) })
	api, err := c.tokenAPI(ctx, openapi.OpEndSession)
	if err != nil {
		api.server = c.serverURL(DefaultAPIVersion) // the session ends whatever version calls are pinned to
	}
	var reply envelope
	_, err = c.exchange(ctx, call{
		op:           openapi.OpEndSession,
		changesVault: true,
		authz:        s.cred.authz,
		secrets:      s.cred.secrets,
		build: func() (*http.Request, error) {
			return gen.NewEndSessionRequest(api.server, &gen.EndSessionParams{ClientID: c.clientID()})
		},
	}, &reply)
	return err
}
