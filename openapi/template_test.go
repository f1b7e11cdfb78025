package openapi_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oapi-codegen/runtime"

	"github.com/acme/vault-token/gen"
	"github.com/acme/vault-token/gen/genlogin"
)

// templateChanges are the changes openapi/templates/client.tmpl makes to oapi-codegen's
// client.tmpl: the upstream lines, and what replaces them. All are in the request
// builders, and all serve one end: a generated builder costs about what a request written
// by hand with net/http costs (docs/performance.md). Each keeps upstream's code for the
// cases it does not cover, and FuzzBuildersMatchRuntime checks that the requests are
// byte for byte those upstream's code makes.
var templateChanges = []struct{ why, upstream, ours string }{
	{
		why: "a form body whose fields are all plain strings is written field by field, " +
			"in url.Values.Encode's order, instead of by reflection (runtime.MarshalForm)",
		upstream: `    {{else if eq .NameTag "Formdata" -}}
        bodyStr, err := runtime.MarshalForm(body, nil)
        if err != nil {
            return nil, err
        }
        bodyReader = strings.NewReader(bodyStr.Encode())
`,
		ours: `    {{else if eq .NameTag "Formdata" -}}
    {{- /* vault-token: a body whose fields are all plain strings is encoded field by field */ -}}
    {{- $s := .Schema.OAPISchema -}}
    {{- $plain := and $s (not $s.Extensions) (gt (len $s.Properties) 0) (not $s.AllOf) (not $s.AnyOf) (not $s.OneOf) -}}
    {{- if $plain}}{{range $name, $p := $s.Properties -}}
        {{- if not (and ($p.Value.Type.Is "string") (or (eq $p.Value.Format "") (eq $p.Value.Format "password")) (not $p.Value.Nullable)) -}}
            {{- $plain = false -}}
        {{- end -}}
        {{- range $ext, $_ := $p.Value.Extensions}}{{if ne $ext "x-go-name"}}{{$plain = false}}{{end}}{{end -}}
    {{- end}}{{end -}}
    {{- if $plain}}
        var form strings.Builder
        {{- range $name, $p := $s.Properties}}
        {{- $required := false}}{{range $s.Required}}{{if eq . $name}}{{$required = true}}{{end}}{{end}}
        {{- $field := schemaNameToTypeName (or (index $p.Value.Extensions "x-go-name") $name)}}
        {{if not $required}}if body.{{$field}} != nil { {{end}}
        if form.Len() > 0 {
            form.WriteByte('&')
        }
        form.WriteString(url.QueryEscape({{printf "%q" $name}}))
        form.WriteByte('=')
        form.WriteString(url.QueryEscape(string({{if not $required}}*{{end}}body.{{$field}})))
        {{if not $required}}}{{end}}
        {{- end}}
        bodyReader = strings.NewReader(form.String())
    {{- else}}
        bodyStr, err := runtime.MarshalForm(body, nil)
        if err != nil {
            return nil, err
        }
        bodyReader = strings.NewReader(bodyStr.Encode())
    {{- end}}
`,
	},
	{
		why: "a plain string path parameter is escaped with url.PathEscape, as runtime.StyleParamWithOptions does, without reflection",
		upstream: `    pathParam{{$paramIdx}}, err = runtime.StyleParamWithOptions("{{.Style}}", {{.Explode}}, "{{.ParamName}}", {{.GoVariableName}}, runtime.StyleParamOptions{ParamLocation: runtime.ParamLocationPath, Type: "{{.SchemaType}}", Format: "{{.SchemaFormat}}"})
    if err != nil {
        return nil, err
    }
`,
		ours: `    {{- /* vault-token: a plain string parameter is escaped directly */ -}}
    {{- if and (eq .Style "simple") (eq .SchemaType "string") (eq .SchemaFormat "") (not .Spec.Schema.Value.Extensions)}}
    pathParam{{$paramIdx}} = url.PathEscape(string({{.GoVariableName}}))
    {{- else}}
    pathParam{{$paramIdx}}, err = runtime.StyleParamWithOptions("{{.Style}}", {{.Explode}}, "{{.ParamName}}", {{.GoVariableName}}, runtime.StyleParamOptions{ParamLocation: runtime.ParamLocationPath, Type: "{{.SchemaType}}", Format: "{{.SchemaFormat}}"})
    if err != nil {
        return nil, err
    }
    {{- end}}
`,
	},
	{
		why: "the URL is the server URL and the path joined as text and parsed once, by http.NewRequest " +
			"(upstream parses the server URL, resolves the path against it and parses the result again, " +
			"and drops the server URL's last segment when it has no trailing slash); " +
			"with up to two path parameters, the path is joined as text rather than by fmt.Sprintf",
		upstream: `    serverURL, err := url.Parse(server)
    if err != nil {
        return nil, err
    }

    operationPath := fmt.Sprintf("{{genParamFmtString .Path}}"{{range $paramIdx, $param := .PathParams}}, pathParam{{$paramIdx}}{{end}})
    if operationPath[0] == '/' {
        operationPath = "." + operationPath
    }

    queryURL, err := serverURL.Parse(operationPath)
    if err != nil {
        return nil, err
    }
`,
		ours: `    {{- /* vault-token: with up to two path parameters, the path is joined as text */}}
    {{- $pathFmt := genParamFmtString .Path}}
    {{- if eq (len .PathParams) 0}}
    operationPath := "{{printf $pathFmt}}"
    {{- else if eq (len .PathParams) 1}}
    operationPath := "{{printf $pathFmt "\" + pathParam0 + \""}}"
    {{- else if eq (len .PathParams) 2}}
    operationPath := "{{printf $pathFmt "\" + pathParam0 + \"" "\" + pathParam1 + \""}}"
    {{- else}}
    operationPath := fmt.Sprintf("{{genParamFmtString .Path}}"{{range $paramIdx, $param := .PathParams}}, pathParam{{$paramIdx}}{{end}})
    {{- end}}
    req, err := http.NewRequest({{.Method | httpMethodConstant}}, strings.TrimSuffix(server, "/") + operationPath, {{if .HasBody}}body{{else}}nil{{end}})
    if err != nil {
        return nil, err
    }
    {{- if .QueryParams}}
    queryURL := req.URL
    {{- end}}
`,
	},
	{
		why: "the request is made above (previous change); Content-Type is set by its canonical name, without Header.Add canonicalizing it",
		upstream: `{{end}}{{/* if .QueryParams */}}
    req, err := http.NewRequest({{.Method | httpMethodConstant}}, queryURL.String(), {{if .HasBody}}body{{else}}nil{{end}})
    if err != nil {
        return nil, err
    }

    {{if .HasBody}}req.Header.Add("Content-Type", contentType){{end}}
`,
		ours: `{{end}}{{/* if .QueryParams */}}
    {{if .HasBody}}req.Header["Content-Type"] = []string{contentType}{{end}}{{/* vault-token: the name is canonical already */}}
`,
	},
	{
		why: "a plain string header parameter is sent as it is, as runtime.StyleParamWithOptions does, without reflection",
		upstream: `        headerParam{{$paramIdx}}, err = runtime.StyleParamWithOptions("{{.Style}}", {{.Explode}}, "{{.ParamName}}", {{if .HasOptionalPointer}}*{{end}}params.{{.GoName}}, runtime.StyleParamOptions{ParamLocation: runtime.ParamLocationHeader, Type: "{{.SchemaType}}", Format: "{{.SchemaFormat}}"})
        if err != nil {
            return nil, err
        }
`,
		ours: `        {{- /* vault-token: a plain string parameter is sent as it is */ -}}
        {{- if and (eq .Style "simple") (eq .SchemaType "string") (eq .SchemaFormat "") (not .Spec.Schema.Value.Extensions)}}
        headerParam{{$paramIdx}} = string({{if .HasOptionalPointer}}*{{end}}params.{{.GoName}})
        {{- else}}
        headerParam{{$paramIdx}}, err = runtime.StyleParamWithOptions("{{.Style}}", {{.Explode}}, "{{.ParamName}}", {{if .HasOptionalPointer}}*{{end}}params.{{.GoName}}, runtime.StyleParamOptions{ParamLocation: runtime.ParamLocationHeader, Type: "{{.SchemaType}}", Format: "{{.SchemaFormat}}"})
        if err != nil {
            return nil, err
        }
        {{- end}}
`,
	},
}

// TestClientTemplateFollowsUpstream checks that openapi/templates/client.tmpl is
// upstream-client.tmpl, oapi-codegen's client.tmpl at the version go.mod pins (make
// check-generated holds the copy to the module's), but for its opening comment and the
// changes above. When oapi-codegen is upgraded and its template changed, copy the new one
// and make the changes again.
func TestClientTemplateFollowsUpstream(t *testing.T) {
	upstream, err := os.ReadFile(filepath.Join("templates", "upstream-client.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile(filepath.Join("templates", "client.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	want := string(upstream)
	for _, c := range templateChanges {
		if strings.Count(want, c.upstream) != 1 {
			t.Fatalf("oapi-codegen's client.tmpl no longer has, once, the lines this change replaces (%s):\n%s", c.why, c.upstream)
		}
		want = strings.Replace(want, c.upstream, c.ours, 1)
	}
	_, got, found := strings.Cut(string(ours), "*/ -}}\n")
	if !found {
		t.Fatal("openapi/templates/client.tmpl does not open with its comment")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("openapi/templates/client.tmpl differs from upstream beyond its changes (-want +got):\n%s", diff)
	}
}

// TestBuilderJoinsServerAndPath checks the generated builders' URLs: the path escaped
// and appended to the server URL whole, with or without its trailing slash (the upstream
// template resolved "./path" against it, which dropped "v26.2" from the second).
func TestBuilderJoinsServerAndPath(t *testing.T) {
	const want = "https://myvault.veevavault.com/api/v26.2/objects/sandbox/My%20Sandbox%2F1/users/me/api_access_token__sys"
	for _, server := range []string{"https://myvault.veevavault.com/api/v26.2/", "https://myvault.veevavault.com/api/v26.2"} {
		req, err := gen.NewGenerateSandboxAPIAccessTokenRequestWithFormdataBody(server, "My Sandbox/1",
			&gen.GenerateSandboxAPIAccessTokenParams{}, gen.TokenRequest{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, req.URL.String()); diff != "" {
			t.Errorf("server %q: URL (-want +got):\n%s", server, diff)
		}
	}
}

// FuzzBuildersMatchRuntime checks the template's changes against the code they replace:
// for any values, every form body a generated builder writes is runtime.MarshalForm's,
// encoded; a path parameter is escaped, and a header parameter sent, as
// runtime.StyleParamWithOptions makes them; the URL is the one upstream's builder made.
func FuzzBuildersMatchRuntime(f *testing.F) {
	for _, seed := range []struct {
		a, b, c string
		set     bool
	}{
		{"IntegrationKey", "acme-bench-server-tokenbot", "2026-12-31", true},
		{"", "", "", false},
		{"", "", "", true},
		{"My Sandbox/1", "a b&c=d+e%f?g#h", "é\x00\n;,:@", true},
		{"name__v=x&expiry_date__v=y", "..", "%2F%zz", false},
		{"ünï/cödé", "[]{}|\\^`'\"<>", "~!*()$", true},
	} {
		f.Add(seed.a, seed.b, seed.c, seed.set)
	}
	f.Fuzz(func(t *testing.T, a, b, c string, set bool) {
		const server = "https://myvault.veevavault.com/api/v26.2"
		optional := func() *string {
			if set {
				return &c
			}
			return nil
		}
		token := gen.TokenRequest{Name: a, ExpiryDate: optional()}
		req, err := gen.NewGenerateSandboxAPIAccessTokenRequestWithFormdataBody(server, b,
			&gen.GenerateSandboxAPIAccessTokenParams{ClientID: &a}, token)
		checkSandboxBuilder(t, server, req, err, b, a)
		if t.Failed() {
			return
		}
		checkForm(t, "TokenRequest", req, token)

		req, err = gen.NewGenerateAPIAccessTokenRequestWithFormdataBody(server, b, nil, token)
		if err != nil {
			t.Fatalf("user ID %q: %v", b, err)
		}
		checkForm(t, "TokenRequest", req, token)
		auth := gen.AuthRequest{Username: a, Password: b, VaultDNS: optional()}
		if req, err = gen.NewAuthenticateRequestWithFormdataBody(server, nil, auth); err != nil {
			t.Fatal(err)
		}
		checkForm(t, "AuthRequest", req, auth)
		query := gen.QueryRequest{Q: a}
		if req, err = gen.NewQueryAPIAccessTokensRequestWithFormdataBody(server, nil, query); err != nil {
			t.Fatal(err)
		}
		checkForm(t, "QueryRequest", req, query)
		oauth := genlogin.OAuthLoginRequest{ClientID: optional(), VaultDNS: &a}
		if req, err = genlogin.NewAuthenticateOAuthRequestWithFormdataBody("https://login.veevavault.com", b, nil, oauth); err != nil {
			t.Fatalf("profile ID %q: %v", b, err)
		}
		checkForm(t, "OAuthLoginRequest", req, oauth)
	})
}

// checkSandboxBuilder checks a sandbox token request built for sandbox with clientID
// against what upstream's builder made: the name escaped by StyleParamWithOptions into
// the path, the whole parsed as a URL, and the header styled by it too.
func checkSandboxBuilder(t *testing.T, server string, req *http.Request, err error, sandbox, clientID string) {
	t.Helper()
	path, styleErr := runtime.StyleParamWithOptions("simple", false, "sandbox_name", sandbox,
		runtime.StyleParamOptions{ParamLocation: runtime.ParamLocationPath, Type: "string"})
	if styleErr != nil {
		t.Fatal(styleErr)
	}
	want, parseErr := url.Parse(server + "/objects/sandbox/" + path + "/users/me/api_access_token__sys")
	if (err != nil) != (parseErr != nil) {
		t.Fatalf("sandbox %q: builder error %v, upstream's %v", sandbox, err, parseErr)
	}
	if err != nil {
		return
	}
	if diff := cmp.Diff(want.String(), req.URL.String()); diff != "" {
		t.Errorf("sandbox %q: URL (-upstream +ours):\n%s", sandbox, diff)
	}
	header, styleErr := runtime.StyleParamWithOptions("simple", false, "X-VaultAPI-ClientID", clientID,
		runtime.StyleParamOptions{ParamLocation: runtime.ParamLocationHeader, Type: "string"})
	if styleErr != nil {
		t.Fatal(styleErr)
	}
	if diff := cmp.Diff([]string{header}, req.Header.Values("X-VaultAPI-ClientID")); diff != "" {
		t.Errorf("client ID %q: header (-upstream +ours):\n%s", clientID, diff)
	}
	if diff := cmp.Diff([]string{"application/x-www-form-urlencoded"}, req.Header.Values("Content-Type")); diff != "" {
		t.Errorf("Content-Type (-want +got):\n%s", diff)
	}
}

// checkForm checks that req's body is body as runtime.MarshalForm encodes it.
func checkForm(t *testing.T, name string, req *http.Request, body any) {
	t.Helper()
	values, err := runtime.MarshalForm(body, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(values.Encode(), string(got)); diff != "" {
		t.Errorf("%s %+v: form body (-MarshalForm +ours):\n%s", name, body, diff)
	}
}

// TestGeneratedBuildersTakeTheDirectPath checks that every builder in gen/ takes the
// template's direct code for this spec: no form body, path or header parameter goes
// through the runtime's reflection, and no path through fmt.Sprintf. If a change to the
// spec (a non-string field, a format) or to oapi-codegen sends one back to upstream's
// code, the request is still right; this test says the cost has come back.
func TestGeneratedBuildersTakeTheDirectPath(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "gen", "*", "*.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := filepath.Glob(filepath.Join("..", "gen", "*.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, top...)
	if len(files) != 3 {
		t.Fatalf("found %d generated files in gen/, want 3: %v", len(files), files)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			styled := strings.Contains(line, "runtime.StyleParamWithOptions(")
			if strings.Contains(line, "runtime.MarshalForm(") || strings.Contains(line, "operationPath := fmt.Sprintf(") ||
				styled && (strings.Contains(line, "runtime.ParamLocationPath") || strings.Contains(line, "runtime.ParamLocationHeader")) {
				t.Errorf("%s:%d: upstream's code: %s", name, i+1, strings.TrimSpace(line))
			}
		}
	}
}
