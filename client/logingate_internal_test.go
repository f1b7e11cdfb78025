package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoginGateSchedule drives the login gate on the client's own clock: the pauses after
// failed logins (1 s doubling to 1 min), the minute after Vault's login limit, a refused
// password never sent again until the source changes it, and a clean slate after success.
func TestLoginGateSchedule(t *testing.T) {
	var logins atomic.Int32
	var answer atomic.Value // what the next login gets: "502", "limit", "refused" or "ok"
	answer.Store("502")
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/"+DefaultAPIVersion+"/auth" {
			fmt.Fprint(w, `{"responseStatus":"SUCCESS","values":{}}`)
			return
		}
		logins.Add(1)
		switch answer.Load() {
		case "502":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
		case "limit":
			fmt.Fprint(w, `{"responseStatus":"FAILURE","errors":[{"type":"API_LIMIT_EXCEEDED"}]}`)
		case "refused":
			fmt.Fprint(w, `{"responseStatus":"FAILURE","errors":[{"type":"USERNAME_OR_PASSWORD_INCORRECT"}]}`)
		default:
			fmt.Fprintf(w, `{"responseStatus":"SUCCESS","sessionId":"s","vaultId":1,"vaultIds":[{"id":1,"url":"https://%s/api"}]}`, srv.Listener.Addr())
		}
	}))
	defer srv.Close()
	var password atomic.Value
	password.Store("first-password")
	src := SecretFunc(func(context.Context) (Secret, error) { return NewSecret(password.Load().(string)), nil })
	c, err := New(srv.Listener.Addr().String(), WithHTTPClient(srv.Client()), WithCredentials(PasswordFrom("u", src)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	// try makes one call at now+after and reports whether a login was sent.
	try := func(after time.Duration) (sent bool, err error) {
		t.Helper()
		now = now.Add(after)
		before := logins.Load()
		_, err = c.APIVersions(context.Background())
		return logins.Load() > before, err
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

	answer.Store("limit")
	if sent, err := try(time.Minute); !sent || !errors.Is(err, ErrorTypeAPILimitExceeded) {
		t.Fatalf("sent %v, error %v; want a login refused for the limit", sent, err)
	}
	if sent, err := try(time.Minute - time.Millisecond); sent || !errors.Is(err, ErrorTypeAPILimitExceeded) {
		t.Fatalf("within the limit's minute: sent %v, error %v", sent, err)
	}

	answer.Store("refused")
	if sent, err := try(time.Millisecond); !sent || !errors.Is(err, ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("sent %v, error %v; want the refusal", sent, err)
	}
	if sent, err := try(24 * time.Hour); sent || !errors.Is(err, ErrLoginNotAttempted) || !errors.Is(err, ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("a day later, same password: sent %v, error %v; want the remembered refusal", sent, err)
	}
	answer.Store("ok")
	password.Store("second-password")
	if sent, err := try(0); !sent || err != nil {
		t.Fatalf("new password: sent %v, error %v; want one login that succeeds", sent, err)
	}
	// The first, one after each of the 8 pauses, the limit, the refusal, the new password.
	if n := logins.Load(); n != 12 {
		t.Errorf("%d logins in all, want 12", n)
	}
}
