package openapi_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/acme/vault-token/openapi"
)

// TestSpecValidates loads each of the embedded documents the way other tools will and
// validates it, examples included, so a broken example fails here before another team's
// generator sees it. Each must be complete on its own: one base URL, no per-path or
// per-operation servers.
func TestSpecValidates(t *testing.T) {
	for name, data := range openapi.Documents() {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
		if len(doc.Servers) != 1 {
			t.Errorf("%s has %d servers, want one base URL", name, len(doc.Servers))
		}
		for path, item := range doc.Paths.Map() {
			if len(item.Servers) > 0 {
				t.Errorf("%s: path %s has servers of its own", name, path)
			}
			for method, op := range item.Operations() {
				if op.Servers != nil && len(*op.Servers) > 0 {
					t.Errorf("%s: %s %s has servers of its own", name, method, path)
				}
			}
		}
	}
}

// TestSpecRejectsBadExample proves the validation above can fail: an example that breaks its
// schema must be refused.
func TestSpecRejectsBadExample(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	doc.Components.Schemas["TokenRequest"].Value.Properties["expiry_date__v"].Value.Example = "2025-12-31T12:00:00:00.000Z"
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err == nil {
		t.Fatal("a malformed expiry example validated; example validation is not running")
	}
}

// TestSpecCoversOperations pins the operation IDs other teams generate code against, and
// the document that holds each.
func TestSpecCoversOperations(t *testing.T) {
	want := map[string]string{
		openapi.OpGenerateAPIAccessToken:        "POST /objects/users/{user_id}/api_access_token__sys",
		openapi.OpGenerateMyAPIAccessToken:      "POST /objects/users/me/api_access_token__sys",
		openapi.OpGenerateSandboxAPIAccessToken: "POST /objects/sandbox/{sandbox_name}/users/me/api_access_token__sys",
		openapi.OpAuthenticate:                  "POST /auth",
		openapi.OpAuthenticateOAuth:             "vault-login.yaml POST /auth/oauth/session/{oath_oidc_profile_id}",
		openapi.OpRetrieveAPIVersions:           "vault-versions.yaml GET /",
		openapi.OpQueryAPIAccessTokens:          "POST /query",
		openapi.OpQueryAPIAccessTokensPage:      "POST /query/{query_id}",
		openapi.OpDeleteAPIAccessTokens:         "DELETE /vobjects/api_access_token__sys",
		openapi.OpValidateSessionUser:           "GET /objects/users/me",
		openapi.OpEndSession:                    "DELETE /session",
		openapi.OpDiscoverAuthType:              "vault-login.yaml POST /auth/discovery",
	}
	if len(openapi.Operations()) != len(want) {
		t.Errorf("openapi.Operations() lists %d operations, want %d", len(openapi.Operations()), len(want))
	}
	for id, route := range want {
		if !strings.HasPrefix(route, "vault-") {
			want[id] = "vault-api.yaml " + route
		}
	}
	got := map[string]string{}
	for name, data := range openapi.Documents() {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				got[op.OperationID] = name + " " + method + " " + path
			}
		}
	}
	for id, route := range want {
		if got[id] != route {
			t.Errorf("operation %s: got %q, want %q", id, got[id], route)
		}
	}
	if len(got) != len(want) {
		t.Errorf("spec has %d operations, want %d: %v", len(got), len(want), got)
	}
}

// TestSpecRejectsBadReplyExample: example validation covers response examples too, the
// ones other teams' mocks are built from.
func TestSpecRejectsBadReplyExample(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	op := doc.Paths.Value("/objects/users/me/api_access_token__sys").Post
	ex := op.Responses.Status(200).Value.Content.Get("application/json").Examples["success"].Value
	ex.Value = map[string]any{"responseStatus": "MAYBE"}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err == nil {
		t.Fatal("a reply example with an unknown responseStatus validated")
	}
}

// TestSpecVersion keeps SpecVersion, which the command prints, and each document's own
// version in step.
func TestSpecVersion(t *testing.T) {
	for name, data := range openapi.Documents() {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Info.Version != openapi.SpecVersion {
			t.Errorf("%s's info.version %q, openapi.SpecVersion %q", name, doc.Info.Version, openapi.SpecVersion)
		}
	}
}

// TestReadmeTypeScript: docs/spec.md's TypeScript snippet is openapi/tools/readme-snippet.ts,
// which make ts-check type-checks against the generated types; only the import path differs.
func TestReadmeTypeScript(t *testing.T) {
	readme, err := os.ReadFile("../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("tools/readme-snippet.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "## For other languages")
	_, block, ok := strings.Cut(section, "```ts\n")
	block, _, _ = strings.Cut(block, "```")
	_, snippet, found := strings.Cut(string(file), "// README snippet begins\n")
	if !ok || !found {
		t.Fatal("docs/spec.md's ```ts block or the file's marker is missing")
	}
	snippet = strings.Replace(snippet, `from "./generated/vault-api"`, `from "./vault-api"`, 1)
	if strings.TrimSpace(snippet) != strings.TrimSpace(block) {
		t.Errorf("docs/spec.md's TypeScript differs from openapi/tools/readme-snippet.ts:\ndocs/spec.md:\n%s\nfile:\n%s", block, snippet)
	}
}

// TestReadmeGenerators: the README's generator table has a row for each generator make
// spec-e2e and go test ./openapi run (the TypeScript programs, ogen, oapi-codegen), and
// none of them needs a workaround for the spec.
func TestReadmeGenerators(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\$\(foreach p,([^,]+),"node \$\(TOOLS\)/build/e2e/e2e/`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile's spec-e2e runs no TypeScript programs")
	}
	programs := len(strings.Fields(string(m[1])))
	_, table, ok := strings.Cut(string(readme), "| generator | pinned | workarounds for its own defects | workarounds for the spec's |\n| --- | --- | --- | --- |\n")
	if !ok {
		t.Fatal("the README has no generator table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	rows := strings.Split(strings.TrimSpace(table), "\n")
	if want := programs + 2; len(rows) != want {
		t.Errorf("the README's table has %d generators, make spec-e2e and go test ./openapi run %d", len(rows), want)
	}
	for _, row := range rows {
		cells := strings.Split(strings.Trim(row, "| "), " | ")
		if last := cells[len(cells)-1]; last != "none" {
			t.Errorf("%s needs a workaround for the spec: %s", cells[0], last)
		}
	}
	if !strings.Contains(string(readme), fmt.Sprintf("%s generators run against the fake Vault here", numberWord(programs+2))) {
		t.Errorf("the README does not say %s generators run", numberWord(programs+2))
	}
}

func numberWord(n int) string {
	words := []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve"}
	if n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}
