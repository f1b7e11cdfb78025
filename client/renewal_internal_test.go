package client

import (
	"context"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// TestSessionIsRenewedBefore48Hours moves the client's clock: a session 46 hours old is
// reused, one 47 hours old is replaced before Vault's 48-hour limit ends it.
func TestSessionIsRenewedBefore48Hours(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	user := vaulttest.DefaultUsers()[0]
	c, err := New(fake.DNS, WithHTTPClient(fake.Client()), WithCredentials(Password(user.Username, user.Password)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	call := func() {
		t.Helper()
		if _, err := c.GenerateMyAPIAccessToken(context.Background(), TokenRequest{Name: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	call()
	now = now.Add(46 * time.Hour)
	call()
	if n := fake.Count(openapi.OpAuthenticate); n != 1 {
		t.Fatalf("logins after 46h = %d, want 1", n)
	}
	now = now.Add(time.Hour)
	call()
	if n := fake.Count(openapi.OpAuthenticate); n != 2 {
		t.Fatalf("logins after 47h = %d, want 2", n)
	}
}
