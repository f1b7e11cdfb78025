package client

import (
	"context"
	"net/http"

	"github.com/acme/vault-token/gen/genlogin"
	"github.com/acme/vault-token/openapi"
)

// How a user signs in, as Discover reports it. Vault documents these two; others may come.
const (
	AuthTypePassword = "password" // a user name and password: Password credentials
	AuthTypeSSO      = "sso"      // single sign-on: OAuth credentials with one of the profiles
)

// Discovery is how a user signs in.
type Discovery struct {
	AuthType string        // AuthTypePassword or AuthTypeSSO
	Profiles []AuthProfile // for AuthTypeSSO: the OAuth 2.0 / OpenID Connect profiles
	Response Response
}

// AuthProfile is an OAuth 2.0 / OpenID Connect profile: its ID is what OAuth takes.
type AuthProfile struct {
	ID          string
	Label       string
	Description string
}

// Discover asks Veeva's login service (DefaultLoginHost, or WithLoginHost) how the user
// named username signs in: with a password, or through single sign-on with one of the
// OAuth / OpenID Connect profiles it returns. It sends no credentials: use it to choose
// them, or to explain a password login refused for an SSO user.
//
// Vault API reference: https://limited.veevavault.dev/vault-api/api-reference/26.2/authentication/authentication-type-discovery/
func (c *Client) Discover(ctx context.Context, username string) (*Discovery, error) {
	if err := checkCredential(openapi.OpDiscoverAuthType, "user name", NewSecret(username)); err != nil {
		return nil, err
	}
	var reply discoveryReply
	secrets := c.auth.held() // none are sent; any a reply echoed are removed all the same
	meta, err := c.exchange(ctx, call{op: openapi.OpDiscoverAuthType, secrets: secrets, build: func() (*http.Request, error) {
		return genlogin.NewDiscoverAuthTypeRequest("https://"+c.settings.loginHost+"/",
			&genlogin.DiscoverAuthTypeParams{Username: username, ClientID: c.clientID()})
	}}, &reply)
	if err != nil {
		return nil, err
	}
	scr := reply.scrub
	if reply.Data == nil || reply.Data.AuthType == "" {
		return nil, unexpected(scr, openapi.OpDiscoverAuthType, meta, "SUCCESS without an auth_type", nil)
	}
	d := &Discovery{AuthType: scr.Field(reply.Data.AuthType), Response: meta}
	for _, p := range deref(reply.Data.AuthProfiles) {
		d.Profiles = append(d.Profiles, AuthProfile{
			ID:          scr.Field(p.ID),
			Label:       scr.Message(deref(p.Label)),
			Description: scr.Message(deref(p.Description)),
		})
	}
	return d, nil
}
