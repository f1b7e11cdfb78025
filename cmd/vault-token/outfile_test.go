package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// waitForRequest waits until the fake has received n requests of op, for at most a minute.
func waitForRequest(t *testing.T, fake *vaulttest.Server, op string, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := fake.WaitForRequests(ctx, op, n); err != nil {
		t.Fatal(err)
	}
}

// TestOutFileTakenMeanwhile: the target appears while the token is being created. The
// token is not printed (stdout may be a CI log); it stays in the 0600 temporary file, which
// the message names.
func TestOutFileTakenMeanwhile(t *testing.T) {
	h := newHarness(t)
	release := make(chan struct{})
	_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Until: release})
	dir := t.TempDir()
	target := filepath.Join(dir, "token")
	go func() {
		defer close(release)
		if err := h.fake.WaitForRequests(t.Context(), openapi.OpGenerateMyAPIAccessToken, 1); err == nil {
			_ = os.WriteFile(target, []byte("someone else's"), 0o600)
		}
	}()
	r := h.run([]string{"VEEVA_VAULT_SESSION_ID=" + h.session()}, "", "generate", "--vault", h.fake.DNS, "--me", "--name", "k", "--out-file", target)
	tokens := h.fake.Tokens()
	if r.code != 1 || r.stdout != "" || len(tokens) != 1 {
		t.Fatalf("exit %d, stdout %q, %d tokens; want exit 1, nothing on stdout, 1 token", r.code, r.stdout, len(tokens))
	}
	entries, _ := os.ReadDir(dir)
	var kept string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".vault-token-") {
			kept = filepath.Join(dir, e.Name())
		}
	}
	if kept == "" || !strings.Contains(r.stderr, kept) || !strings.Contains(r.stderr, tokens[0].ID) {
		t.Fatalf("stderr %q does not name the kept file %q and the token ID", r.stderr, kept)
	}
	if b, _ := os.ReadFile(kept); string(b) != tokens[0].Value+"\n" {
		t.Error("the kept file does not hold the token")
	}
	if info, _ := os.Stat(kept); info.Mode().Perm() != 0o600 {
		t.Errorf("kept file mode %o", info.Mode().Perm())
	}
	if b, _ := os.ReadFile(target); string(b) != "someone else's" {
		t.Error("the file that appeared was overwritten")
	}
	h.checkNoSecrets(tokens[0].Value)
}
