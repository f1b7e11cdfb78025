package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/openapi"
)

const invalidSession = `{"responseStatus":"FAILURE","errors":[{"type":"INVALID_SESSION_ID","message":"Invalid or expired session ID."}]}`

func TestPasswordLoginIsSharedByConcurrentCalls(t *testing.T) {
	var v *handVault
	v = newTestVault(t, vaultLike(func() string { return v.dns() }))
	c := v.newClient(client.WithCredentials(client.Password("olivia@veepharm.com", secretPassword)))

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := v.count("/auth"); n != 1 {
		t.Errorf("%d logins for 20 concurrent calls, want 1", n)
	}
	login := v.requests()[0]
	want := wireRequest{
		Method: "POST", Path: "/api/v26.2/auth", ContentType: "application/x-www-form-urlencoded", Accept: "application/json", UserAgent: "vault-token-go/" + client.Version,
		Form: url.Values{"username": {"olivia@veepharm.com"}, "password": {secretPassword}, "vaultDNS": {v.dns()}},
	}
	if diff := cmp.Diff(want, login); diff != "" {
		t.Errorf("login request (-want +got):\n%s", diff)
	}
	for _, r := range v.requests()[1:] {
		if r.Authorization != secretSession {
			t.Fatalf("token call sent Authorization %q, want the session ID", r.Authorization)
		}
	}
}

// TestExpiredSessionIsRenewedOnce: Vault refuses the cached session; the client logs in
// again and replays the call, once. A second refusal is returned, not looped on.
func TestExpiredSessionIsRenewedOnce(t *testing.T) {
	var v *handVault
	var refuse, logins atomic.Int32
	refuse.Store(1)
	v = newTestVault(t, func(w http.ResponseWriter, r *http.Request, req wireRequest) {
		if strings.HasSuffix(req.Path, "/auth") {
			reply(w, authSuccessWith(v.dns(), fmt.Sprintf("%s-%d", secretSession, logins.Add(1))))
			return
		}
		if refuse.Add(-1) >= 0 {
			reply(w, invalidSession)
			return
		}
		reply(w, tokenSuccess)
	})
	c := v.newClient(client.WithCredentials(client.Password("olivia@veepharm.com", secretPassword)))
	if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatalf("call after one refused session: %v", err)
	}
	if got, want := [2]int{v.count("/auth"), v.count("api_access_token__sys")}, [2]int{2, 2}; got != want {
		t.Errorf("logins, token calls = %v, want %v", got, want)
	}

	refuse.Store(100)
	_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrorTypeInvalidSessionID) {
		t.Fatalf("error = %v, want ErrorTypeInvalidSessionID", err)
	}
	if got, want := [2]int{v.count("/auth"), v.count("api_access_token__sys")}, [2]int{3, 4}; got != want {
		t.Errorf("after two refusals: logins, token calls = %v, want %v", got, want)
	}
}

func TestStaticSessionIsNotReplayed(t *testing.T) {
	v := newTestVault(t, func(w http.ResponseWriter, _ *http.Request, _ wireRequest) { reply(w, invalidSession) })
	_, err := v.newClient(client.WithCredentials(client.SessionID(secretSession))).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrorTypeInvalidSessionID) {
		t.Fatalf("error = %v", err)
	}
	if n := len(v.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestSourceIsAskedAgain: a secret manager that has rotated the token gets asked again
// after a refusal, and the call is replayed with the new value.
func TestSourceIsAskedAgain(t *testing.T) {
	v := newTestVault(t, func(w http.ResponseWriter, _ *http.Request, req wireRequest) {
		if req.Authorization == "Bearer new-"+secretAccess {
			reply(w, tokenSuccess)
			return
		}
		reply(w, invalidSession)
	})
	var calls atomic.Int32
	src := client.SecretFunc(func(context.Context) (client.Secret, error) {
		if calls.Add(1) == 1 {
			return client.NewSecret("old-" + secretAccess), nil
		}
		return client.NewSecret("new-" + secretAccess), nil
	})
	_, err := v.newClient(client.WithCredentials(client.AccessTokenFrom(src))).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestAuthDefaultingIsRefused(t *testing.T) {
	v := newTestVault(t, func(w http.ResponseWriter, _ *http.Request, req wireRequest) {
		if strings.HasSuffix(req.Path, "/auth") {
			reply(w, authSuccess("other-vault.veevavault.com"))
			return
		}
		t.Errorf("a call was made with a session for the wrong Vault: %s", req.Path)
	})
	_, err := v.newClient(client.WithCredentials(client.Password("olivia@veepharm.com", secretPassword))).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrWrongVault) || !strings.Contains(err.Error(), "other-vault.veevavault.com") {
		t.Fatalf("error = %v, want ErrWrongVault naming the other Vault", err)
	}
}

func TestFailedLoginIsNotRetried(t *testing.T) {
	v := newTestVault(t, func(w http.ResponseWriter, _ *http.Request, req wireRequest) {
		reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"USERNAME_OR_PASSWORD_INCORRECT","message":"Authentication failed for user: olivia@veepharm.com."}],"errorType":"AUTHENTICATION_FAILED"}`)
	})
	_, err := v.newClient(client.WithCredentials(client.Password("olivia@veepharm.com", secretPassword))).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Op != openapi.OpAuthenticate || apiErr.ErrorType != "AUTHENTICATION_FAILED" ||
		!errors.Is(err, client.ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("error = %v, want the login's APIError", err)
	}
	if n := len(v.requests()); n != 1 {
		t.Errorf("%d requests, want the one login", n)
	}
}

// TestLoginLimitBlocksLogins: after API_LIMIT_EXCEEDED on /auth every login fails for a
// minute anyway, so the client does not try.
func TestLoginLimitBlocksLogins(t *testing.T) {
	v := newTestVault(t, func(w http.ResponseWriter, _ *http.Request, req wireRequest) {
		reply(w, `{"responseStatus":"FAILURE","errors":[{"type":"API_LIMIT_EXCEEDED","message":"Too many logins"}],"errorType":"AUTHENTICATION_FAILED"}`)
	})
	c := v.newClient(client.WithCredentials(client.Password("olivia@veepharm.com", secretPassword)))
	for i := range 3 {
		_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
		if !errors.Is(err, client.ErrorTypeAPILimitExceeded) {
			t.Fatalf("call %d: error = %v, want ErrorTypeAPILimitExceeded", i, err)
		}
	}
	if n := len(v.requests()); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

func TestEmptyPasswordIsInputError(t *testing.T) {
	v := newTestVault(t, func(http.ResponseWriter, *http.Request, wireRequest) { t.Error("unexpected request") })
	_, err := v.newClient(client.WithCredentials(client.Password("olivia@veepharm.com", ""))).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var in *client.InputError
	if !errors.As(err, &in) || in.Field != "password" {
		t.Fatalf("error = %v", err)
	}
}
