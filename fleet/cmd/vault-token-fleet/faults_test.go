package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

// TestTimeoutBoundsTheRun: End Session hangs in Vault; the rotation still ends within
// --timeout plus the clean-up's allowance (1 s), and says the session was not ended. The
// wall time is what --timeout promises, not a speed: the run waits on deadlines only.
func TestTimeoutBoundsTheRun(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	never := make(chan struct{})
	t.Cleanup(func() { close(never) })
	h.fake.Inject(vaulttest.Fault{Op: openapi.OpEndSession, Until: never, Repeat: true})
	const timeout = 3 * time.Second
	start := time.Now()
	r := h.run("rotate", "--me", "--name", "fleet-svc", "--timeout", timeout.String())
	took := time.Since(start)
	if r.code != command.ExitOK || !strings.Contains(r.stderr, "session was not ended") {
		t.Fatalf("a rotation whose End Session hangs: %+v", r)
	}
	if took > timeout+2*time.Second {
		t.Errorf("the run took %s under --timeout %s", took, timeout)
	}
	if n := h.fake.Count(openapi.OpEndSession); n != 1 {
		t.Errorf("the fake received %d End Session calls, want 1", n)
	}
}

// TestStoppedMidTokenIsUnknown: a signal that stops a rotation while Vault is making the
// token ends the run with 3, not the signal's 128+N: a script must learn that a token may
// exist (the next rotation revokes it if it was made).
func TestStoppedMidTokenIsUnknown(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	h.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Until: t.Context().Done()})
	ctx, stop := context.WithCancelCause(t.Context())
	go func() {
		if h.fake.WaitForRequests(ctx, openapi.OpGenerateMyAPIAccessToken, 1) == nil {
			stop(command.StoppedBy{Sig: syscall.SIGTERM})
		}
	}()
	r := h.runIn(ctx, "rotate", "--me", "--name", "fleet-svc")
	if r.code != command.ExitUnknown || !strings.Contains(r.stderr, "outcome") {
		t.Errorf("a rotation stopped while Vault made its token: %+v, want exit 3 saying the outcome is unknown", r)
	}
	if r := h.runIn(t.Context(), "status", "--timeout", "3s"); r.code != command.ExitOK {
		t.Errorf("status after it: %+v", r)
	}
}

// TestKeyFilesAreChecked: a sealing key file is a regular file of exactly 32 bytes: a
// FIFO, a device, a directory or a longer file is refused at once (exit 2), a key pasted
// where its path belongs is never printed, and a file others may read is used with a
// warning.
func TestKeyFilesAreChecked(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	if r := h.run("rotate", "--me", "--name", "fleet-svc"); r.code != 0 {
		t.Fatalf("rotate: %+v", r)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, "long")
	write(t, long, make([]byte, 64))
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	pasted := base64.StdEncoding.EncodeToString(key)
	for _, tt := range []struct{ path, want string }{
		{fifo, "not a regular file"},
		{"/dev/zero", "not a regular file"},
		{dir, "not a regular file"},
		{long, "more than 32 bytes"},
		{pasted, "no such file"},
	} {
		h.env[command.EnvSealKeyFile] = tt.path
		r := h.run("token")
		if r.code != command.ExitUsage || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("key file %q: %+v, want exit 2 and %q", tt.path, r, tt.want)
		}
		if tt.path == pasted && strings.Contains(r.stderr, pasted) {
			t.Errorf("a key given as the path was printed: %s", r.stderr)
		}
	}

	open := filepath.Join(dir, "open")
	seal, err := os.ReadFile(h.envSealKeyFileOf(t))
	if err != nil {
		t.Fatal(err)
	}
	write(t, open, seal)
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	h.env[command.EnvSealKeyFile] = open
	searched := h.printed.String()
	r := h.run("token")
	h.printed.Reset() // the token, as asked: keep it out of the search for secrets
	h.printed.WriteString(searched + r.stderr)
	if r.code != 0 || !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "0400") {
		t.Errorf("a key file others may read: exit %d, stderr %q; want the token and a warning", r.code, r.stderr)
	}
}

// envSealKeyFileOf is the harness's own sealing key file, as newHarness wrote it.
func (h *harness) envSealKeyFileOf(t *testing.T) string {
	t.Helper()
	return filepath.Join(filepath.Dir(h.env[command.EnvCAFile]), "seal")
}

// TestWrongKeyIsAUsageError: a rotator given another key than the fleet's exits 2 and
// sends nothing to Vault.
func TestWrongKeyIsAUsageError(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	if r := h.run("rotate", "--me", "--name", "fleet-svc"); r.code != 0 {
		t.Fatalf("rotate: %+v", r)
	}
	other := filepath.Join(t.TempDir(), "other")
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	write(t, other, key)
	h.env[command.EnvSealKeyFile] = other
	before := h.fake.Count("")
	if r := h.run("rotate", "--me", "--name", "fleet-svc", "--if-due"); r.code != command.ExitUsage || !strings.Contains(r.stderr, "not the fleet's key") {
		t.Errorf("a rotation with another key: %+v, want exit 2", r)
	}
	if n := h.fake.Count("") - before; n != 0 {
		t.Errorf("the refused rotation sent %d requests to Vault", n)
	}
	if r := h.run("rotate", "--me", "--name", "fleet-svc", "--replace-seal-key"); r.code != 0 || !strings.Contains(r.stdout, "rotated") {
		t.Errorf("rotate --replace-seal-key: %+v", r)
	}
}

// TestEtcdStateIsNamed: with no member reachable, or two of three members down, status
// says so in those words, with the endpoints, well before its timeout.
func TestEtcdStateIsNamed(t *testing.T) {
	h := newHarness(t, []string{"http://127.0.0.1:1"})
	if r := h.run("status", "--timeout", "1m"); r.code != command.ExitVault || !strings.Contains(r.stderr, "no etcd member reachable at http://127.0.0.1:1") {
		t.Errorf("status with no member: %+v", r)
	}
	c := etcdtest.Start(t, 3, nil)
	h = newHarness(t, c.Endpoints())
	if r := h.run("rotate", "--me", "--name", "fleet-svc"); r.code != 0 {
		t.Fatalf("rotate: %+v", r)
	}
	leader := c.Leader()
	for i := range 3 {
		if i != leader && len(c.Endpoints()) > 0 {
			c.Stop(i)
			break
		}
	}
	c.Stop(leader)
	for _, args := range [][]string{{"status"}, {"rotate", "--me", "--name", "fleet-svc", "--if-due"}} {
		r := h.run(append(args, "--timeout", "1m")...)
		if r.code != command.ExitVault || !strings.Contains(r.stderr, "etcd has no quorum") || !strings.Contains(r.stderr, c.Endpoints()[0]) {
			t.Errorf("%v without quorum: %+v", args, r)
		}
	}
}
