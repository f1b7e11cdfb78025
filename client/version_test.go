package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/openapi"

	"github.com/acme/vault-token/client"
)

// versionsVault lists v25.3 .. v26.10 in JSON key order that is not numeric order.
func versionsVault(t *testing.T) *handVault {
	v := newTestVault(t, func(w http.ResponseWriter, _ *http.Request, req wireRequest) {
		if req.Path == "/api/" {
			reply(w, `{"responseStatus":"SUCCESS","values":{"v26.10":"u","v26.9":"u","v25.3":"u","v26.2":"u","beta-notes":"u"}}`)
			return
		}
		reply(w, tokenSuccess)
	})
	return v
}

func TestAPIVersionsAreSortedNumerically(t *testing.T) {
	v := versionsVault(t)
	list, err := v.newClient(client.WithCredentials(client.SessionID(secretSession))).APIVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"v25.3", "v26.2", "v26.9", "v26.10"}, list.Versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	if got := v.requests()[0]; got.Path != "/api/" || got.Method != "GET" || got.Authorization != secretSession {
		t.Errorf("request = %+v", got)
	}
	if list.Response.ExecutionID != "exec-1" {
		t.Errorf("metadata missing: %+v", list.Response)
	}
}

func TestLatestVersionIsChosenOnce(t *testing.T) {
	for _, tt := range []struct {
		beta bool
		want string
	}{{false, "v26.9"}, {true, "v26.10"}} {
		v := versionsVault(t)
		c := v.newClient(client.WithCredentials(client.SessionID(secretSession)), client.WithLatestAPIVersion(tt.beta))
		for range 3 {
			if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
				t.Fatalf("beta=%v: %v", tt.beta, err)
			}
		}
		if n := v.count("/api/"); n != 1 {
			t.Errorf("beta=%v: version list asked %d times, want 1", tt.beta, n)
		}
		if p := v.requests()[1].Path; !strings.HasPrefix(p, "/api/"+tt.want+"/") {
			t.Errorf("beta=%v: token call went to %s", tt.beta, p)
		}
	}
}

func TestUnlistedVersionIsAClearError(t *testing.T) {
	v := versionsVault(t)
	c := v.newClient(client.WithCredentials(client.SessionID(secretSession)), client.WithAPIVersion("v26.3"), client.WithAPIVersionCheck())
	_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrUnsupportedVersion) || !strings.Contains(err.Error(), "v26.3 is not supported") {
		t.Fatalf("error = %v, want ErrUnsupportedVersion", err)
	}
	if n := v.count("api_access_token__sys"); n != 0 {
		t.Errorf("token call was sent %d times with an unsupported version", n)
	}
}

func TestVersionOlderThanTokensIsRefusedWithoutNetwork(t *testing.T) {
	v := newTestVault(t, func(http.ResponseWriter, *http.Request, wireRequest) { t.Error("unexpected request") })
	c := v.newClient(client.WithCredentials(client.SessionID(secretSession)), client.WithAPIVersion("v25.3"))
	_, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"})
	if !errors.Is(err, client.ErrUnsupportedVersion) || !errors.Is(err, client.ErrInvalidInput) {
		t.Fatalf("error = %v, want ErrUnsupportedVersion", err)
	}
}

func TestPinnedVersionIsUsedWithoutAsking(t *testing.T) {
	v := versionsVault(t)
	c := v.newClient(client.WithCredentials(client.SessionID(secretSession)), client.WithAPIVersion("v26.9"))
	if _, err := c.GenerateMyAPIAccessToken(context.Background(), client.TokenRequest{Name: "k"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"/api/v26.9/objects/users/me/api_access_token__sys"}, paths(v.requests())); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}

func paths(reqs []wireRequest) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Path)
	}
	return out
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
