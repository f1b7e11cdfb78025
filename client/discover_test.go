package client_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

func TestDiscover(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c, err := client.New(fake.DNS, client.WithHTTPClient(fake.Client()), client.WithLoginHost(fake.DNS))
	if err != nil {
		t.Fatal(err)
	}
	ignore := cmpopts.IgnoreFields(client.Discovery{}, "Response")
	for _, tt := range []struct {
		user string
		want client.Discovery
	}{
		{"olivia@veepharm.com", client.Discovery{AuthType: client.AuthTypePassword}},
		{"sso.user@veepharm.com", client.Discovery{AuthType: client.AuthTypeSSO,
			Profiles: []client.AuthProfile{{ID: vaulttest.DefaultOAuthProfileID, Label: vaulttest.DefaultOAuthProfileID}}}},
	} {
		got, err := c.Discover(t.Context(), tt.user)
		if err != nil {
			t.Fatalf("%s: %v", tt.user, err)
		}
		if diff := cmp.Diff(&tt.want, got, ignore); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.user, diff)
		}
		if got.Response.ExecutionID == "" {
			t.Errorf("%s: no execution ID", tt.user)
		}
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || reqs[0].Op != openapi.OpDiscoverAuthType || reqs[0].Header.Get("Authorization") != "" {
		t.Errorf("requests %+v: want two discoveries without credentials", reqs)
	}

	_, err = c.Discover(t.Context(), " ")
	var in *client.InputError
	if !errors.As(err, &in) || in.Op != openapi.OpDiscoverAuthType {
		t.Errorf("an empty user name: %v, want an *InputError of %s", err, openapi.OpDiscoverAuthType)
	}
	if _, err := client.New(fake.DNS, client.WithLoginHost("https://login.veevavault.com")); !errors.Is(err, client.ErrInvalidInput) {
		t.Errorf("a login host with a scheme: %v, want ErrInvalidInput", err)
	}
}

// TestSSOUserPasswordLogin: the fake refuses a password login for an SSO user as it would
// a wrong password, which is what Discover is there to explain.
func TestSSOUserPasswordLogin(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("sso.user@veepharm.com", "anything"))
	_, err := c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("error %v, want USERNAME_OR_PASSWORD_INCORRECT", err)
	}
	idp, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, "sso.user@veepharm.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	c = fakeClient(t, fake, client.OAuth(vaulttest.DefaultOAuthProfileID, client.StaticSecret(idp)))
	if _, err := c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatalf("the same user with OAuth: %v", err)
	}
}
