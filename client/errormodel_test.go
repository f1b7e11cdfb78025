package client_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// The error model: every error names the operation it was made for, set where it is made;
// the "vault: <operation>: " prefix is written once, by the outermost error; nothing
// depends on what an error's text says.

// failingSource is a SecretSource that fails with err.
type failingSource struct{ err error }

func (s failingSource) Secret(context.Context) (client.Secret, error) { return client.Secret{}, s.err }

func TestSourceErrorKeepsItsOperation(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	// A caller's error whose text happens to read like one of this package's.
	cause := errors.New("vault: agent unreachable")
	c := fakeClient(t, fake, client.AccessTokenFrom(failingSource{cause}))
	_, err := c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, cause) {
		t.Fatalf("error %v does not wrap the source's", err)
	}
	want := "vault: generate my API access token: access token source: vault: agent unreachable"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests, want none", n)
	}
}

func TestInputErrorsNameTheCallThatRefusedThem(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	ctx := t.Context()
	store := func(context.Context, *client.Token) error { return nil }
	for _, tt := range []struct {
		name, op, field string
		call            func() error
	}{
		{"rotate", client.OpRotate, "user ID", func() error {
			_, err := c.RotateAPIAccessToken(ctx, client.RotateRequest{UserID: "x", TokenRequest: client.TokenRequest{Name: "k"}, Store: store})
			return err
		}},
		{"generate", openapi.OpGenerateAPIAccessToken, "user ID", func() error {
			_, err := c.GenerateAPIAccessToken(ctx, "x", client.TokenRequest{Name: "k"})
			return err
		}},
		{"sandbox", openapi.OpGenerateSandboxAPIAccessToken, "token name", func() error {
			_, err := c.GenerateSandboxAPIAccessToken(ctx, "Sandbox", client.TokenRequest{})
			return err
		}},
		{"list", openapi.OpQueryAPIAccessTokens, "token filter", func() error {
			_, err := c.ListAPIAccessTokens(ctx, client.TokenFilter{})
			return err
		}},
		{"new", client.OpNew, "vault DNS", func() error {
			_, err := client.New("https://x")
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var in *client.InputError
			if !errors.As(err, &in) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			if in.Op != tt.op || in.Field != tt.field {
				t.Errorf("Op %q, Field %q; want %q, %q", in.Op, in.Field, tt.op, tt.field)
			}
			if n := strings.Count(err.Error(), "vault: "); n != 1 {
				t.Errorf("%q has the prefix %d times", err, n)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("the fake saw %d requests, want none", n)
	}
}

func TestPrefixIsWrittenOnce(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	c := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	stored := errors.New("disk full")
	rot, err := c.RotateAPIAccessToken(t.Context(), client.RotateRequest{
		Me: true, TokenRequest: client.TokenRequest{Name: "k"},
		Store: func(context.Context, *client.Token) error { return stored },
	})
	if !errors.Is(err, stored) || rot == nil || rot.New == nil {
		t.Fatalf("rotation %+v, error %v; want the new token and the store's error", rot, err)
	}
	if n := strings.Count(err.Error(), "vault: "); n != 1 || !strings.HasPrefix(err.Error(), "vault: rotate API access token: ") {
		t.Errorf("message %q: want one prefix, the rotation's", err)
	}

	// An error of another operation inside one of this package names that operation
	// without a second prefix.
	_ = fake.SetPassword("olivia@veepharm.com", "changed")
	other := fakeClient(t, fake, client.Password("olivia@veepharm.com", "demo-password"))
	_, err = other.RotateAPIAccessToken(t.Context(), client.RotateRequest{
		Me: true, TokenRequest: client.TokenRequest{Name: "k"},
		Store: func(context.Context, *client.Token) error { return nil },
	})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Op != openapi.OpAuthenticate || !errors.Is(err, client.ErrorTypeUsernameOrPasswordIncorrect) {
		t.Fatalf("error %v: want the login's *APIError", err)
	}
	if apiErr.ErrorType != client.ErrorTypeAuthenticationFailed {
		t.Errorf("ErrorType %q, want %q", apiErr.ErrorType, client.ErrorTypeAuthenticationFailed)
	}
	if n := strings.Count(err.Error(), "vault: "); n != 1 {
		t.Errorf("message %q has the prefix %d times", err, n)
	}
}

// TestVersionLearnedFromTheVaultIsNotInput: InputError means "refused before anything was
// sent". A pinned version the Vault's list does not hold is learned from the network: it
// matches ErrUnsupportedVersion, not ErrInvalidInput. A pinned version older than the
// token calls' first one is refused before anything is sent: both.
func TestVersionLearnedFromTheVaultIsNotInput(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{Versions: []string{"v26.2"}})
	session, err := fake.SessionFor(vaulttest.DefaultUsers()[0].Username)
	if err != nil {
		t.Fatal(err)
	}
	c := fakeClient(t, fake, client.SessionID(session), client.WithAPIVersion("v26.3"), client.WithAPIVersionCheck())
	_, err = c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"})
	var in *client.InputError
	if !errors.Is(err, client.ErrUnsupportedVersion) || errors.Is(err, client.ErrInvalidInput) || errors.As(err, &in) {
		t.Errorf("a version the Vault does not list: %v, want ErrUnsupportedVersion and no input error", err)
	}
	old := fakeClient(t, fake, client.SessionID(session), client.WithAPIVersion("v25.3"))
	_, err = old.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrUnsupportedVersion) || !errors.Is(err, client.ErrInvalidInput) {
		t.Errorf("a pinned version too old: %v, want both ErrUnsupportedVersion and ErrInvalidInput", err)
	}
}

// TestLoginWithoutSessionIDIsUnexpected: a SUCCESS login reply without a sessionId is an
// *UnexpectedResponseError, like every other reply of the wrong shape.
func TestLoginWithoutSessionIDIsUnexpected(t *testing.T) {
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	// A login reply without its session ID breaks the spec: on purpose.
	fake.Inject(vaulttest.Fault{Op: openapi.OpAuthenticate, Kind: vaulttest.HandReply, BreaksSpec: true, Reply: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"responseStatus":"SUCCESS","userId":12021,"vaultId":1776}`)
	}})
	user := vaulttest.DefaultUsers()[0]
	c := fakeClient(t, fake, client.Password(user.Username, user.Password))
	_, err := c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"})
	var unexpected *client.UnexpectedResponseError
	if !errors.As(err, &unexpected) || unexpected.Op != openapi.OpAuthenticate {
		t.Errorf("error %v (%T), want an *UnexpectedResponseError of the login", err, err)
	}
}

// TestTransportErrorKeepsItsChain: a transport error is a net.Error for errors.As, and
// its *net.OpError is found, whether or not scrubbing changed its text.
func TestTransportErrorKeepsItsChain(t *testing.T) {
	const session = "SESSION-chain-test-41d8cd98f00b"
	for _, tt := range []struct {
		name string
		text string
	}{
		{"nothing to scrub", "connection reset by peer"},
		{"the session echoed", "reset after " + session},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New(tt.text)}
			})}
			c, err := client.New("myvault.veevavault.com", client.WithHTTPClient(hc), client.WithCredentials(client.SessionID(session)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.APIVersions(t.Context())
			var netErr net.Error
			var opErr *net.OpError
			if !errors.As(err, &netErr) || !errors.As(err, &opErr) {
				t.Errorf("error %v: net.Error %v, *net.OpError %v", err, netErr != nil, opErr != nil)
			}
			if strings.Contains(err.Error(), session) || strings.Contains(opErr.Error(), session) {
				t.Errorf("the session is printed: %v; %v", err, opErr)
			}
		})
	}
}
