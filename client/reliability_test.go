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
	"testing/synctest"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// The client the way a service runs it: many goroutines on one client, with faults. Every
// count below is taken from the fake Vault's records (requests, tokens, connections), not
// from what the client believes.

const goroutines = 64

// rotatingSecret is a source whose value the test changes, as a secret manager's would
// change when an administrator rotates a password, or an identity provider's token cache
// when it refreshes the token. asked counts the calls to Secret.
type rotatingSecret struct {
	v     atomic.Value
	asked atomic.Int32
}

func newRotatingSecret(v string) *rotatingSecret {
	r := &rotatingSecret{}
	r.v.Store(v)
	return r
}

func (r *rotatingSecret) set(v string) { r.v.Store(v) }

func (r *rotatingSecret) Secret(context.Context) (client.Secret, error) {
	r.asked.Add(1)
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

// loginKind is a way of logging in. The rules of logging in (one login in flight, its
// outcome shared, a refused secret not sent again) are the same for each, so the tests of
// them run for each.
type loginKind struct {
	name    string
	op      string // the fake's operation
	refusal error  // how Vault refuses the secrets refused returns
	// credentials log olivia@veepharm.com in with the secret src gives.
	credentials func(fake *vaulttest.Server, src client.SecretSource) client.Credentials
	// refused returns a secret Vault refuses; valid, one it accepts until spoil (a password
	// rotated by an administrator, a token that expires). Call refused before valid.
	refused func(t *testing.T, fake *vaulttest.Server) string
	valid   func(t *testing.T, fake *vaulttest.Server) string
	spoil   func(t *testing.T, fake *vaulttest.Server)
}

const loginUser = "olivia@veepharm.com"

// validIdPTokenLifetime is how long loginKinds' valid identity provider tokens last: long
// enough for a test, and spoil moves the fake's clock past it.
const validIdPTokenLifetime = 10 * time.Minute

var loginKinds = []loginKind{
	{
		name: "password", op: openapi.OpAuthenticate, refusal: client.ErrorTypeUsernameOrPasswordIncorrect,
		credentials: func(_ *vaulttest.Server, src client.SecretSource) client.Credentials {
			return client.PasswordFrom(loginUser, src)
		},
		refused: func(*testing.T, *vaulttest.Server) string { return "rotated-away-password" },
		valid:   func(*testing.T, *vaulttest.Server) string { return "demo-password" },
		spoil: func(t *testing.T, fake *vaulttest.Server) {
			if err := fake.SetPassword(loginUser, "rotated-password"); err != nil {
				t.Error(err)
			}
		},
	},
	{
		name: "OAuth", op: openapi.OpAuthenticateOAuth, refusal: client.ErrorTypeExpiredToken,
		credentials: func(fake *vaulttest.Server, src client.SecretSource) client.Credentials {
			return client.OAuth(vaulttest.DefaultOAuthProfileID, src)
		},
		refused: func(t *testing.T, fake *vaulttest.Server) string {
			tok := idpToken(t, fake, time.Minute)
			fake.Advance(2 * time.Minute)
			return tok
		},
		valid: func(t *testing.T, fake *vaulttest.Server) string { return idpToken(t, fake, validIdPTokenLifetime) },
		spoil: func(_ *testing.T, fake *vaulttest.Server) { fake.Advance(validIdPTokenLifetime + time.Minute) },
	},
}

// idpToken is a token from the fake's identity provider for loginUser.
func idpToken(t *testing.T, fake *vaulttest.Server, lifetime time.Duration) string {
	t.Helper()
	tok, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, loginUser, lifetime)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// logins counts the logins of every kind the fake received.
func logins(fake *vaulttest.Server) int {
	return fake.Count(openapi.OpAuthenticate) + fake.Count(openapi.OpAuthenticateOAuth)
}

// inBubble runs a test in a testing/synctest bubble: its fake Vault (memoryFake), the
// client's pauses and timeouts, and the test's deadlines share the bubble's clock.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

func TestRefusedSecretIsSentOnce(t *testing.T) {
	for _, kind := range loginKinds {
		t.Run(kind.name, inBubble(func(t *testing.T) {
			fake := memoryFake(t, vaulttest.Config{})
			// A slow login, so that the goroutines pile up behind it.
			_ = fake.Inject(vaulttest.Fault{Op: kind.op, Delay: 300 * time.Millisecond})
			src := newRotatingSecret(kind.refused(t, fake))
			c := fakeClient(t, fake, kind.credentials(fake, src))
			ctx := context.Background()
			generate := func(int) error {
				_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"})
				return err
			}

			for g, err := range inParallel(goroutines, generate) {
				if !errors.Is(err, kind.refusal) {
					t.Fatalf("goroutine %d: error = %v, want %v", g, err, kind.refusal)
				}
			}
			if n := logins(fake); n != 1 {
				t.Fatalf("%d logins reached Vault for %d goroutines with a refused secret, want 1", n, goroutines)
			}
			for i := range 30 {
				err := generate(i)
				if !errors.Is(err, kind.refusal) || !errors.Is(err, client.ErrLoginNotAttempted) {
					t.Fatalf("call %d after the refusal: error = %v, want the remembered refusal, not attempted", i, err)
				}
			}
			if n := logins(fake); n != 1 {
				t.Fatalf("%d logins after 30 more calls, want still 1", n)
			}
			if n := src.asked.Load(); n < 31 {
				t.Errorf("the source was asked %d times in 31 logins wanted, want each time: a new secret would go unnoticed", n)
			}

			src.set(kind.valid(t, fake))
			for g, err := range inParallel(goroutines/4, generate) {
				if err != nil {
					t.Fatalf("goroutine %d after the secret changed: %v", g, err)
				}
			}
			if n := fake.Count(kind.op); n != 2 {
				t.Errorf("%d logins in all, want 2: one refused, one with the new secret", n)
			}
			if got, want := len(fake.Tokens()), goroutines/4; got != want {
				t.Errorf("fake holds %d tokens, want %d (one per successful call)", got, want)
			}
		}))
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
	return memoryFake(t, cfg)
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
	for _, kind := range loginKinds {
		t.Run(kind.name, inBubble(func(t *testing.T) {
			fake := loadFake(t)
			_ = fake.Inject(vaulttest.Fault{Op: kind.op, Delay: 300 * time.Millisecond})
			// net/http dials a new connection for a request that finds none idle, and hands it
			// the first one freed meanwhile, so a burst of 64 opens 70 to 90 connections even
			// from a hand-written client. Bounding the transport at 64 keeps the count
			// meaningful: a connection the client failed to drain would be closed, free its
			// slot, and push the count the server sees past 64.
			hc := fake.Client()
			hc.Transport.(*http.Transport).MaxConnsPerHost = goroutines
			src := newRotatingSecret(kind.valid(t, fake))
			c := fakeClient(t, fake, kind.credentials(fake, src), client.WithAPIVersionCheck(), client.WithHTTPClient(hc))
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
			if n, all := fake.Count(kind.op), logins(fake); n != 1 || all != 1 {
				t.Errorf("%d logins (%d of any kind), want 1", n, all)
			}
			if n := src.asked.Load(); n != 1 {
				t.Errorf("the secret source was asked %d times for one login, want 1", n)
			}
			// Every APIVersions call asks the Vault; the version check asks once more, once.
			if got, want := fake.Count(openapi.OpRetrieveAPIVersions), int(tally.versions.Load())+1; got != want {
				t.Errorf("%d version lists, want %d: %d APIVersions calls and 1 discovery", got, want, want-1)
			}
			if got, want := len(fake.Tokens()), int(tally.tokens.Load()); got != want {
				t.Errorf("fake holds %d tokens, callers were told of %d", got, want)
			}
			if n := fake.Connections(); n > goroutines {
				t.Errorf("%d TCP connections for %d goroutines", n, goroutines)
			}
		}))
	}
}

// TestSessionEndsUnderLoad: Vault ends the session halfway through a load. The calls that
// meet the ended session share one new login and are replayed; when the secret was spoilt
// meanwhile (the password rotated, the identity provider's token expired), they share one
// refused login instead.
func TestSessionEndsUnderLoad(t *testing.T) {
	for _, kind := range loginKinds {
		for _, spoilt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/secret spoilt: %v", kind.name, spoilt), inBubble(func(t *testing.T) {
				fake := loadFake(t)
				c := fakeClient(t, fake, kind.credentials(fake, newRotatingSecret(kind.valid(t, fake))))
				const calls = 12
				var started atomic.Int32
				var midway sync.Once
				var tally loadTally
				errs := inParallel(goroutines, func(g int) error {
					var failures []error
					for i := range calls {
						if started.Add(1) == goroutines*calls/2 {
							midway.Do(func() {
								if spoilt {
									kind.spoil(t, fake)
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
					if !spoilt {
						t.Errorf("goroutine %d: %v", g, err)
					} else if !errors.Is(err, kind.refusal) {
						t.Errorf("goroutine %d: error = %v, want only %v", g, err, kind.refusal)
					}
				}
				if spoilt && failed == 0 {
					t.Error("no call failed after the secret was spoilt")
				}
				if n := fake.Count(kind.op); n != 2 {
					t.Errorf("%d logins, want 2: the first and one after the session ended", n)
				}
				if got, want := len(fake.Tokens()), int(tally.tokens.Load()); got != want {
					t.Errorf("fake holds %d tokens, callers were told of %d", got, want)
				}
			}))
		}
	}
}

// TestSlowLoginOutlivesCallerDeadlines: a 425 ms login, and 16 callers 50 ms apart with
// 300 ms each, on the bubble's clock. The first callers' deadlines do not cancel the
// login; one login reaches Vault and serves every caller whose deadline is after it ends.
func TestSlowLoginOutlivesCallerDeadlines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := memoryFake(t, vaulttest.Config{})
		const loginTakes, apart, budget = 425 * time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond
		_ = fake.Inject(vaulttest.Fault{Op: openapi.OpAuthenticate, Delay: loginTakes})
		c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
		errs := inParallel(16, func(k int) error {
			time.Sleep(time.Duration(k) * apart) // caller k arrives at k*50ms
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			defer cancel()
			_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: fmt.Sprint("caller ", k)})
			return err
		})
		if n := fake.Count(openapi.OpAuthenticate); n != 1 {
			t.Errorf("%d logins reached Vault, want 1", n)
		}
		for k, err := range errs {
			deadline := time.Duration(k)*apart + budget
			switch {
			case deadline < loginTakes && !errors.Is(err, context.DeadlineExceeded):
				t.Errorf("caller %d, deadline at %v, before the login ends: error = %v, want its deadline", k, deadline, err)
			case deadline > loginTakes && err != nil:
				t.Errorf("caller %d, deadline at %v, after the login ends: %v", k, deadline, err)
			}
		}
	})
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
func TestLoginTimeout(t *testing.T) { synctest.Test(t, testLoginTimeout) }

func testLoginTimeout(t *testing.T) {
	fake := memoryFake(t, vaulttest.Config{})
	_ = fake.Inject(vaulttest.Fault{Op: openapi.OpAuthenticate, Delay: 2 * time.Second})
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
	if n := fake.Count(openapi.OpAuthenticate); n != 1 {
		t.Errorf("%d logins, want 1", n)
	}
}

// TestRefusedSecretIsNeverSentAgain: a source that hands out a refused password again
// after a good one (a stale secret-store replica: wrong, right, wrong) costs no second
// failed login: a success does not make the client forget what Vault refused.
func TestRefusedSecretIsNeverSentAgain(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	src := newRotatingSecret("stale-password")
	c := fakeClient(t, fake, client.PasswordFrom(loginUser, src))
	ctx := context.Background()
	generate := func() error {
		_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"})
		return err
	}
	if err := generate(); !errors.Is(err, client.ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("stale password: error = %v", err)
	}
	src.set("demo-password")
	if err := generate(); err != nil {
		t.Fatalf("right password: %v", err)
	}
	fake.EndSessions()
	src.set("stale-password")
	err := generate()
	if !errors.Is(err, client.ErrLoginNotAttempted) || !errors.Is(err, client.ErrorTypeUsernameOrPasswordIncorrect) {
		t.Errorf("stale password again: error = %v, want the remembered refusal, not attempted", err)
	}
	if n := fake.Count(openapi.OpAuthenticate); n != 2 {
		t.Errorf("%d logins, want 2: the stale password is sent once in all", n)
	}
}
