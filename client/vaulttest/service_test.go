package vaulttest_test

import (
	"context"
	"testing"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
)

// README service test: what a service's own test against the fake looks like. The README
// shows this function as it is (TestReadmeServiceTest).

func TestRotateKeepsOneToken(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{}) // closed when the test ends
	c, err := client.New(fake.DNS, client.WithHTTPClient(fake.Client()),
		client.WithCredentials(client.Password("olivia@veepharm.com", "demo-password")))
	if err != nil {
		t.Fatal(err)
	}
	store := func(context.Context, *client.Token) error { return nil } // your secret store
	// Your code under test; here, three rotations.
	for range 3 {
		if _, err := c.RotateAPIAccessToken(t.Context(), client.RotateRequest{
			Me: true, TokenRequest: client.TokenRequest{Name: "CI"}, Store: store,
		}); err != nil {
			t.Fatal(err)
		}
	}
	active := 0
	for _, tok := range fake.Tokens() { // what the fake issued, as it recorded it
		if tok.Active(fake.Now()) {
			active++
		}
	}
	if active != 1 {
		t.Errorf("%d active tokens, want 1", active)
	}
}

// README service test ends.
