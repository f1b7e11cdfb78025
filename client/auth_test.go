package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

func TestPasswordLoginIsSharedByConcurrentCalls(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	var mu sync.Mutex
	var login []wireRequest
	var authz []string
	c := fakeClient(t, fake, client.Password(olivia.Username, olivia.Password), client.WithHTTPClient(&http.Client{
		Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			if strings.HasSuffix(r.URL.Path, "/auth") {
				body, _ := r.GetBody()
				raw, _ := io.ReadAll(body)
				form, _ := url.ParseQuery(string(raw))
				login = append(login, wireRequest{Method: r.Method, Path: r.URL.EscapedPath(), ContentType: r.Header.Get("Content-Type"),
					Accept: r.Header.Get("Accept"), UserAgent: r.Header.Get("User-Agent"), Form: form})
			} else {
				authz = append(authz, r.Header.Get("Authorization"))
			}
			mu.Unlock()
			return fake.Client().Transport.RoundTrip(r)
		})}))

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
	if n := fake.Count(openapi.OpAuthenticate); n != 1 {
		t.Errorf("%d logins for 20 concurrent calls, want 1", n)
	}
	want := []wireRequest{{
		Method: "POST", Path: "/api/v26.2/auth", ContentType: "application/x-www-form-urlencoded", Accept: "application/json", UserAgent: "vault-token-go/" + client.Version,
		Form: url.Values{"username": {olivia.Username}, "password": {olivia.Password}, "vaultDNS": {fake.DNS}},
	}}
	if diff := cmp.Diff(want, login); diff != "" {
		t.Errorf("login request (-want +got):\n%s", diff)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(authz)))) != 1 || authz[0] == "" {
		t.Errorf("the token calls sent %d different Authorization values, want the one session", len(slices.Compact(slices.Sorted(slices.Values(authz)))))
	}
}

// TestExpiredSessionIsRenewedOnce: Vault refuses the cached session; the client logs in
// again and replays the call, once. A second refusal is returned, not looped on.
func TestExpiredSessionIsRenewedOnce(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password(olivia.Username, olivia.Password))
	if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.SessionEnded})
	if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatalf("call after one refused session: %v", err)
	}
	if got, want := [2]int{fake.Count(openapi.OpAuthenticate), fake.Count(openapi.OpGenerateMyAPIAccessToken)}, [2]int{2, 3}; got != want {
		t.Errorf("logins, token calls = %v, want %v", got, want)
	}

	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.SessionEnded, Repeat: true})
	_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrorTypeInvalidSessionID) {
		t.Fatalf("error = %v, want ErrorTypeInvalidSessionID", err)
	}
	if got, want := [2]int{fake.Count(openapi.OpAuthenticate), fake.Count(openapi.OpGenerateMyAPIAccessToken)}, [2]int{3, 5}; got != want {
		t.Errorf("after two refusals: logins, token calls = %v, want %v", got, want)
	}
}

func TestStaticSessionIsNotReplayed(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	_, err := fakeClient(t, fake, client.SessionID(secretSession)).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrorTypeInvalidSessionID) {
		t.Fatalf("error = %v", err)
	}
	if n := fake.Count(""); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// TestSourceIsAskedAgain: a secret manager that has rotated the session gets asked again
// after a refusal, and the call is replayed with the new value.
func TestSourceIsAskedAgain(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	valid, err := fake.SessionFor(olivia.Username)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	src := client.SecretFunc(func(context.Context) (client.Secret, error) {
		if calls.Add(1) == 1 {
			return client.NewSecret("expired-" + secretSession), nil
		}
		return client.NewSecret(valid), nil
	})
	if _, err := fakeClient(t, fake, client.SessionIDFrom(src)).GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	if n := fake.Count(openapi.OpGenerateMyAPIAccessToken); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// refusalAwareSource gives the token in held until told it was refused, then the one in
// fresh: a cache that reads afresh only when told.
type refusalAwareSource struct {
	mu          sync.Mutex
	held, fresh string
	refusedWith []string
}

func (s *refusalAwareSource) Secret(context.Context) (client.Secret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return client.NewSecret(s.held), nil
}

func (s *refusalAwareSource) Refused(used client.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusedWith = append(s.refusedWith, used.Reveal())
	s.held = s.fresh
}

// TestRefusedTokenIsToldToItsSource: a source that caches learns which access token
// Vault refused (the raw token, not the header), and the call goes through with the
// value it reads afresh.
func TestRefusedTokenIsToldToItsSource(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password(olivia.Username, olivia.Password))
	tok, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	src := &refusalAwareSource{held: "veeva-vault-revoked-" + secretAccess, fresh: tok.Value.Reveal()}
	if _, err := fakeClient(t, fake, client.AccessTokenFrom(src)).MyUserID(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"veeva-vault-revoked-" + secretAccess}, src.refusedWith); diff != "" {
		t.Errorf("Refused calls (-want +got):\n%s", diff)
	}
}

func TestAuthDefaultingIsRefused(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	wanderer := vaulttest.DefaultUsers()[3] // logs in to another Vault: auth defaulting
	_, err := fakeClient(t, fake, client.Password(wanderer.Username, wanderer.Password)).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrWrongVault) {
		t.Fatalf("error = %v, want ErrWrongVault", err)
	}
	if n := fake.Count(openapi.OpGenerateMyAPIAccessToken); n != 0 {
		t.Errorf("%d calls made with a session for the wrong Vault", n)
	}
}

func TestFailedLoginIsNotRetried(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	_, err := fakeClient(t, fake, client.Password(olivia.Username, "wrong-"+secretPassword)).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Op != openapi.OpAuthenticate || apiErr.ErrorType != "AUTHENTICATION_FAILED" ||
		!errors.Is(err, client.ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("error = %v, want the login's APIError", err)
	}
	if n := fake.Count(""); n != 1 {
		t.Errorf("%d requests, want the one login", n)
	}
}

// TestLoginLimitBlocksLogins: after API_LIMIT_EXCEEDED on /auth every login fails for a
// minute anyway, so the client does not try.
func TestLoginLimitBlocksLogins(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpAuthenticate, Kind: vaulttest.OverLoginLimit, Repeat: true})
	c := fakeClient(t, fake, client.Password(olivia.Username, olivia.Password))
	for i := range 3 {
		_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
		if !errors.Is(err, client.ErrorTypeAPILimitExceeded) {
			t.Fatalf("call %d: error = %v, want ErrorTypeAPILimitExceeded", i, err)
		}
	}
	if n := fake.Count(openapi.OpAuthenticate); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

func TestEmptyPasswordIsInputError(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	_, err := fakeClient(t, fake, client.Password(olivia.Username, "")).
		GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	var in *client.InputError
	if !errors.As(err, &in) || in.Field != "password" {
		t.Fatalf("error = %v", err)
	}
	if n := fake.Count(""); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
