package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// authRecorder is a transport that notes every Authorization value the client sent, so the
// secret search knows the session IDs the fake handed out.
type authRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (a *authRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if v := r.Header.Get("Authorization"); v != "" {
		a.mu.Lock()
		a.seen = append(a.seen, v)
		a.mu.Unlock()
	}
	return a.next.RoundTrip(r)
}

func (a *authRecorder) values() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Compact(slices.Sorted(slices.Values(a.seen)))
}

// matrixOp is an operation of the matrix: the request the fault is injected into, and the
// client call that makes it. The login rows make a token call whose login is faulted.
type matrixOp struct {
	name   string
	target string // the operation the fault hits
	sends  string // the operation the call itself sends
	oauth  bool   // the client logs in with OAuth, not a password
	token  bool   // the call creates a token
	// idempotent: a GET, which net/http itself sends again once when the reused
	// connection it went out on is dropped (it never does so for a POST).
	idempotent bool
	call       func(context.Context, *client.Client) (*client.Response, error)
}

func tokenCall(f func(context.Context, *client.Client) (*client.Token, error)) func(context.Context, *client.Client) (*client.Response, error) {
	return func(ctx context.Context, c *client.Client) (*client.Response, error) {
		tok, err := f(ctx, c)
		if err != nil {
			return nil, err
		}
		return &tok.Response, nil
	}
}

var (
	generateMine = tokenCall(func(ctx context.Context, c *client.Client) (*client.Token, error) {
		return c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "matrix"})
	})
	matrixOps = []matrixOp{
		{"login", openapi.OpAuthenticate, openapi.OpGenerateMyAPIAccessToken, false, true, false, generateMine},
		{"OAuth login", openapi.OpAuthenticateOAuth, openapi.OpGenerateMyAPIAccessToken, true, true, false, generateMine},
		{"versions", openapi.OpRetrieveAPIVersions, openapi.OpRetrieveAPIVersions, false, false, true,
			func(ctx context.Context, c *client.Client) (*client.Response, error) {
				l, err := c.APIVersions(ctx)
				if err != nil {
					return nil, err
				}
				return &l.Response, nil
			}},
		{"user token", openapi.OpGenerateAPIAccessToken, openapi.OpGenerateAPIAccessToken, false, true, false,
			tokenCall(func(ctx context.Context, c *client.Client) (*client.Token, error) {
				return c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "matrix"})
			})},
		{"my token", openapi.OpGenerateMyAPIAccessToken, openapi.OpGenerateMyAPIAccessToken, false, true, false, generateMine},
		{"sandbox token", openapi.OpGenerateSandboxAPIAccessToken, openapi.OpGenerateSandboxAPIAccessToken, false, true, false,
			tokenCall(func(ctx context.Context, c *client.Client) (*client.Token, error) {
				return c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{Name: "matrix"})
			})},
	}
)

// The delay fault holds the request past the caller's budget.
const (
	matrixDelay  = 2 * time.Second
	matrixBudget = time.Second
)

type matrixFault struct {
	name string
	kind vaulttest.FaultKind
	// processes: Vault carries out the call (a token is created) despite the fault.
	processes bool
	// unreadable: the call's reply cannot be read (so a token POST's outcome is unknown).
	unreadable bool
}

var matrixFaults = []matrixFault{
	{"delay past the deadline", vaulttest.None, true, true},
	{"502 page", vaulttest.GatewayError, false, true},
	{"truncated JSON", vaulttest.TruncatedJSON, true, true},
	{"dropped before processing", vaulttest.DropBeforeProcessing, false, true},
	{"dropped after processing", vaulttest.DropAfterProcessing, true, true},
	{"oversized body", vaulttest.OversizedBody, true, true},
	{"session ended", vaulttest.SessionEnded, true, false},
	{"login limit", vaulttest.OverLoginLimit, false, false},
	{"burst limit", vaulttest.OverBurstLimit, true, false},
}

// TestFaultMatrix injects each fault into each operation and checks, from the fake's
// records: the error's type, that nothing was sent more often than it may be, that a token
// call that may have created a token says so, that the fake holds exactly the tokens the
// caller was told of plus those whose outcome it was told is unknown, and that no secret
// appears in any error or log line. A second call after the fault shows what the client
// learned: a failed login is not sent again at once. Each cell runs in a synctest bubble,
// so the delay, the caller's budget and the client's pause after a failed login are
// measured on the bubble's clock, whatever else the machine is doing.
func TestFaultMatrix(t *testing.T) {
	for _, f := range matrixFaults {
		for _, op := range matrixOps {
			t.Run(f.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) { runMatrixCell(t, f, op) })
			})
		}
	}
}

func runMatrixCell(t *testing.T, f matrixFault, op matrixOp) {
	fake := memoryFake(t, vaulttest.Config{BurstDelay: 50 * time.Millisecond})
	loginOp, creds, secrets := openapi.OpAuthenticate, client.Password(loginUser, "demo-password"), []string{"demo-password"}
	if op.oauth {
		tok := idpToken(t, fake, 0)
		loginOp, creds, secrets = openapi.OpAuthenticateOAuth, client.OAuth(vaulttest.DefaultOAuthProfileID, client.StaticSecret(tok)), []string{tok}
	}
	fault := vaulttest.Fault{Op: op.target, Kind: f.kind}
	switch f.kind {
	case vaulttest.None:
		fault.Delay = matrixDelay
	case vaulttest.OverLoginLimit: // hits the login every call needs first
		fault.Op = loginOp
	}
	_ = fake.Inject(fault)

	rec := &authRecorder{next: fake.Client().Transport}
	var logs bytes.Buffer
	c := fakeClient(t, fake, creds,
		client.WithHTTPClient(&http.Client{Transport: rec}),
		client.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))

	ctx, cancel := context.WithTimeout(context.Background(), matrixBudget)
	defer cancel()
	res, err := op.call(ctx, c)
	second, secondErr := op.call(context.Background(), c)

	onLogin := fault.Op == loginOp
	delayed := f.kind == vaulttest.None
	// A login that fails for any reason but the caller's own deadline stops both calls:
	// the first gets the failure, the second is not sent (the pause after a failure).
	loginFails := onLogin && f.unreadable && !delayed || f.kind == vaulttest.OverLoginLimit
	dropped := f.kind == vaulttest.DropBeforeProcessing || f.kind == vaulttest.DropAfterProcessing
	resent := op.idempotent && dropped // by net/http, which then reads the reply
	var unknown *client.UnknownOutcomeError
	isUnknown := errors.As(err, &unknown)

	// The first call's error.
	switch {
	case loginFails && f.kind == vaulttest.OverLoginLimit:
		if !errors.Is(err, client.ErrorTypeAPILimitExceeded) {
			t.Errorf("error = %v, want ErrorTypeAPILimitExceeded", err)
		}
	case delayed:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want the caller's deadline", err)
		}
	case f.unreadable && !resent:
		if err == nil {
			t.Error("no error from an unreadable reply")
		}
	default:
		if err != nil {
			t.Errorf("error = %v, want success", err)
		}
	}
	// Only a token POST that may have reached Vault is an unknown outcome.
	wantUnknown := op.token && !onLogin && f.unreadable
	if isUnknown != wantUnknown {
		t.Errorf("UnknownOutcomeError = %v, want %v (error %v)", isUnknown, wantUnknown, err)
	}
	if f.kind == vaulttest.OverBurstLimit && !onLogin && (res == nil || res.ResponseDelay <= 0) {
		t.Errorf("burst limit: the reply does not show the delay: %+v", res)
	}

	// The second call, made after the fault.
	if loginFails {
		if !errors.Is(secondErr, client.ErrLoginNotAttempted) {
			t.Errorf("second call: error = %v, want ErrLoginNotAttempted (no login right after a failed one)", secondErr)
		}
	} else if secondErr != nil {
		t.Errorf("second call: %v", secondErr)
	}

	fake.Close() // waits for the delayed request to finish
	sessionEnded := f.kind == vaulttest.SessionEnded
	wantLogins := 1
	if sessionEnded {
		wantLogins = 2 // a new session, then the refused call replayed once
	}
	wantSent := 0
	if !loginFails {
		wantSent = 1 // the second call
		if !onLogin || !delayed {
			wantSent++ // the first call was sent (a delayed login ended it before it was)
		}
		if sessionEnded || resent {
			wantSent++ // the replay
		}
	}
	if got := fake.Count(loginOp); got != wantLogins {
		t.Errorf("%d logins reached the fake, want %d", got, wantLogins)
	}
	if op.sends != openapi.OpAuthenticate {
		if got := fake.Count(op.sends); got != wantSent {
			t.Errorf("%s sent %d times, want %d", op.sends, got, wantSent)
		}
	}

	if op.token {
		told, unknowns := 0, 0
		for _, r := range []*client.Response{res, second} {
			if r != nil {
				told++
			}
		}
		if isUnknown {
			unknowns++
		}
		held := len(fake.Tokens())
		if held < told || held > told+unknowns {
			t.Errorf("fake holds %d tokens; the caller was told of %d and of %d unknown outcomes", held, told, unknowns)
		}
		wantHeld := told
		if isUnknown && f.processes {
			wantHeld++
		}
		if held != wantHeld {
			t.Errorf("fake holds %d tokens, want %d", held, wantHeld)
		}
	}

	var out strings.Builder
	for _, e := range []error{err, secondErr} {
		if e != nil {
			fmt.Fprintf(&out, "%v\n%+v\n%#v\n", e, e, e)
		}
	}
	out.Write(logs.Bytes())
	secrets = append(secrets, rec.values()...)
	for _, tok := range fake.Tokens() {
		secrets = append(secrets, tok.Value)
	}
	checkNoSecret(t, out.String(), secrets...)
}
