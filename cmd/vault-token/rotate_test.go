package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// TestConcurrentRotationsOfOneFile: four rotations of one --out-file at once, three
// rounds. They queue on the file's lock, so each revokes only tokens made before it
// began, and the file always holds an active token.
func TestConcurrentRotationsOfOneFile(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	file := filepath.Join(t.TempDir(), "ci-token")
	for round := range 3 {
		var wg sync.WaitGroup
		results := make([]result, 4)
		for i := range results {
			wg.Go(func() {
				cmd := exec.Command(binary, "rotate", "--user", "12345", "--name", "CI", "--out-file", file, "--force")
				cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "VEEVA_VAULT_CA_FILE=" + h.cert}, env...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					results[i].code = ee.ExitCode()
				} else if err != nil {
					results[i].code = -1
				}
				results[i].stdout, results[i].stderr = stdout.String(), stderr.String()
			})
		}
		wg.Wait()
		for i, r := range results {
			if r.code != 0 || r.stdout != "" {
				t.Errorf("round %d, run %d: exit %d, stdout %q, stderr %q", round, i, r.code, r.stdout, r.stderr)
			}
		}
		held, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, tok := range h.fake.Tokens() {
			if tok.Name != "CI" || !tok.Active(h.fake.Now()) {
				continue
			}
			active++
			if tok.Value+"\n" != string(held) {
				t.Errorf("round %d: token %s is active but not the one in the file", round, tok.ID)
			}
		}
		if active != 1 {
			t.Errorf("round %d: %d active tokens named CI, want 1, the one in the file", round, active)
		}
	}
	if n := len(h.fake.Tokens()); n != 12 {
		t.Errorf("%d tokens made by 12 rotations", n)
	}
}

// TestRotateDryRun: a dry run lists and logs in, then prints what it would create, keep and
// revoke; it sends nothing that changes Vault and writes no file.
func TestRotateDryRun(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	kept := h.tokenWith(env, "--user", "12345", "--name", "CI", "--expires", "20d")
	revoked := h.tokenWith(env, "--user", "12345", "--name", "CI", "--expires", "10d")
	dir := t.TempDir()
	file := filepath.Join(dir, "ci-token")
	before := len(h.fake.Requests())
	r := h.run(env, "", "rotate", "--user", "12345", "--name", "CI", "--keep", "1", "--expires", "30d", "--out-file", file, "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would create: a token named CI for user 12345") ||
		!strings.Contains(r.stdout, "would keep:   "+kept) || !strings.Contains(r.stdout, "would revoke: "+revoked) {
		t.Fatalf("rotate --dry-run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = h.run(env, "", "rotate", "--user", "12345", "--name", "CI", "--dry-run", "-o", "json")
	var plan rotationPlan
	if err := json.Unmarshal([]byte(r.stdout), &plan); r.code != 0 || err != nil || len(plan.Keep) != 0 || len(plan.Revoke) != 2 || plan.Create.Expires != "never" {
		t.Errorf("rotate --dry-run -o json: exit %d, %v, plan %+v", r.code, err, plan)
	}
	r = h.run(env, "", "rotate", "--sandbox", "VeePharm Sandbox", "--sandbox-vault", h.fake.DNS, "--name", "CI", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "not known before the new token exists") {
		t.Errorf("sandbox rotate --dry-run: exit %d, stdout %q", r.code, r.stdout)
	}
	for _, req := range h.fake.Requests()[before:] {
		if req.Op != openapi.OpQueryAPIAccessTokens {
			t.Errorf("a dry run sent %s", req.Op)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a dry run wrote %v", entries)
	}
	if r := h.run(env, "", "rotate", "--user", "12345", "--name", "CI", "--dry-run", "--keep", "-1"); r.code != 2 {
		t.Errorf("--keep -1 --dry-run: exit %d, want 2", r.code)
	}
}

// TestRevokeDryRunAndUnknownIDs: an ID Vault has no token for is "not found" and fails the
// run; a dry run says what a revoke would meet and revokes nothing.
func TestRevokeDryRunAndUnknownIDs(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	active := h.tokenWith(env, "--user", "12345", "--name", "CI", "--expires", "10d")
	gone := h.tokenWith(env, "--user", "12345", "--name", "old")
	if r := h.run(env, "", "revoke", gone); r.code != 0 {
		t.Fatalf("revoke: exit %d, %s", r.code, r.stderr)
	}
	const typo = "0PI000000000999"
	r := h.run(env, "", "revoke", "--dry-run", active, gone, typo)
	want := []string{active + " would be revoked: CI, user 12345, expires ", gone + " already revoked: old", typo + " not found"}
	for _, w := range want {
		if r.code != 0 || !strings.Contains(r.stdout, w) {
			t.Errorf("revoke --dry-run: exit %d, stdout %q, want %q", r.code, r.stdout, w)
		}
	}
	if n := h.fake.Count(openapi.OpDeleteAPIAccessTokens); n != 1 {
		t.Errorf("%d deletes, want 1: a dry run sends none", n)
	}
	r = h.run(env, "", "revoke", typo)
	if r.code != 1 || r.stdout != typo+" not found: Vault has no token with this ID\n" {
		t.Errorf("revoke of an unknown ID: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = h.run(env, "", "revoke", "-o", "json", active, typo)
	var rows []revocationRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != 1 || err != nil || len(rows) != 2 || rows[0].Status != "revoked" || rows[1].Status != "not found" {
		t.Errorf("revoke -o json: exit %d, %v, rows %+v", r.code, err, rows)
	}
}

// TestListSaysWhenNothingMatches: nothing listed is not an error, and stderr says so.
func TestListSaysWhenNothingMatches(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	r := h.run(env, "", "list", "--user", "99999")
	if r.code != 0 || r.stderr != "vault-token: no tokens match\n" || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("list of nothing: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(env, "", "list", "--user", "99999", "-o", "json"); r.code != 0 || r.stdout != "[]\n" {
		t.Errorf("list -o json of nothing: exit %d, stdout %q", r.code, r.stdout)
	}
	h.tokenWith(env, "--user", "12345", "--name", "CI")
	if r := h.run(env, "", "list", "--user", "12345", "--no-headers"); r.code != 0 || strings.Count(r.stdout, "\n") != 1 || strings.HasPrefix(r.stdout, "ID") {
		t.Errorf("list --no-headers: exit %d, stdout %q", r.code, r.stdout)
	}
}

// TestAccessTokenCredentials: with an API access token, list --me and rotate --sandbox work:
// the user comes from Validate Session User, since Vault sends X-VaultAPI-UserId only for
// sessions.
func TestAccessTokenCredentials(t *testing.T) {
	h := newHarness(t)
	session := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	r := h.run(session, "", "generate", "--me", "--name", "service")
	if r.code != 0 {
		t.Fatalf("generate: exit %d, %s", r.code, r.stderr)
	}
	env := []string{"VEEVA_VAULT_ACCESS_TOKEN=" + strings.TrimSpace(r.stdout), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	if r := h.run(env, "", "list", "--me", "--name", "service", "--no-headers"); r.code != 0 || !strings.Contains(r.stdout, "service") {
		t.Errorf("list --me with an access token: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	old := h.run(env, "", "generate", "--sandbox", "VeePharm Sandbox", "--name", "CI")
	r = h.run(env, "", "rotate", "--sandbox", "VeePharm Sandbox", "--sandbox-vault", h.fake.DNS, "--name", "CI")
	if old.code != 0 || r.code != 0 || !strings.Contains(r.stderr, " revoked") {
		t.Errorf("rotate --sandbox with an access token: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := h.fake.Count(openapi.OpValidateSessionUser); n != 2 {
		t.Errorf("%d Validate Session User calls, want 2 (list --me, the sandbox leg)", n)
	}
}

// TestEmptyOutFileIsRefused: an --out-file given as empty (an unset variable) is a usage
// error, never "print the token": nothing is sent.
func TestEmptyOutFileIsRefused(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	for _, args := range [][]string{
		{"generate", "--me", "--name", "k", "--out-file", ""},
		{"generate", "--me", "--name", "k", "--out-file="},
		{"generate", "--me", "--name", "k", "-o", "json", "--out-file", ""},
		{"rotate", "--me", "--name", "k", "--force", "--out-file", ""},
		{"rotate", "--me", "--name", "k", "--force", "--out-file="},
	} {
		r := h.run(env, "", args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "--out-file is empty") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and nothing printed", args, r.code, r.stdout, r.stderr)
		}
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Errorf("%d requests sent for refused command lines", n)
	}
}

// TestCommandEndsItsSession: a run that logged in ends its session before it exits, on
// success, on error and on Ctrl-C; a session it was given is never ended.
func TestCommandEndsItsSession(t *testing.T) {
	h := newHarness(t)
	password := []string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com", "VEEVA_VAULT_PASSWORD=demo-password", "VEEVA_VAULT_DNS=" + h.fake.DNS}
	if r := h.run(password, "", "generate", "--me", "--name", "k"); r.code != 0 {
		t.Fatalf("generate: exit %d, %s", r.code, r.stderr)
	}
	if r := h.run(password, "", "revoke", "0PI000000000999"); r.code != 1 {
		t.Fatalf("revoke of an unknown ID: exit %d, %s", r.code, r.stderr)
	}
	if n, logins := h.fake.Count(openapi.OpEndSession), h.fake.Count(openapi.OpAuthenticate); n != 2 || logins != 2 {
		t.Errorf("%d End Session calls for %d logins, want 2 and 2", n, logins)
	}

	// Ctrl-C while Vault works on the token request: a token may exist, and that wins over
	// the signal (exit 3, not 130).
	_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Until: t.Context().Done()})
	cmd := exec.Command(binary, "generate", "--me", "--name", "k")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "VEEVA_VAULT_CA_FILE=" + h.cert}, password...)
	sent := h.fake.Count(openapi.OpGenerateMyAPIAccessToken)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForRequest(t, h.fake, openapi.OpGenerateMyAPIAccessToken, sent+1)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Errorf("after Ctrl-C during the token request: %v, want exit 3", err)
	}
	if n := h.fake.Count(openapi.OpEndSession); n != 3 {
		t.Errorf("%d End Session calls after the interrupted run, want 3", n)
	}

	// A session the run was given stays open.
	session := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	if r := h.run(session, "", "generate", "--me", "--name", "k"); r.code != 0 || h.fake.Count(openapi.OpEndSession) != 3 {
		t.Errorf("with a session given: exit %d, %d End Session calls, want 0 more", r.code, h.fake.Count(openapi.OpEndSession)-3)
	}
}

// TestTimeoutBoundsEndSession: End Session hangs in Vault; the command still exits within
// --timeout plus the clean-up's allowance (1 s), with a warning. The run waits on its
// deadline only, so the bound is what --timeout promises, not a speed.
func TestTimeoutBoundsEndSession(t *testing.T) {
	h := newHarness(t)
	password := []string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com", "VEEVA_VAULT_PASSWORD=demo-password", "VEEVA_VAULT_DNS=" + h.fake.DNS}
	_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpEndSession, Until: t.Context().Done(), Repeat: true})
	const timeout = 3 * time.Second
	start := time.Now()
	r := h.run(password, "", "versions", "--timeout", timeout.String())
	took := time.Since(start)
	if r.code != 0 || !strings.Contains(r.stderr, "session was not ended") {
		t.Fatalf("a run whose End Session hangs: exit %d, %s", r.code, r.stderr)
	}
	if took > timeout+2*time.Second {
		t.Errorf("the run took %s under --timeout %s", took, timeout)
	}
}
