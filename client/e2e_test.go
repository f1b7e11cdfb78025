package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// End-to-end tests: the client against the fake Vault, which checks every request and
// reply against the spec and fails the test on a violation.

func fakeClient(t *testing.T, fake *vaulttest.Server, creds client.Credentials, opts ...client.Option) *client.Client {
	t.Helper()
	opts = append([]client.Option{client.WithHTTPClient(fake.Client()), client.WithCredentials(creds), client.WithLoginHost(fake.DNS)}, opts...)
	c, err := client.New(fake.DNS, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// memoryFake is a fake Vault over in-memory connections, for a test inside a
// testing/synctest bubble: the fake's delays, the client's pauses and the test's deadlines
// all run on the bubble's clock, so no outcome depends on how fast the machine is.
func memoryFake(t *testing.T, cfg vaulttest.Config) *vaulttest.Server {
	t.Helper()
	cfg.InMemory = true
	return vaulttest.NewTestServer(t, cfg)
}

func TestEndToEndPasswordFlow(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"), client.WithClientID("acme-vault-ops-server-tokenbot"))
	ctx := context.Background()

	list, err := c.APIVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"v25.3", "v26.1", "v26.2", "v26.3"}, list.Versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	expiry := time.Now().Add(90 * 24 * time.Hour)
	user, err := c.GenerateAPIAccessToken(ctx, "12345", client.TokenRequest{Name: "Integration", ExpiresAt: expiry})
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "Mine", ExpiresOn: client.Date{Year: expiry.Year(), Month: expiry.Month(), Day: expiry.Day()}})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{Name: "Sandbox key"})
	if err != nil {
		t.Fatal(err)
	}

	issued := fake.Tokens()
	if len(issued) != 3 {
		t.Fatalf("fake issued %d tokens, want 3", len(issued))
	}
	type tok struct{ ID, Value, Name, Sandbox string }
	var got, want []tok
	for i, r := range []*client.Token{user, me, sb} {
		got = append(got, tok{r.ID, r.Value.Reveal(), issued[i].Name, issued[i].Sandbox})
		want = append(want, tok{issued[i].ID, issued[i].Value, []string{"Integration", "Mine", "Sandbox key"}[i], []string{"", "", "VeePharm Sandbox"}[i]})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if issued[0].UserID != 12345 || issued[1].UserID != 12021 {
		t.Errorf("token owners = %d, %d", issued[0].UserID, issued[1].UserID)
	}
	if issued[0].Expiry != expiry.UTC().Format("2006-01-02T15:04:05Z") {
		t.Errorf("expiry sent = %q", issued[0].Expiry)
	}

	var paths []string
	for _, r := range fake.Requests() {
		paths = append(paths, r.Method+" "+r.Path)
		if r.Header.Get("X-VaultAPI-ClientID") != "acme-vault-ops-server-tokenbot" {
			t.Errorf("%s: client ID header = %q", r.Path, r.Header.Get("X-VaultAPI-ClientID"))
		}
	}
	wantPaths := []string{
		"POST /api/v26.2/auth",
		"GET /api/",
		"POST /api/v26.2/objects/users/12345/api_access_token__sys",
		"POST /api/v26.2/objects/users/me/api_access_token__sys",
		"POST /api/v26.2/objects/sandbox/VeePharm%20Sandbox/users/me/api_access_token__sys",
	}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if pw := fake.Requests()[0].Form.Get("password"); pw != "[MASKED]" {
		t.Errorf("recorded password = %q, want it masked", pw)
	}
	if sb.Response.ExecutionID == "" || sb.Response.BurstLimitRemaining != 1995 {
		t.Errorf("metadata = %+v", sb.Response)
	}
}

func TestEndToEndRefusals(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	ctx := context.Background()
	olivia := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	integration := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	k := client.TokenRequest{Name: "k"}

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"VeevaID user", func() error { _, err := olivia.GenerateAPIAccessToken(ctx, "13000", k); return err }, client.ErrorTypeOperationNotAllowed},
		{"unknown user", func() error { _, err := olivia.GenerateAPIAccessToken(ctx, "99999", k); return err }, client.ErrorTypeInvalidData},
		{"another user without admin rights", func() error { _, err := integration.GenerateAPIAccessToken(ctx, "12021", k); return err }, client.ErrorTypeInsufficientAccess},
		{"unknown sandbox", func() error { _, err := olivia.GenerateSandboxAPIAccessToken(ctx, "No Such Sandbox", k); return err }, client.ErrorTypeInvalidData},
		{"wrong password", func() error {
			_, err := fakeClient(t, fake, client.Password("olivia@veepharm.com", "wrong")).GenerateMyAPIAccessToken(ctx, k)
			return err
		}, client.ErrorTypeUsernameOrPasswordIncorrect},
		{"auth defaulting", func() error {
			_, err := fakeClient(t, fake, client.Password("wanderer@veepharm.com", "wanderer-password")).GenerateMyAPIAccessToken(ctx, k)
			return err
		}, client.ErrWrongVault},
		{"unknown session", func() error {
			_, err := fakeClient(t, fake, client.SessionID("NOT-A-SESSION")).GenerateMyAPIAccessToken(ctx, k)
			return err
		}, client.ErrorTypeInvalidSessionID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
		})
	}
	if n := len(fake.Tokens()); n != 0 {
		t.Errorf("%d tokens issued by refused calls", n)
	}
}

func TestEndToEndTokenCap(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	ctx := context.Background()
	for i := range openapi.MaxActiveTokens {
		if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: fmt.Sprint("k", i)}); err != nil {
			t.Fatalf("token %d: %v", i+1, err)
		}
	}
	_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "one too many"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, client.ErrorTypeOperationNotAllowed) || apiErr.Response.ExecutionID == "" {
		t.Fatalf("26th token: error = %v, want OPERATION_NOT_ALLOWED with an execution ID", err)
	}
	// The cap is per Vault: the sandbox still has room.
	if _, err := c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{Name: "k"}); err != nil {
		t.Errorf("sandbox token after production cap: %v", err)
	}
}

// TestEndToEndIdleSession: the fake's clock passes the idle timeout; the client logs in
// again and replays the token call once.
func TestEndToEndIdleSession(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{SessionIdleTimeout: 10 * time.Minute})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	ctx := context.Background()
	if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	fake.Advance(11 * time.Minute)
	if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, r := range fake.Requests() {
		ops = append(ops, r.Op)
	}
	want := []string{"authenticate", "generateMyApiAccessToken", "generateMyApiAccessToken", "authenticate", "generateMyApiAccessToken"}
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if n := len(fake.Tokens()); n != 2 {
		t.Errorf("%d tokens, want 2", n)
	}
}

func TestEndToEndLoginLimit(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{LoginLimit: 2})
	ctx := context.Background()
	for range 2 {
		if _, err := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password")).GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	for range 3 {
		if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"}); !errors.Is(err, client.ErrorTypeAPILimitExceeded) {
			t.Fatalf("error = %v, want API_LIMIT_EXCEEDED", err)
		}
	}
	if logins := fake.Count(openapi.OpAuthenticate); logins != 3 {
		t.Errorf("%d logins reached the fake, want 3 (the client stops after the limit)", logins)
	}
}

func TestEndToEndBurstLimit(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{BurstLimit: 2, BurstDelay: 20 * time.Millisecond})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	ctx := context.Background()
	var last *client.Token
	for range 2 {
		tok, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"})
		if err != nil {
			t.Fatal(err)
		}
		last = tok
	}
	// Login + 2 calls = 3 > 2: the second token call was held back.
	if last.Response.ResponseDelay != 20*time.Millisecond || last.Response.BurstLimitRemaining != 0 || last.Response.BurstLimit != 2 {
		t.Errorf("metadata = %+v, want a 20ms delay and 0 of 2 remaining", last.Response)
	}
}

func TestEndToEndFaults(t *testing.T) {
	tests := []struct {
		kind       vaulttest.FaultKind
		wantTokens int
		check      func(error) bool
	}{
		{vaulttest.DropBeforeProcessing, 0, isUnknownOutcome},
		{vaulttest.DropAfterProcessing, 1, isUnknownOutcome},
		{vaulttest.GatewayError, 0, func(err error) bool {
			var u *client.UnexpectedResponseError
			return isUnknownOutcome(err) && errors.As(err, &u) && u.HTTPStatus == 502 && strings.Contains(u.Excerpt, "502 Bad Gateway")
		}},
		{vaulttest.TruncatedJSON, 1, isUnknownOutcome},
		{vaulttest.OversizedBody, 1, func(err error) bool {
			var u *client.UnexpectedResponseError
			return isUnknownOutcome(err) && errors.As(err, &u) && strings.Contains(u.Reason, "larger than")
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.kind), func(t *testing.T) {
			fake := vaulttest.NewTestServer(t, vaulttest.Config{})
			c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
			if err := fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: tt.kind}); err != nil {
				t.Fatal(err)
			}
			_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
			if !tt.check(err) {
				t.Fatalf("error = %v", err)
			}
			if n := len(fake.Tokens()); n != tt.wantTokens {
				t.Errorf("fake holds %d tokens, want %d", n, tt.wantTokens)
			}
			if calls := fake.Count(openapi.OpGenerateMyAPIAccessToken); calls != 1 {
				t.Errorf("token call sent %d times, want once", calls)
			}
		})
	}
}

func isUnknownOutcome(err error) bool {
	var u *client.UnknownOutcomeError
	return errors.As(err, &u)
}

// TestEndToEndTokensExpire: expired tokens neither authenticate nor count toward the cap.
func TestEndToEndTokensExpire(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	ctx := context.Background()
	var first *client.Token
	for i := range openapi.MaxActiveTokens {
		tok, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: fmt.Sprint("k", i), ExpiresAt: time.Now().Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = tok
		}
	}
	byToken := fakeClient(t, fake, client.AccessToken(first.Value.Reveal()))
	if _, err := byToken.APIVersions(ctx); err != nil {
		t.Fatalf("a fresh token does not authenticate: %v", err)
	}
	fake.Advance(25 * time.Hour)
	if _, err := byToken.APIVersions(ctx); !errors.Is(err, client.ErrorTypeInvalidSessionID) {
		t.Errorf("an expired token: error = %v, want INVALID_SESSION_ID", err)
	}
	c = fakeClient(t, fake, client.Password("integration@veepharm.com", "integration-password"))
	if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "after expiry"}); err != nil {
		t.Errorf("expired tokens still count toward the cap: %v", err)
	}
}

// TestEndSession: EndSession ends the session the client logged in for, counted by the
// fake, and the next call logs in again; it never ends a session or token it was given.
func TestEndSession(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	ctx := context.Background()
	for _, kind := range loginKinds {
		src := newRotatingSecret(kind.valid(t, fake))
		c := fakeClient(t, fake, kind.credentials(fake, src))
		before := fake.Count(openapi.OpEndSession)
		if err := c.EndSession(ctx); err != nil || fake.Count(openapi.OpEndSession) != before {
			t.Fatalf("%s: EndSession before any login: %v, %d calls", kind.name, err, fake.Count(openapi.OpEndSession)-before)
		}
		if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"}); err != nil {
			t.Fatal(err)
		}
		if err := c.EndSession(ctx); err != nil {
			t.Fatalf("%s: EndSession: %v", kind.name, err)
		}
		if err := c.EndSession(ctx); err != nil {
			t.Fatalf("%s: EndSession again: %v", kind.name, err)
		}
		if n := fake.Count(openapi.OpEndSession) - before; n != 1 {
			t.Errorf("%s: %d End Session calls, want 1", kind.name, n)
		}
		logins := fake.Count(kind.op)
		if _, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"}); err != nil {
			t.Fatalf("%s: a call after EndSession: %v", kind.name, err)
		}
		if n := fake.Count(kind.op) - logins; n != 1 {
			t.Errorf("%s: %d logins after EndSession, want 1", kind.name, n)
		}
	}
	// Credentials the caller gave are the caller's: nothing is sent.
	session, err := fake.SessionFor(loginUser)
	if err != nil {
		t.Fatal(err)
	}
	before := fake.Count("")
	for _, creds := range []client.Credentials{client.SessionID(session), client.AccessToken(secretAccess)} {
		if err := fakeClient(t, fake, creds).EndSession(ctx); err != nil {
			t.Errorf("EndSession with %v: %v", creds, err)
		}
	}
	if n := fake.Count("") - before; n != 0 {
		t.Errorf("%d requests sent to end sessions the caller gave", n)
	}
	if _, err := fakeClient(t, fake, client.SessionID(session)).APIVersions(ctx); err != nil {
		t.Errorf("the caller's session was ended: %v", err)
	}
}
