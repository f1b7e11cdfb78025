package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
)

// The client the way a service runs it: many goroutines on one client, with faults. Every
// count below is taken from the fake Vault's records (requests, tokens, connections), not
// from what the client believes.

const goroutines = 64

func mustInject(t *testing.T, fake *vaulttest.Server, f vaulttest.Fault) {
	t.Helper()
	if err := fake.Inject(f); err != nil {
		t.Fatal(err)
	}
}

// rotatingPassword is a password source whose value the test changes, as a secret manager's
// would change when an administrator rotates it.
type rotatingPassword struct{ v atomic.Value }

func newRotatingPassword(pw string) *rotatingPassword {
	r := &rotatingPassword{}
	r.v.Store(pw)
	return r
}

func (r *rotatingPassword) set(pw string) { r.v.Store(pw) }

func (r *rotatingPassword) Secret(context.Context) (client.Secret, error) {
	return client.NewSecret(r.v.Load().(string)), nil
}

// inParallel runs f(g) on n goroutines at once and returns their errors, by g.
func inParallel(n int, f func(g int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() { errs[g] = f(g) })
	}
	wg.Wait()
	return errs
}

func TestRefusedPasswordIsSentOnce(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	// A slow login, so that the goroutines pile up behind it.
	mustInject(t, fake, vaulttest.Fault{Op: vaulttest.OpAuthenticate, Delay: 300 * time.Millisecond})
	pw := newRotatingPassword("rotated-away-password")
	c := fakeClient(t, fake, client.PasswordFrom("olivia@veepharm.com", pw))
	ctx := context.Background()
	generate := func(int) error {
		_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"})
		return err
	}

	for g, err := range inParallel(goroutines, generate) {
		if !errors.Is(err, client.ErrUsernameOrPasswordIncorrect) {
			t.Fatalf("goroutine %d: error = %v, want ErrUsernameOrPasswordIncorrect", g, err)
		}
	}
	if n := fake.Count(vaulttest.OpAuthenticate); n != 1 {
		t.Fatalf("%d logins reached Vault for %d goroutines with a wrong password, want 1", n, goroutines)
	}
	for i := range 30 {
		err := generate(i)
		if !errors.Is(err, client.ErrUsernameOrPasswordIncorrect) || !errors.Is(err, client.ErrLoginNotAttempted) {
			t.Fatalf("call %d after the refusal: error = %v, want the remembered refusal, not attempted", i, err)
		}
	}
	if n := fake.Count(vaulttest.OpAuthenticate); n != 1 {
		t.Fatalf("%d logins after 30 more calls, want still 1", n)
	}

	pw.set("demo-password")
	for g, err := range inParallel(goroutines/4, generate) {
		if err != nil {
			t.Fatalf("goroutine %d after the password changed: %v", g, err)
		}
	}
	if n := fake.Count(vaulttest.OpAuthenticate); n != 2 {
		t.Errorf("%d logins in all, want 2: one refused, one with the new password", n)
	}
	if got, want := len(fake.Tokens()), goroutines/4; got != want {
		t.Errorf("fake holds %d tokens, want %d (one per successful call)", got, want)
	}
}

// loadFake is a fake Vault with a user and a sandbox for each goroutine, so that a load of
// token calls stays under the 25-token cap per user and Vault.
func loadFake(t *testing.T) *vaulttest.Server {
	cfg := vaulttest.Config{Users: vaulttest.DefaultUsers()}
	for g := range goroutines {
		cfg.Users = append(cfg.Users, vaulttest.User{ID: loadUser(g), Username: fmt.Sprintf("load-%d@veepharm.com", g), Password: "load-password"})
		cfg.Sandboxes = append(cfg.Sandboxes, loadSandbox(g))
	}
	return vaulttest.NewTestServer(t, cfg)
}

func loadUser(g int) int64     { return 20000 + int64(g) }
func loadSandbox(g int) string { return fmt.Sprintf("Load Sandbox %d", g) }

// loadTally counts what the callers were told.
type loadTally struct {
	tokens, versions atomic.Int32
}

// loadCall is call i of goroutine g: a mix of the three token calls and APIVersions. Only
// 24 goroutines ask for a token of their own ("me"), since that user's cap is 25.
func loadCall(ctx context.Context, c *client.Client, g, i int, tally *loadTally) error {
	req := client.TokenRequest{Name: fmt.Sprintf("load %d/%d", g, i)}
	var err error
	switch {
	case i == 0 && g < 24:
		_, err = c.GenerateMyAPIAccessToken(ctx, req)
	case i%3 == 0:
		if _, err = c.APIVersions(ctx); err == nil {
			tally.versions.Add(1)
		}
		return err
	case i%3 == 1:
		_, err = c.GenerateAPIAccessToken(ctx, strconv.FormatInt(loadUser(g), 10), req)
	default:
		_, err = c.GenerateSandboxAPIAccessToken(ctx, loadSandbox(g), req)
	}
	if err == nil {
		tally.tokens.Add(1)
	}
	return err
}

func TestLoadSharesOneLoginAndOneDiscovery(t *testing.T) {
	fake := loadFake(t)
	mustInject(t, fake, vaulttest.Fault{Op: vaulttest.OpAuthenticate, Delay: 300 * time.Millisecond})
	// net/http dials a new connection for a request that finds none idle, and hands it the
	// first one freed meanwhile, so a burst of 64 opens 70 to 90 connections even from a
	// hand-written client. Bounding the transport at 64 keeps the count meaningful: a
	// connection the client failed to drain would be closed, free its slot, and push the
	// count the server sees past 64.
	hc := fake.Client()
	hc.Transport.(*http.Transport).MaxConnsPerHost = goroutines
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"),
		client.WithAPIVersionCheck(), client.WithHTTPClient(hc))
	var tally loadTally
	errs := inParallel(goroutines, func(g int) error {
		for i := range 30 {
			if err := loadCall(context.Background(), c, g, i, &tally); err != nil {
				return fmt.Errorf("call %d: %w", i, err)
			}
		}
		return nil
	})
	for g, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", g, err)
		}
	}
	if n := fake.Count(vaulttest.OpAuthenticate); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
	// Every APIVersions call asks the Vault; the version check asks once more, once.
	if got, want := fake.Count(vaulttest.OpRetrieveAPIVersions), int(tally.versions.Load())+1; got != want {
		t.Errorf("%d version lists, want %d: %d APIVersions calls and 1 discovery", got, want, want-1)
	}
	if got, want := len(fake.Tokens()), int(tally.tokens.Load()); got != want {
		t.Errorf("fake holds %d tokens, callers were told of %d", got, want)
	}
	if n := fake.Connections(); n > goroutines {
		t.Errorf("%d TCP connections for %d goroutines", n, goroutines)
	}
}

// TestSessionEndsUnderLoad: Vault ends the session halfway through a load. The calls that
// meet the ended session share one new login and are replayed; when the password was
// rotated meanwhile, they share one refused login instead.
func TestSessionEndsUnderLoad(t *testing.T) {
	for _, rotated := range []bool{false, true} {
		t.Run(fmt.Sprintf("password rotated: %v", rotated), func(t *testing.T) {
			fake := loadFake(t)
			c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
			const calls = 12
			var started atomic.Int32
			var midway sync.Once
			var tally loadTally
			errs := inParallel(goroutines, func(g int) error {
				var failures []error
				for i := range calls {
					if started.Add(1) == goroutines*calls/2 {
						midway.Do(func() {
							if rotated {
								if err := fake.SetPassword("olivia@veepharm.com", "rotated-password"); err != nil {
									t.Error(err)
								}
							}
							fake.EndSessions()
						})
					}
					if err := loadCall(context.Background(), c, g, i, &tally); err != nil {
						failures = append(failures, err)
					}
				}
				return errors.Join(failures...)
			})
			failed := 0
			for g, err := range errs {
				if err == nil {
					continue
				}
				failed++
				if !rotated {
					t.Errorf("goroutine %d: %v", g, err)
				} else if !errors.Is(err, client.ErrUsernameOrPasswordIncorrect) {
					t.Errorf("goroutine %d: error = %v, want only ErrUsernameOrPasswordIncorrect", g, err)
				}
			}
			if rotated && failed == 0 {
				t.Error("no call failed after the password was rotated")
			}
			if n := fake.Count(vaulttest.OpAuthenticate); n != 2 {
				t.Errorf("%d logins, want 2: the first and one after the session ended", n)
			}
			if got, want := len(fake.Tokens()), int(tally.tokens.Load()); got != want {
				t.Errorf("fake holds %d tokens, callers were told of %d", got, want)
			}
		})
	}
}

// TestSlowLoginOutlivesCallerDeadlines: a 400 ms login, and 16 callers 50 ms apart with
// 300 ms each. The first caller's deadline does not cancel the login; one login reaches
// Vault and serves the callers that come after it.
func TestSlowLoginOutlivesCallerDeadlines(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	mustInject(t, fake, vaulttest.Fault{Op: vaulttest.OpAuthenticate, Delay: 400 * time.Millisecond})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	start := time.Now()
	errs := inParallel(16, func(k int) error {
		time.Sleep(time.Duration(k) * 50 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: fmt.Sprint("caller ", k)})
		return err
	})
	if n := fake.Count(vaulttest.OpAuthenticate); n != 1 {
		t.Errorf("%d logins reached Vault, want 1", n)
	}
	for k, err := range errs {
		switch {
		case err == nil:
		case k >= 12: // started at 600 ms or later, well after the login ended
			t.Errorf("caller %d, after the login: %v", k, err)
		case !errors.Is(err, context.DeadlineExceeded):
			t.Errorf("caller %d: error = %v, want success or its own deadline", k, err)
		}
	}
	t.Logf("16 callers served in %v", time.Since(start).Round(time.Millisecond))
}

// TestLoginUsesDefaultVersion: a pinned version the Vault does not list fails as
// ErrUnsupportedVersion, before any token call, because the login itself uses
// DefaultAPIVersion.
func TestLoginUsesDefaultVersion(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"),
		client.WithAPIVersion("v30.1"), client.WithAPIVersionCheck())
	for range 3 {
		_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
		if !errors.Is(err, client.ErrUnsupportedVersion) {
			t.Fatalf("error = %v, want ErrUnsupportedVersion", err)
		}
	}
	var got []string
	for _, r := range fake.Requests() {
		got = append(got, r.Method+" "+r.Path)
	}
	want := []string{"POST /api/" + client.DefaultAPIVersion + "/auth", "GET /api/"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests = %q, want %q (one login, one version list, no token call)", got, want)
	}
}

// TestLoginTimeout: the login's own timeout ends a login that hangs, for callers that set
// no deadline of their own.
func TestLoginTimeout(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	mustInject(t, fake, vaulttest.Fault{Op: vaulttest.OpAuthenticate, Delay: 2 * time.Second})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"), client.WithLoginTimeout(200*time.Millisecond))
	errs := inParallel(8, func(int) error {
		_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
		return err
	})
	for g, err := range errs {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("caller %d: error = %v, want the login timeout", g, err)
		}
	}
	if n := fake.Count(vaulttest.OpAuthenticate); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}
