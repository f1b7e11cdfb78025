package vaulttest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/acme/vault-token/openapi"
)

// OAuthProfile is one of the Vault's OAuth 2.0 / OpenID Connect profiles: logins with an
// access token from its identity provider are posted to /auth/oauth/session/{ID} on the
// login host, which the fake serves on its own address.
type OAuthProfile struct {
	ID string
	// ClientID, when set, is the client_id a login must send, as when Vault introspects
	// the token at the authorization server with it: a login without it, or with another,
	// is refused with INVALID_TOKEN.
	ClientID string
}

// DefaultOAuthProfileID is the OAuth profile a zero Config holds.
const DefaultOAuthProfileID = "0oa1vaulttest"

// DefaultIdPTokenLifetime is how long IdPToken's tokens last when asked for zero.
const DefaultIdPTokenLifetime = time.Hour

// idpToken is an access token the fake's identity provider issued.
type idpToken struct {
	profile  string
	userID   int64
	expireAt time.Time
}

// IdPToken issues an access token from the identity provider of OAuth profile profileID
// for the user, as Okta or Entra ID would, for a test to give a client; it expires after
// lifetime on the fake's clock (DefaultIdPTokenLifetime if zero), when a login with it is
// refused with EXPIRED_TOKEN. Each call returns a new token.
func (s *Server) IdPToken(profileID, username string, lifetime time.Duration) (string, error) {
	if lifetime < 0 {
		return "", fmt.Errorf("vaulttest: IdPToken: negative lifetime %v", lifetime)
	}
	if lifetime == 0 {
		lifetime = DefaultIdPTokenLifetime
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.oauthProfile(profileID); !ok {
		return "", fmt.Errorf("vaulttest: IdPToken: no OAuth profile %q", profileID)
	}
	for _, u := range s.cfg.Users {
		if u.Username == username {
			// Shaped like a JWT (three base64url parts), as Okta's and Entra ID's are.
			v := "eyJhbGciOiJSUzI1NiJ9.eyJ2YXVsdHRlc3QiOnRydWV9." + randomHex(24)
			s.idpTokens[v] = idpToken{profile: profileID, userID: u.ID, expireAt: s.now().Add(lifetime)}
			return v, nil
		}
	}
	return "", fmt.Errorf("vaulttest: IdPToken: no user %q", username)
}

func (s *Server) oauthProfile(id string) (OAuthProfile, bool) {
	for _, p := range s.cfg.OAuthProfiles {
		if p.ID == id {
			return p, true
		}
	}
	return OAuthProfile{}, false
}

// oauthLogin answers POST /auth/oauth/session/{profileID}. Vault's documentation lists
// neither INVALID_TOKEN nor EXPIRED_TOKEN, but integrations see them; the fake refuses an
// unknown profile with INVALID_DATA, a guess.
func (s *Server) oauthLogin(r *http.Request, profileID string, f url.Values, now time.Time) map[string]any {
	profile, ok := s.oauthProfile(profileID)
	if !ok {
		return loginFailure("", "INVALID_DATA", "OAuth 2.0 / OpenID Connect profile ["+profileID+"] not found.")
	}
	auth := r.Header.Get("Authorization")
	value, isBearer := strings.CutPrefix(auth, "Bearer ")
	tok, known := s.idpTokens[value]
	switch {
	case !isBearer || value == "":
		return loginFailure("", "INVALID_TOKEN", "No access token was provided.")
	case !known || tok.profile != profile.ID || (profile.ClientID != "" && f.Get("client_id") != profile.ClientID):
		return loginFailure("", "INVALID_TOKEN", "The access token is invalid.")
	}
	u, _ := s.user(tok.userID)
	if !s.countLogin(u.Username, now) {
		return loginFailure(u.Username, "API_LIMIT_EXCEEDED", loginLimitMessage)
	}
	if !now.Before(tok.expireAt) {
		return loginFailure(u.Username, "EXPIRED_TOKEN", "The access token has expired.")
	}
	return s.sessionReply(u)
}

// isLogin says whether op logs in, with a password or an identity provider's token.
func isLogin(op string) bool {
	return op == openapi.OpAuthenticate || op == openapi.OpAuthenticateOAuth
}

// loginUser is the user a login names, for messages: the user name a password login sends,
// or the owner of the identity provider token an OAuth login sends.
func (s *Server) loginUser(r *http.Request, f url.Values) string {
	if tok, ok := s.idpTokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
		u, _ := s.user(tok.userID)
		return u.Username
	}
	return f.Get("username")
}
