package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/internal/rawh2"
	"github.com/acme/vault-token/openapi"
)

// These tests run the built binary as a subprocess against the fake Vault, the way an
// operator runs it: exit codes, stdout and stderr kept apart, files, stdin.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vault-token-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "vault-token")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	// vault-token-fake goes beside vault-token, where "vault-token fake" looks for it.
	if out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), ".", "../vault-token-fake").CombinedOutput(); err != nil {
		panic(fmt.Sprintf("go build: %v\n%s", err, out))
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// harness is a fake Vault and the environment that points the binary at it.
type harness struct {
	t    *testing.T
	fake *vaulttest.Server
	cert string
	// printed collects everything the binary printed where no secret belongs; runs may
	// be concurrent.
	mu      sync.Mutex
	printed bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, fake: vaulttest.NewTestServer(t, vaulttest.Config{})}
	h.cert = filepath.Join(t.TempDir(), "fake.pem")
	if err := os.WriteFile(h.cert, h.fake.CertificatePEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) session() string {
	s, err := h.fake.SessionFor("olivia@veepharm.com")
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// run runs the binary with env (NAME=value) and stdin. stdout is collected for the
// secret search too unless it is meant to carry a token.
func (h *harness) run(env []string, stdin string, args ...string) result {
	h.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + h.t.TempDir(), "VEEVA_VAULT_CA_FILE=" + h.cert}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("run: %v", err)
	}
	h.mu.Lock()
	h.printed.Write(stderr.Bytes())
	h.mu.Unlock()
	return result{code, stdout.String(), stderr.String()}
}

// checkNoSecrets searches everything collected for the given secret values.
func (h *harness) checkNoSecrets(secrets ...string) {
	h.t.Helper()
	if h.printed.Len() == 0 {
		h.t.Fatal("nothing collected")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(h.printed.String(), s) {
			h.t.Errorf("secret %q was printed", s)
		}
	}
}

func (h *harness) tokenValues() []string {
	var out []string
	for _, tok := range h.fake.Tokens() {
		out = append(out, tok.Value)
	}
	return out
}

func TestGenerateTextToStdout(t *testing.T) {
	h := newHarness(t)
	session := h.session()
	r := h.run([]string{"VEEVA_VAULT_SESSION_ID=" + session}, "", "generate", "--vault", h.fake.DNS, "--user", "12345", "--name", "CI key", "--expires", "90d", "--verbose")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	toks := h.fake.Tokens()
	if len(toks) != 1 || r.stdout != toks[0].Value+"\n" {
		t.Fatalf("stdout = %q, want exactly the token and a newline", r.stdout)
	}
	if !strings.Contains(r.stderr, "vault request") {
		t.Errorf("--verbose printed no request log: %q", r.stderr)
	}
	h.checkNoSecrets(append(h.tokenValues(), session)...)
}

func TestGenerateJSONWithPasswordStdin(t *testing.T) {
	h := newHarness(t)
	r := h.run([]string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com"}, "demo-password\n",
		"generate", "--vault", h.fake.DNS, "--sandbox", "VeePharm Sandbox", "--name", "IntegrationKey", "--expires", "2099-12-31", "--output", "json", "--password-stdin", "--verbose")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	tok := h.fake.Tokens()[0]
	want := map[string]any{
		"id": tok.ID, "token": tok.Value, "name": "IntegrationKey", "vault": h.fake.DNS, "user": "12021", // olivia: the numeric ID, not "me"
		"sandbox": "VeePharm Sandbox", "expires": "2099-12-31", "execution_id": got["execution_id"],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	if got["execution_id"] == "" {
		t.Error("no execution ID")
	}
	h.checkNoSecrets(tok.Value, "demo-password")
}

func TestOutFile(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session()}
	path := filepath.Join(t.TempDir(), "token.txt")
	args := []string{"generate", "--vault", h.fake.DNS, "--me", "--name", "k", "--out-file", path}

	r := h.run(env, "", args...)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q: %s", r.code, r.stdout, r.stderr)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode %o, want 600", mode)
	}
	first, _ := os.ReadFile(path)
	if string(first) != h.fake.Tokens()[0].Value+"\n" {
		t.Errorf("file holds %q", first)
	}

	// A second run must not overwrite, and must not create a token it cannot save.
	r = h.run(env, "", args...)
	if r.code != 2 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("second run: exit %d, stderr %q; want 2 naming --force", r.code, r.stderr)
	}
	if n := len(h.fake.Tokens()); n != 1 {
		t.Errorf("%d tokens after the refused run, want 1", n)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, first) {
		t.Error("the file changed without --force")
	}

	r = h.run(env, "", append(args, "--force")...)
	if r.code != 0 {
		t.Fatalf("--force: exit %d: %s", r.code, r.stderr)
	}
	replaced, _ := os.ReadFile(path)
	if string(replaced) != h.fake.Tokens()[1].Value+"\n" {
		t.Error("--force did not replace the file")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode after --force %o", info.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	h.checkNoSecrets(h.tokenValues()...)
}

func TestExitCodes(t *testing.T) {
	h := newHarness(t)
	session := h.session()
	env := []string{"VEEVA_VAULT_SESSION_ID=" + session}
	base := []string{"generate", "--vault", h.fake.DNS, "--name", "k"}
	tests := []struct {
		name     string
		env      []string
		args     []string
		code     int
		inStderr []string
	}{
		{"no target", env, base, 2, []string{"give one of --user, --me or --sandbox"}},
		{"two targets", env, append(base, "--me", "--user", "1"), 2, []string{"--user and --me cannot be used together", "give one of --user, --me or --sandbox"}},
		{"no name", env, []string{"generate", "--vault", h.fake.DNS, "--me"}, 2, []string{"give --name: it has no default"}},
		{"bad user ID", env, append(base, "--user", "12a"), 2, []string{"invalid user ID"}},
		{"dot-dot sandbox", env, append(base, "--sandbox", ".."), 2, []string{"invalid sandbox name"}},
		{"expiry in the past", env, append(base, "--me", "--expires", "2020-01-01T00:00:00Z"), 2, []string{"in the past"}},
		{"bad expiry", env, append(base, "--me", "--expires", "soon"), 2, []string{"--expires"}},
		{"bad output", env, append(base, "--me", "-o", "xml"), 2, []string{`invalid argument "xml" for "-o, --output" flag: must be text or json`}},
		{"scheme in vault DNS", env, []string{"generate", "--vault", "https://" + h.fake.DNS, "--me", "--name", "k"}, 2, []string{"scheme"}},
		{"bad client ID", env, append(base, "--me", "--client-id", "a b"), 2, []string{"client ID"}},
		{"out-file in a missing folder", env, append(base, "--me", "--out-file", "/nonexistent-dir/token.txt"), 2, []string{"cannot write in /nonexistent-dir"}},
		{"no credentials", nil, append(base, "--me"), 2, []string{"no credentials"}},
		{"two credentials", append(env, "VEEVA_VAULT_ACCESS_TOKEN=x"), append(base, "--me"), 2, []string{"VEEVA_VAULT_SESSION_ID and VEEVA_VAULT_ACCESS_TOKEN"}},
		{"a session and a password", append(env, "VEEVA_VAULT_PASSWORD=x-password"), append(base, "--me"), 2, []string{"VEEVA_VAULT_SESSION_ID and VEEVA_VAULT_PASSWORD"}},
		{"two passwords", []string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com", "VEEVA_VAULT_PASSWORD=x-password"}, append(base, "--me", "--password-stdin"), 2, []string{"VEEVA_VAULT_PASSWORD and --password-stdin"}},
		{"a password without a user", []string{"VEEVA_VAULT_PASSWORD=x-password"}, append(base, "--me"), 2, []string{"VEEVA_VAULT_PASSWORD needs VEEVA_VAULT_USERNAME"}},
		{"a session ID with a control character", []string{"VEEVA_VAULT_SESSION_ID=abc\x01def"}, append(base, "--me"), 2, []string{"invalid session ID"}},
		{"no password off a terminal", []string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com"}, append(base, "--me"), 2, []string{"VEEVA_VAULT_PASSWORD"}},
		{"unknown flag", env, append(base, "--password", "x"), 2, []string{"unknown flag: --password (did you mean --password-stdin?)"}},
		{"an identity provider token as a flag", nil, append(base, "--me", "--oauth-profile", "p", "--idp-token", "x"), 2, []string{"unknown flag: --idp-token (did you mean --idp-token-stdin?)"}},
		{"an identity provider token without a profile", []string{"VEEVA_VAULT_IDP_TOKEN=eyJ-idp-token"}, append(base, "--me"), 2, []string{"VEEVA_VAULT_IDP_TOKEN needs --oauth-profile"}},
		{"a profile without a token", nil, append(base, "--me", "--oauth-profile", "p"), 2, []string{"--oauth-profile needs the identity provider's access token: set VEEVA_VAULT_IDP_TOKEN or use --idp-token-stdin"}},
		{"a profile from the environment without a token", []string{"VEEVA_VAULT_OAUTH_PROFILE=p"}, append(base, "--me"), 2, []string{"VEEVA_VAULT_OAUTH_PROFILE needs the identity provider's access token"}},
		{"a session and an OAuth login", append(env, "VEEVA_VAULT_IDP_TOKEN=eyJ-idp-token"), append(base, "--me", "--oauth-profile", "p"), 2,
			[]string{"two kinds of credentials: VEEVA_VAULT_SESSION_ID and --oauth-profile with VEEVA_VAULT_IDP_TOKEN"}},
		{"a password and an identity provider token on stdin", []string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com"}, append(base, "--me", "--password-stdin", "--oauth-profile", "p", "--idp-token-stdin"), 2,
			[]string{"two kinds of credentials: VEEVA_VAULT_USERNAME with --password-stdin and --oauth-profile with --idp-token-stdin"}},
		{"two identity provider tokens", []string{"VEEVA_VAULT_IDP_TOKEN=eyJ-idp-token"}, append(base, "--me", "--oauth-profile", "p", "--idp-token-stdin"), 2, []string{"two identity provider tokens"}},
		{"an OAuth option without OAuth", env, append(base, "--me", "--oauth-client-id", "c"), 2, []string{"--oauth-client-id applies to --oauth-profile logins only"}},
		{"a login host with a scheme", []string{"VEEVA_VAULT_IDP_TOKEN=eyJ-idp-token"}, append(base, "--me", "--oauth-profile", "p", "--oauth-login-host", "https://login.veevavault.com"), 2, []string{"invalid login host", "scheme"}},
		{"unknown command", env, []string{"mint"}, 2, []string{"unknown command"}},
		{"VeevaID user", env, append(base, "--user", "13000"), 1, []string{"OPERATION_NOT_ALLOWED", "execution ID"}},
		{"wrong password", []string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com", "VEEVA_VAULT_PASSWORD=wrong-password-123"}, append(base, "--me"), 1, []string{"USERNAME_OR_PASSWORD_INCORRECT", "execution ID"}},
		{"expired session", []string{"VEEVA_VAULT_SESSION_ID=NOT-A-SESSION-123"}, append(base, "--me"), 1, []string{"INVALID_SESSION_ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run(tt.env, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
			for _, s := range tt.inStderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr %q does not contain %q", r.stderr, s)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing on failure", r.stdout)
			}
		})
	}
	if n := len(h.fake.Tokens()); n != 0 {
		t.Errorf("%d tokens created by failing runs", n)
	}
	h.checkNoSecrets(session, "wrong-password-123", "eyJ-idp-token")
	if n := h.fake.Count(openapi.OpAuthenticateOAuth); n != 0 {
		t.Errorf("%d OAuth logins sent by runs refused for their usage", n)
	}
}

// TestUnknownOutcomeIsNotRetried: every command that changes Vault exits 3 when the
// change may have happened but its outcome could not be read, and sends it once.
func TestUnknownOutcomeIsNotRetried(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.DropAfterProcessing})
	r := h.run(env, "", "generate", "--me", "--name", "k")
	if r.code != command.ExitUnknown || !strings.Contains(r.stderr, "may have been created") || !strings.Contains(r.stderr, "vault-token list --me --name k") {
		t.Fatalf("generate: exit %d, stderr %q", r.code, r.stderr)
	}
	if calls := h.fake.Count(openapi.OpGenerateMyAPIAccessToken); calls != 1 || len(h.fake.Tokens()) != 1 {
		t.Errorf("calls %d, tokens %d; want 1 and 1", h.fake.Count(openapi.OpGenerateMyAPIAccessToken), len(h.fake.Tokens()))
	}

	_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Kind: vaulttest.DropAfterProcessing})
	if r := h.run(env, "", "rotate", "--me", "--name", "k"); r.code != command.ExitUnknown || !strings.Contains(r.stderr, "may have been created") {
		t.Errorf("rotate: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := h.fake.Count(openapi.OpDeleteAPIAccessTokens); n != 0 {
		t.Errorf("a rotation whose new token's outcome is unknown revoked: %d deletes", n)
	}

	_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpDeleteAPIAccessTokens, Kind: vaulttest.DropAfterProcessing})
	id := h.fake.Tokens()[0].ID
	if r := h.run(env, "", "revoke", id); r.code != command.ExitUnknown || !strings.Contains(r.stderr, "sending the revoke again is safe") {
		t.Errorf("revoke: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := h.run(env, "", "revoke", id); r.code != 0 || r.stdout != id+" already revoked\n" {
		t.Errorf("revoke again: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestVersions(t *testing.T) {
	h := newHarness(t)
	r := h.run([]string{"VEEVA_VAULT_SESSION_ID=" + h.session()}, "", "versions", "--vault", h.fake.DNS)
	if r.code != 0 || r.stdout != "v25.3\nv26.1\nv26.2\nv26.3\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = h.run([]string{"VEEVA_VAULT_SESSION_ID=" + h.session()}, "", "versions", "--vault", h.fake.DNS, "--output", "json")
	var got struct {
		Versions     []string
		Latest, Beta string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.Latest != "v26.2" || got.Beta != "v26.3" {
		t.Fatalf("json %q: %v", r.stdout, err)
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t)
	for _, cmd := range []string{"generate", "list", "revoke", "rotate", "versions", "demo", "fake"} {
		for _, args := range [][]string{{cmd, "--help"}, {"help", cmd}, {cmd, "-h"}} {
			r := h.run(nil, "", args...)
			if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "vault-token "+cmd) || r.stderr != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want the command's help on stdout", args, r.code, r.stdout, r.stderr)
			}
		}
	}
	if r := h.run(nil, "", "help"); r.code != 0 || !strings.Contains(r.stdout, "generate") || !strings.Contains(r.stdout, "VEEVA_VAULT_SESSION_ID") {
		t.Errorf("help: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := h.run(nil, ""); r.code != 2 || !strings.Contains(r.stderr, "a command is required") || r.stdout != "" {
		t.Errorf("no command: exit %d, stdout %q, stderr %q; want usage on stderr and exit 2", r.code, r.stdout, r.stderr)
	}
}

func TestDemo(t *testing.T) {
	h := newHarness(t)
	r := h.run(nil, "", "demo")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, s := range []string{"VeePharm%20Sandbox", "OPERATION_NOT_ALLOWED", ": 0 violations", "[REDACTED]",
		"POST /auth/oauth/session/" + vaulttest.DefaultOAuthProfileID + " with Authorization: Bearer [MASKED]"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("demo output lacks %q", s)
		}
	}
	if strings.Contains(r.stdout, "veeva-vault-") {
		t.Error("the demo printed a token value")
	}
}

// TestGenerateSentOnceOverHTTP2: the command against a server that refuses the token
// request's HTTP/2 stream (or sends GOAWAY) sends it once and exits 3: it reached the wire,
// and a refusal the transport cannot prove harmless is an unknown outcome. Before, the
// command sent it dozens of times, then exited 3 anyway.
func TestGenerateSentOnceOverHTTP2(t *testing.T) {
	for _, mode := range []rawh2.Misbehaviour{rawh2.RefuseStream, rawh2.GoAwayZero} {
		t.Run(mode.String(), func(t *testing.T) {
			s, err := rawh2.Start(mode)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			h := &harness{t: t, cert: filepath.Join(t.TempDir(), "raw.pem")}
			if err := os.WriteFile(h.cert, s.Cert.PEM(), 0o644); err != nil {
				t.Fatal(err)
			}
			r := h.run([]string{"VEEVA_VAULT_ACCESS_TOKEN=veeva-vault-cmd-h2-token"}, "",
				"generate", "--vault", s.Addr, "--user", "1", "--name", "k", "--timeout", "20s")
			if r.code != command.ExitUnknown || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 3 and nothing on stdout", r.code, r.stdout, r.stderr)
			}
			if got := s.Received(); len(got) != 1 {
				t.Errorf("the server received %d token requests, want 1", len(got))
			}
			h.checkNoSecrets("veeva-vault-cmd-h2-token")
		})
	}
}

// TestCAFileAddsToTheSystemRoots: --ca-file and VEEVA_VAULT_CA_FILE trust a certificate
// beside the system's roots, not instead of them. SSL_CERT_FILE stands in for the system's
// roots here (Go reads them from it on Linux): one fake is trusted through it, the other
// through --ca-file, and the command reaches both. A file with no certificate is a usage
// error.
func TestCAFileAddsToTheSystemRoots(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SSL_CERT_FILE stands for the system's roots on Linux only")
	}
	sys, extra := newHarness(t), newHarness(t)
	for _, tt := range []struct {
		name string
		env  []string
		args []string
	}{
		{"--ca-file", nil, []string{"--ca-file", extra.cert}},
		{"VEEVA_VAULT_CA_FILE", []string{"VEEVA_VAULT_CA_FILE=" + extra.cert}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, fake := range []*vaulttest.Server{sys.fake, extra.fake} {
				cmd := exec.Command(binary, append([]string{"versions", "--vault", fake.DNS}, tt.args...)...)
				cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SSL_CERT_FILE=" + sys.cert,
					"VEEVA_VAULT_USERNAME=olivia@veepharm.com", "VEEVA_VAULT_PASSWORD=demo-password"}, tt.env...)
				if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "v26.2") {
					t.Errorf("versions at %s: %v\n%s", fake.DNS, err, out)
				}
			}
		})
	}
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := sys.run(nil, "", "versions", "--vault", sys.fake.DNS, "--ca-file", empty); r.code != command.ExitUsage || !strings.Contains(r.stderr, "no PEM certificate") {
		t.Errorf("a file without a certificate: exit %d, stderr %q", r.code, r.stderr)
	}
}
