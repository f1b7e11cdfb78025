package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// README OAuth: the README shows the function below verbatim (TestReadmeOAuth fails when
// the two differ), and ExampleOAuth_tokenSource runs it.

// idpTokenFrom gives the client the access tokens of a golang.org/x/oauth2 TokenSource
// (client credentials, a refresh token, a workload identity: any flow's). The client asks
// before each login; ReuseTokenSource returns the cached token until it expires, then gets
// a new one. Package client itself does not import x/oauth2.
func idpTokenFrom(ts oauth2.TokenSource) client.SecretSource {
	ts = oauth2.ReuseTokenSource(nil, ts)
	return client.SecretFunc(func(context.Context) (client.Secret, error) {
		tok, err := ts.Token()
		if err != nil {
			return client.Secret{}, err // the login fails with this error; the next asks again
		}
		return client.NewSecret(tok.AccessToken), nil
	})
}

// README OAuth ends.

// An identity provider's client credentials flow, as Okta or Entra ID run it, feeding
// OAuth logins. The identity provider here is a stand-in whose token endpoint hands out
// the fake Vault's identity provider tokens.
func ExampleOAuth_tokenSource() {
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	idp := newStandInIdP(fake, "integration@veepharm.com")
	defer idp.Close()

	conf := clientcredentials.Config{
		ClientID:     "0oa-vault-integration",
		ClientSecret: "from your secret store",
		TokenURL:     idp.URL + "/oauth2/default/v1/token", // your identity provider's
		Scopes:       []string{"vault"},
	}
	ctx := context.Background()
	c, err := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithLoginHost(fake.DNS), // leave out for login.veevavault.com
		client.WithCredentials(client.OAuth(vaulttest.DefaultOAuthProfileID, idpTokenFrom(conf.TokenSource(ctx)),
			client.OAuthClientID(conf.ClientID), // for Vault's token introspection, if the profile uses it
		)))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "from an OAuth session"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Value, strings.HasPrefix(tok.Value.Reveal(), "veeva-vault-"))
	fmt.Println("OAuth logins:", fake.Count(openapi.OpAuthenticateOAuth))
	// Output:
	// [REDACTED] true
	// OAuth logins: 1
}

// newStandInIdP is an OAuth 2.0 token endpoint that issues the fake Vault's identity
// provider tokens for user.
func newStandInIdP(fake *vaulttest.Server, user string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.FormValue("grant_type") != "client_credentials" {
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
			return
		}
		tok, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, user, 0)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	}))
}
