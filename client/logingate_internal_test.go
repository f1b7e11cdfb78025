package client

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// TestLoginGateSchedule drives the login gate on the client's own clock: the pauses after
// failed logins (1 s doubling to 1 min), the minute after Vault's login limit, a refused
// password never sent again until the source changes it, and a clean slate after success.
func TestLoginGateSchedule(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{Users: []vaulttest.User{{ID: 1, Username: "u", Password: "second-password"}}})
	// The first login and the 8 after each pause meet a proxy's 502, in turn.
	for range 9 {
		_ = fake.Inject(vaulttest.Fault{Op: openapi.OpAuthenticate, Kind: vaulttest.GatewayError})
	}
	logins := func() int { return fake.Count(openapi.OpAuthenticate) }
	var password atomic.Value
	password.Store("first-password")
	src := SecretFunc(func(context.Context) (Secret, error) { return NewSecret(password.Load().(string)), nil })
	c, err := New(fake.DNS, WithHTTPClient(fake.Client()), WithCredentials(PasswordFrom("u", src)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	// try makes one call at now+after and reports whether a login was sent.
	try := func(after time.Duration) (sent bool, err error) {
		t.Helper()
		now = now.Add(after)
		before := logins()
		_, err = c.APIVersions(context.Background())
		return logins() > before, err
	}

	if sent, _ := try(0); !sent {
		t.Fatal("the first login was not sent")
	}
	for _, pause := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60} {
		pause *= time.Second
		if sent, err := try(pause - time.Millisecond); sent || !errors.Is(err, ErrLoginNotAttempted) {
			t.Fatalf("%v after a failed login: sent %v, error %v; want no login", pause-time.Millisecond, sent, err)
		}
		if sent, _ := try(time.Millisecond); !sent {
			t.Fatalf("no login %v after the failed one", pause)
		}
	}

	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpAuthenticate, Kind: vaulttest.OverLoginLimit})
	if sent, err := try(time.Minute); !sent || !errors.Is(err, ErrorTypeAPILimitExceeded) {
		t.Fatalf("sent %v, error %v; want a login refused for the limit", sent, err)
	}
	if sent, err := try(time.Minute - time.Millisecond); sent || !errors.Is(err, ErrorTypeAPILimitExceeded) {
		t.Fatalf("within the limit's minute: sent %v, error %v", sent, err)
	}

	// No fault: the fake refuses the first password, which is not the user's.
	if sent, err := try(time.Millisecond); !sent || !errors.Is(err, ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("sent %v, error %v; want the refusal", sent, err)
	}
	if sent, err := try(24 * time.Hour); sent || !errors.Is(err, ErrLoginNotAttempted) || !errors.Is(err, ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("a day later, same password: sent %v, error %v; want the remembered refusal", sent, err)
	}
	password.Store("second-password")
	if sent, err := try(0); !sent || err != nil {
		t.Fatalf("new password: sent %v, error %v; want one login that succeeds", sent, err)
	}
	// The first, one after each of the 8 pauses, the limit, the refusal, the new password.
	if n := logins(); n != 12 {
		t.Errorf("%d logins in all, want 12", n)
	}
}
