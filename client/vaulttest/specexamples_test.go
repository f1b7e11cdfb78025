package vaulttest_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// shape lists every field path of a JSON value with its kind, and the value itself for
// the fields a client branches on (statuses and error types), so two replies with the same
// shape differ only in IDs, tokens and text.
func shape(v any) []string {
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if strings.HasSuffix(path, ".values") { // the version list: keys are data
				out = append(out, path+": map of string")
				return
			}
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		case string:
			if strings.HasSuffix(path, "responseStatus") || strings.HasSuffix(path, ".type") || strings.HasSuffix(path, "errorType") {
				out = append(out, path+": "+x)
			} else {
				out = append(out, path+": string")
			}
		default:
			out = append(out, fmt.Sprintf("%s: %T", path, v))
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

func specExample(t *testing.T, doc *openapi3.T, path, method, name string) any {
	t.Helper()
	mt := doc.Paths.Value(path).GetOperation(strings.ToUpper(method)).Responses.Status(200).Value.Content.Get("application/json")
	if name == "" {
		return mt.Example
	}
	return mt.Examples[name].Value.Value
}

// TestFakeRepliesMatchSpecExamples: for each documented call, the fake's reply has the
// fields of the spec's example, field for field.
func TestFakeRepliesMatchSpecExamples(t *testing.T) {
	docs := map[string]*openapi3.T{}
	for name, data := range openapi.Documents() {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = doc
	}
	// The failed login sends no password, which the spec forbids on purpose: Lenient, so
	// that the fake answers it as Vault does (NO_PASSWORD_PROVIDED) rather than refuse it.
	var c collector
	s := vaulttest.NewTestServer(t, vaulttest.Config{Report: c.report, Lenient: true})
	session, _ := s.SessionFor("olivia@veepharm.com")
	form := "application/x-www-form-urlencoded"
	tokenPath := "/objects/users/{user_id}/api_access_token__sys"
	tests := []struct {
		name, doc, specPath, method, example string
		call                                 func() any
	}{
		{"token", "vault-api.yaml", tokenPath, "post", "success", func() any {
			return post(t, s, "/api/v26.2/objects/users/12345/api_access_token__sys", session, form, "name__v=k")
		}},
		{"token refused", "vault-api.yaml", tokenPath, "post", "invalidSession", func() any {
			return post(t, s, "/api/v26.2/objects/users/12345/api_access_token__sys", "NOT-A-SESSION", form, "name__v=k")
		}},
		{"login", "vault-api.yaml", "/auth", "post", "success", func() any {
			return post(t, s, "/api/v26.2/auth", "", form, "username=olivia%40veepharm.com&password=demo-password")
		}},
		{"failed login", "vault-api.yaml", "/auth", "post", "failure", func() any {
			return post(t, s, "/api/v26.2/auth", "", form, "username=olivia%40veepharm.com")
		}},
		{"versions", "vault-versions.yaml", "/", "get", "", func() any { return call(t, s, http.MethodGet, "/api/", session, "", "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := shape(specExample(t, docs[tt.doc], tt.specPath, tt.method, tt.example))
			got := shape(tt.call())
			if len(want) == 0 {
				t.Fatal("the spec example is empty")
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fake reply vs spec example (-want +got):\n%s", diff)
			}
		})
	}
}
