package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/vault-token/openapi"
)

// tokens makes tokens with the command itself and returns their IDs, by name.
// tokenWith makes one token with the command and the given flags, and returns its ID.
func (h *harness) tokenWith(env []string, flags ...string) string {
	h.t.Helper()
	r := h.run(env, "", append([]string{"generate", "--vault", h.fake.DNS, "-o", "json"}, flags...)...)
	var out struct{ ID string }
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil {
		h.t.Fatalf("generate %v: exit %d, %v: %s", flags, r.code, err, r.stderr)
	}
	return out.ID
}

func (h *harness) tokens(env []string, user string, names ...string) map[string][]string {
	h.t.Helper()
	ids := map[string][]string{}
	for _, name := range names {
		if r := h.run(env, "", "generate", "--vault", h.fake.DNS, "--user", user, "--name", name, "-o", "json"); r.code != 0 {
			h.t.Fatalf("generate: exit %d: %s", r.code, r.stderr)
		} else {
			var out struct{ ID string }
			_ = json.Unmarshal([]byte(r.stdout), &out)
			ids[name] = append(ids[name], out.ID)
		}
	}
	return ids
}

func TestListCommand(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	ids := h.tokens(env, "12345", "CI", "CI", "other")

	r := h.run(env, "", "list", "--user", "12345", "--name", "CI", "-o", "json")
	var rows []tokenRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); r.code != 0 || err != nil || len(rows) != 2 {
		t.Fatalf("list -o json: exit %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
	}
	for i, row := range rows {
		if row.ID != ids["CI"][i] || row.Name != "CI" || row.User != "12345" || !row.Active {
			t.Errorf("row %d = %+v", i, row)
		}
	}
	r = h.run(env, "", "list", "--user", "12345")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[3], ids["other"][0]) || !strings.Contains(lines[3], "never") {
		t.Errorf("list as a table: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := h.run(env, "", "list", "--name", "CI"); r.code != 2 || !strings.Contains(r.stderr, "give one of --user or --me") {
		t.Errorf("no --user or --me: exit %d, stderr %q", r.code, r.stderr)
	}
	h.checkNoSecrets(h.tokenValues()...)
}

func TestRevokeCommand(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	ids := h.tokens(env, "12345", "a", "b")
	// IDs anywhere among the flags.
	r := h.run(env, "", "revoke", ids["a"][0], "--timeout", "30s", ids["b"][0])
	if r.code != 0 || r.stdout != ids["a"][0]+" revoked\n"+ids["b"][0]+" revoked\n" {
		t.Fatalf("revoke: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Again, as after an unknown outcome: already revoked, exit 0.
	if r := h.run(env, "", "revoke", ids["a"][0]); r.code != 0 || r.stdout != ids["a"][0]+" already revoked\n" {
		t.Errorf("revoke again: exit %d, stdout %q", r.code, r.stdout)
	}
	// A user who may not revoke another's token: one line saying why, exit 1.
	hers := h.tokens(env, "12021", "hers")["hers"][0]
	other := []string{"VEEVA_VAULT_USERNAME=integration@veepharm.com", "VEEVA_VAULT_PASSWORD=integration-password", "VEEVA_VAULT_DNS=" + h.fake.DNS}
	r = h.run(other, "", "revoke", hers)
	if r.code != 1 || !strings.HasPrefix(r.stdout, hers+" not revoked: INSUFFICIENT_ACCESS") || !strings.Contains(r.stderr, "1 of 1 tokens not revoked") {
		t.Errorf("another user's token: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(env, "", "revoke"); r.code != 2 {
		t.Errorf("no ID: exit %d", r.code)
	}
	if r := h.run(env, "", "revoke", "0PI1; DROP"); r.code != 2 || !strings.Contains(r.stderr, "invalid token ID") {
		t.Errorf("a bad ID: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestRotateCommand(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	ids := h.tokens(env, "12345", "other")
	// The first CI token expires last: --keep 1 keeps it, though its ID is the smaller.
	for _, expires := range []string{"20d", "10d"} {
		id := h.tokenWith(env, "--user", "12345", "--name", "CI", "--expires", expires)
		ids["CI"] = append(ids["CI"], id)
	}
	file := filepath.Join(t.TempDir(), "ci-token")
	r := h.run(env, "", "rotate", "--user", "12345", "--name", "CI", "--keep", "1", "--expires", "30d", "--out-file", file)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("rotate: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	toks := h.fake.Tokens()
	newest := toks[len(toks)-1]
	if b, _ := os.ReadFile(file); string(b) != newest.Value+"\n" || newest.Name != "CI" || newest.Expiry == "" {
		t.Errorf("the file holds %q; the new token is %+v", b, newest)
	}
	if !strings.Contains(r.stderr, "kept "+ids["CI"][0]) || !strings.Contains(r.stderr, ids["CI"][1]+" revoked") {
		t.Errorf("stderr %q does not report the kept and the revoked token", r.stderr)
	}
	active := map[string]bool{}
	for _, tok := range toks {
		active[tok.ID] = tok.Active(h.fake.Now())
	}
	if !active[ids["CI"][0]] || active[ids["CI"][1]] || !active[ids["other"][0]] || !active[newest.ID] {
		t.Errorf("after the rotation: %v", active)
	}

	// A sandbox: the older tokens are revoked in the sandbox's own Vault.
	old := h.run(env, "", "generate", "--sandbox", "VeePharm Sandbox", "--name", "CI")
	r = h.run(env, "", "rotate", "--sandbox", "VeePharm Sandbox", "--sandbox-vault", h.fake.DNS, "--name", "CI")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "veeva-vault-") || !strings.Contains(r.stderr, " revoked") || old.code != 0 {
		t.Errorf("sandbox rotate: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := h.run(env, "", "rotate", "--sandbox", "VeePharm Sandbox", "--name", "CI"); r.code != 2 || !strings.Contains(r.stderr, "sandbox-vault") {
		t.Errorf("--sandbox without --sandbox-vault: exit %d, stderr %q", r.code, r.stderr)
	}
	// A place to write it that is not free: nothing created, nothing revoked.
	before := len(h.fake.Tokens())
	if r := h.run(env, "", "rotate", "--user", "12345", "--name", "CI", "--out-file", file); r.code != 2 || len(h.fake.Tokens()) != before {
		t.Errorf("an existing --out-file: exit %d, %d new tokens", r.code, len(h.fake.Tokens())-before)
	}
	if n := h.fake.Count(openapi.OpDeleteAPIAccessTokens); n != 2 {
		t.Errorf("%d revoke calls, want 2", n)
	}
	h.checkNoSecrets(h.tokenValues()...)
}

func TestDisplayQuotesWhatCouldMoveTheCursor(t *testing.T) {
	for in, want := range map[string]string{"CI key": "CI key", "a\x1b[2Jb": `"a\x1b[2Jb"`, "x\ny": `"x\ny"`, "é": "é", "r\u202etl": `"r\u202etl"`} {
		if got := display(in); got != want {
			t.Errorf("display(%q) = %s, want %s", in, got, want)
		}
	}
}
