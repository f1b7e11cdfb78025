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
	userID   string // from the login reply
	obtained time.Time
}

// sessionAuth logs in when a call needs a session, and shares the session.
type sessionAuth struct {
	c        *Client
	username string
	password SecretSource
	session  *sharedValue[session]
	gate     loginGate // used by the login in flight only
}

func newSessionAuth(c *Client, username string, password SecretSource) *sessionAuth {
	a := &sessionAuth{c: c, username: username, password: password}
	a.session = newSharedValue(opLogin, c.settings.loginTimeout, a.login)
	return a
}

func (a *sessionAuth) authorization(ctx context.Context) (Secret, error) {
	s, err := a.session.get(ctx, a.fresh)
	return s.id, err
}

func (a *sessionAuth) fresh(s session) bool {
	return a.c.now().Sub(s.obtained) < sessionMaxAge-sessionRenewal
}

func (a *sessionAuth) refused(used Secret) {
	a.session.dropIf(func(s session) bool { return s.id.Equal(used) })
}

func (a *sessionAuth) held() []Secret {
	if s := a.session.held.Load(); s != nil {
		return []Secret{s.id}
	}
	return nil
}

// login obtains a session, unless the gate knows how a login would end.
func (a *sessionAuth) login(ctx context.Context) (session, error) {
	if err := a.gate.wait(a.c.now()); err != nil {
		return session{}, err
	}
	if err := checkCredential("user name", NewSecret(a.username)); err != nil {
		return session{}, withOp(err, opLogin)
	}
	pw, err := a.password.Secret(ctx)
	if err != nil {
		return session{}, errorf(opLogin, "password source: %w", err)
	}
	if err := checkCredential("password", pw); err != nil {
		return session{}, withOp(err, opLogin)
	}
	if err := a.gate.refusedBefore(pw, "password"); err != nil {
		return session{}, err
	}
	s, err := a.attempt(ctx, pw)
	a.gate.learn(a.c.now(), pw, err)
	return s, err
}

// attempt sends one login. Logins use DefaultAPIVersion whatever version calls are pinned
// to: Vault documents that the two need not match, and a pinned version the Vault does not
// list must fail as ErrUnsupportedVersion, not as a login refused with MALFORMED_URL.
func (a *sessionAuth) attempt(ctx context.Context, pw Secret) (session, error) {
	c := a.c
	var reply gen.AuthReply
	_, err := c.exchange(ctx, call{
		op: opLogin,
		build: func() (*http.Request, error) {
			return gen.NewAuthenticateRequestWithFormdataBody(c.serverURL(DefaultAPIVersion),
				&gen.AuthenticateParams{ClientID: c.clientID()},
				gen.AuthRequest{Username: a.username, Password: pw.Reveal(), VaultDNS: &c.dns})
		},
		secrets: []Secret{pw},
	}, &reply)
	if err != nil {
		return session{}, err
	}
	if reply.SessionID == nil || *reply.SessionID == "" {
		return session{}, errorf(opLogin, "the reply has no sessionId")
	}
	if err := c.checkSessionVault(reply); err != nil {
		return session{}, err
	}
	s := session{id: NewSecret(*reply.SessionID), obtained: c.now()}
	if reply.UserID != nil {
		s.userID = strconv.FormatInt(*reply.UserID, 10)
	}
	return s, nil
}

// checkSessionVault refuses a session for another Vault than the one asked for (auth
// defaulting): calls made with it would act on the wrong Vault.
func (c *Client) checkSessionVault(reply gen.AuthReply) error {
	if reply.VaultID == nil {
		return &wrongVaultError{"the reply does not say which Vault it is for"}
	}
	for _, v := range deref(reply.VaultIDs) {
		if v.ID != *reply.VaultID {
			continue
		}
		u, err := url.Parse(v.URL)
		if err != nil {
			return &wrongVaultError{fmt.Sprintf("vault %d has an unreadable URL", v.ID)}
		}
		if !sameHost(u.Host, c.dns) {
			return &wrongVaultError{fmt.Sprintf("asked for %s, got %s (vault ID %d)", c.dns, fromNetwork(u.Host, nil, fieldRunes, false), v.ID)}
		}
		return nil
	}
	return &wrongVaultError{fmt.Sprintf("vault ID %d is not among the user's Vaults", *reply.VaultID)}
}

func sameHost(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, ":443"), strings.TrimSuffix(b, ":443"))
}
