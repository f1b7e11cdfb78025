package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"

	"github.com/acme/vault-token/client"
)

// versionsVault lists v25.3 .. v26.10, the last the Beta: its JSON keys come in an order
// that is not numeric (v26.10 before v26.2).
func versionsVault(t *testing.T) *vaulttest.Server {
	return vaulttest.NewTestServer(t, vaulttest.Config{Versions: []string{"v25.3", "v26.2", "v26.9", "v26.10"}})
}

// tokenCallPaths are the paths of the token calls the fake received.
func tokenCallPaths(fake *vaulttest.Server) []string {
	var out []string
	for _, r := range fake.Requests() {
		if r.Op == openapi.OpGenerateMyAPIAccessToken {
			out = append(out, r.Path)
		}
	}
	return out
}

func TestAPIVersionsAreSortedNumerically(t *testing.T) {
	fake := versionsVault(t)
	list, err := fakeClient(t, fake, sessionOf(t, fake, olivia.Username)).APIVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"v25.3", "v26.2", "v26.9", "v26.10"}, list.Versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if got := fake.Requests()[0]; got.Path != "/api/" || got.Method != "GET" || got.Header.Get("Authorization") == "" {
		t.Errorf("request = %+v", got)
	}
	if list.Response.ExecutionID == "" {
		t.Errorf("metadata missing: %+v", list.Response)
	}
}

func TestLatestVersionIsChosenOnce(t *testing.T) {
	for _, tt := range []struct {
		beta bool
		want string
	}{{false, "v26.9"}, {true, "v26.10"}} {
		fake := versionsVault(t)
		c := fakeClient(t, fake, sessionOf(t, fake, olivia.Username), client.WithLatestAPIVersion(tt.beta))
		for range 3 {
			if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
				t.Fatalf("beta=%v: %v", tt.beta, err)
			}
		}
		if n := fake.Count(openapi.OpRetrieveAPIVersions); n != 1 {
			t.Errorf("beta=%v: version list asked %d times, want 1", tt.beta, n)
		}
		if p := tokenCallPaths(fake); len(p) != 3 || !strings.HasPrefix(p[0], "/api/"+tt.want+"/") {
			t.Errorf("beta=%v: token calls went to %v", tt.beta, p)
		}
	}
}

func TestUnlistedVersionIsAClearError(t *testing.T) {
	fake := versionsVault(t)
	c := fakeClient(t, fake, sessionOf(t, fake, olivia.Username), client.WithAPIVersion("v26.3"), client.WithAPIVersionCheck())
	_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrUnsupportedVersion) || !strings.Contains(err.Error(), "v26.3 is not supported") {
		t.Fatalf("error = %v, want ErrUnsupportedVersion", err)
	}
	if n := fake.Count(openapi.OpGenerateMyAPIAccessToken); n != 0 {
		t.Errorf("token call was sent %d times with an unsupported version", n)
	}
}

func TestVersionOlderThanTokensIsRefusedWithoutNetwork(t *testing.T) {
	fake := versionsVault(t)
	c := fakeClient(t, fake, client.SessionID(secretSession), client.WithAPIVersion("v25.3"))
	_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrUnsupportedVersion) || !errors.Is(err, client.ErrInvalidInput) {
		t.Fatalf("error = %v, want ErrUnsupportedVersion", err)
	}
	if n := fake.Count(""); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestPinnedVersionIsUsedWithoutAsking(t *testing.T) {
	fake := versionsVault(t)
	c := fakeClient(t, fake, sessionOf(t, fake, olivia.Username), client.WithAPIVersion("v26.9"))
	if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/api/v26.9/objects/users/me/api_access_token__sys"}, tokenCallPaths(fake)); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if n := fake.Count(""); n != 1 {
		t.Errorf("%d requests, want the token call alone", n)
	}
}

// TestDefaultVersionIsTheSpecs keeps DefaultAPIVersion and the spec's server default in step.
func TestDefaultVersionIsTheSpecs(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Servers[0].Variables["version"].Default; got != client.DefaultAPIVersion {
		t.Errorf("spec's default version %q, client.DefaultAPIVersion %q", got, client.DefaultAPIVersion)
	}
}
