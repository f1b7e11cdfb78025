package vaulttest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// FuzzTokenRequestBody: whatever body a token request carries, form or JSON, the fake
// answers with a Vault envelope that the spec allows; a token it issues carries exactly the
// name the body held.
func FuzzTokenRequestBody(f *testing.F) {
	f.Add(false, "name__v=IntegrationKey&expiry_date__v=2099-12-31T12%3A00%3A00Z")
	f.Add(false, "name__v=k&expiry_date__sys=2025-12-31T12:00:00:00.000Z")
	f.Add(false, "name__v=%20%20&name__v=second")
	f.Add(false, "expiry_date__v=2099-12-31")
	f.Add(true, `{"name__v":"IntegrationKey","expiry_date__v":"2099-12-31"}`)
	f.Add(true, `{"name__v":5}`)
	f.Add(true, `{"name__v":"k","expiry_date__v":"10000-01-01"}`)
	f.Add(true, `[1,2`)
	var mu sync.Mutex
	var responseViolations []string
	// A fresh fake when the user nears the 25-token cap, so SUCCESS stays reachable.
	var fake *vaulttest.Server
	var session string
	restart := func() {
		if fake != nil {
			fake.Close()
		}
		var err error
		fake, err = vaulttest.NewServer(vaulttest.Config{
			Users: []vaulttest.User{{ID: 1, Username: "fuzz@veepharm.com", Password: "fuzz-password"}},
			Report: func(v string) {
				if strings.HasPrefix(v, "response") {
					mu.Lock()
					responseViolations = append(responseViolations, v)
					mu.Unlock()
				}
			},
		})
		if err != nil {
			f.Fatal(err)
		}
		if session, err = fake.SessionFor("fuzz@veepharm.com"); err != nil {
			f.Fatal(err)
		}
	}
	restart()
	f.Cleanup(func() { fake.Close() })
	f.Fuzz(func(t *testing.T, isJSON bool, body string) {
		ctype, name := "application/x-www-form-urlencoded", ""
		if isJSON {
			ctype = "application/json"
			var m map[string]any
			if json.Unmarshal([]byte(body), &m) == nil {
				name, _ = m["name__v"].(string)
			}
		} else if form, err := url.ParseQuery(body); err == nil {
			name = form.Get("name__v")
		}
		req := httptest.NewRequest(http.MethodPost, "https://"+fake.DNS+"/api/v26.2/objects/users/me/api_access_token__sys", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", session)
		before := len(fake.Tokens())
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, req)

		var reply struct {
			ResponseStatus string `json:"responseStatus"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("HTTP %d %q: not a Vault envelope", rec.Code, rec.Body)
		}
		mu.Lock()
		bad := responseViolations
		mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("the fake's reply breaks the spec: %v", bad)
		}
		tokens := fake.Tokens()
		switch reply.ResponseStatus {
		case "SUCCESS":
			if len(tokens) != before+1 || tokens[len(tokens)-1].Name != name {
				t.Fatalf("SUCCESS for name %q; the fake holds %d new tokens, the last named %q", name, len(tokens)-before, tokens[len(tokens)-1].Name)
			}
		case "FAILURE":
			if len(tokens) != before {
				t.Fatal("a token was issued with a FAILURE reply")
			}
		default:
			t.Fatalf("responseStatus %q", reply.ResponseStatus)
		}
		if len(tokens) >= openapi.MaxActiveTokens-1 {
			restart()
		}
	})
}
