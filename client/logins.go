package client

import (
	"net/http"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genlogin"
	"github.com/acme/vault-token/openapi"
)

// noAuthorization is a login sent without an Authorization header.
func noAuthorization(Secret) Secret { return Secret{} }

// passwordLogin is POST /auth with a user name and a password. Logins use DefaultAPIVersion
// whatever version calls are pinned to: Vault documents that the two need not match, and
// a pinned version the Vault does not list must fail as ErrUnsupportedVersion, not as a
// login refused with MALFORMED_URL.
func passwordLogin(username string, password SecretSource) loginMethod {
	return loginMethod{
		op: openapi.OpAuthenticate, secretIs: "password", source: password,
		refusals: []error{
			ErrorTypeUsernameOrPasswordIncorrect, ErrorTypeInactiveUser, ErrorTypeUserLockedOut,
			ErrorTypePasswordChangeRequired, ErrorTypeNoPasswordProvided, ErrWrongVault,
		},
		check: func() error { return checkCredential(openapi.OpAuthenticate, "user name", NewSecret(username)) },
		request: func(c *Client, pw Secret) (*http.Request, error) {
			return gen.NewAuthenticateRequestWithFormdataBody(c.serverURL(DefaultAPIVersion),
				&gen.AuthenticateParams{ClientID: c.clientID()},
				gen.AuthRequest{Username: username, Password: pw.Reveal(), VaultDNS: &c.dns})
		},
		authz: noAuthorization,
	}
}

// oauthLogin exchanges an identity provider's access token for a session, at Veeva's login
// host, with the token as a Bearer Authorization header.
func oauthLogin(o oauthSettings, idpToken SecretSource) loginMethod {
	return loginMethod{
		op: openapi.OpAuthenticateOAuth, secretIs: "identity provider token", source: idpToken,
		refusals: []error{
			ErrorTypeInvalidToken, ErrorTypeExpiredToken, ErrorTypeInactiveUser, ErrorTypeUserLockedOut,
			ErrorTypePasswordChangeRequired, ErrWrongVault,
		},
		check: func() error { return o.check(idpToken) },
		request: func(c *Client, _ Secret) (*http.Request, error) {
			body := genlogin.OAuthLoginRequest{VaultDNS: &c.dns}
			if o.clientID != "" {
				body.ClientID = &o.clientID
			}
			return genlogin.NewAuthenticateOAuthRequestWithFormdataBody("https://"+c.settings.loginHost+"/", o.profileID,
				&genlogin.AuthenticateOAuthParams{ClientID: c.clientID()}, body)
		},
		authz: func(token Secret) Secret { return NewSecret("Bearer " + token.Reveal()) },
	}
}
