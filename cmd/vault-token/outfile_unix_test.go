//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// The --out-file cases that need what only Unix has: named pipes, device nodes, signals
// other than an interrupt.

// TestOutFileRefusesWhatIsNotARegularFile: the exact target is checked before any request;
// with --force it must still be a regular file.
func TestOutFileRefusesWhatIsNotARegularFile(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	// A device node of the test's own (like /dev/null: 1, 3), never a system path: a
	// command that got this wrong would replace the node it was given.
	device := filepath.Join(dir, "null")
	if err := syscall.Mknod(device, syscall.S_IFCHR|0o600, 1<<8|3); err != nil {
		t.Logf("cannot make a device node (%v): the device case is skipped", err)
		device = ""
	}
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session()}
	for _, tt := range []struct{ name, target, want string }{
		{"a directory", sub, "a directory"},
		{"a symbolic link", link, "a symbolic link"},
		{"a named pipe", fifo, "a named pipe"},
		{"a device", device, "a device"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.target == "" {
				t.Skip("no device node")
			}
			r := h.run(env, "", "generate", "--vault", h.fake.DNS, "--me", "--name", "k", "--out-file", tt.target, "--force")
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 naming %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
	if n := h.fake.Count(openapi.OpGenerateMyAPIAccessToken); n != 0 {
		t.Errorf("%d token requests were sent for refused targets", n)
	}
	if b, _ := os.ReadFile(regular); string(b) != "old" {
		t.Errorf("the symlink's target was changed: %q", b)
	}
	want := 4 // regular, link, fifo, sub
	if device != "" {
		want++
	}
	if entries, _ := os.ReadDir(dir); len(entries) != want {
		t.Errorf("files left in the folder: %v", entries)
	}
}

// TestSignalRemovesTemporaryFile: a signal while the token request is in flight ends the
// command with exit 3 (the token may exist: that wins over the signal's 128+N), saying so,
// and the temporary file made for --out-file is removed.
func TestSignalRemovesTemporaryFile(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			h := newHarness(t)
			// Held until the command goes away: the signal always comes while Vault works.
			_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpGenerateMyAPIAccessToken, Until: t.Context().Done()})
			dir := t.TempDir()
			cmd := exec.Command(binary, "generate", "--vault", h.fake.DNS, "--me", "--name", "k", "--out-file", filepath.Join(dir, "token"))
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "VEEVA_VAULT_CA_FILE=" + h.cert, "VEEVA_VAULT_SESSION_ID=" + h.session()}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the request to reach the fake: the temporary file exists by then.
			waitForRequest(t, h.fake, openapi.OpGenerateMyAPIAccessToken, 1)
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("before the signal: %v, want the temporary file", entries)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(stderr.String(), "vault-token list --me --name k") {
				t.Errorf("exit: %v, want 3 and how to look for the token; stderr %q", err, stderr.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind after %v: %v", sig, entries)
			}
		})
	}
}

// TestRotateOutFileDecidedUnderTheLock: three rotations of one absent --out-file, without
// --force, at once: one creates a token and writes the file; the two that waited for the
// lock find the file and stop with a usage error before creating anything. Before, they
// created tokens and failed after: three active tokens, two stray files.
func TestRotateOutFileDecidedUnderTheLock(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	dir := t.TempDir()
	file := filepath.Join(dir, "ci-token")
	results := make([]result, 3)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = h.run(env, "", "rotate", "--user", "12345", "--name", "CI", "--out-file", file) })
	}
	wg.Wait()
	var codes []int
	for _, r := range results {
		codes = append(codes, r.code)
		if r.code == 2 && !strings.Contains(r.stderr, "exists: pass --force") {
			t.Errorf("a refused rotation says %q", r.stderr)
		}
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []int{0, 2, 2}) {
		t.Errorf("exit codes %v, want one 0 and two 2", codes)
	}
	if n := h.fake.Count(openapi.OpGenerateAPIAccessToken); n != 1 {
		t.Errorf("%d tokens were requested, want 1", n)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"ci-token", "ci-token.lock"}) {
		t.Errorf("files left: %v", names)
	}
}

// TestOutFileLockThatIsNotAFileIsAUsageError: a symbolic link (or anything but a regular
// file) at F.lock is refused as one at F is: exit 2, nothing sent.
func TestOutFileLockThatIsNotAFileIsAUsageError(t *testing.T) {
	h := newHarness(t)
	env := []string{"VEEVA_VAULT_SESSION_ID=" + h.session(), "VEEVA_VAULT_DNS=" + h.fake.DNS}
	dir := t.TempDir()
	file := filepath.Join(dir, "ci-token")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), file+".lock"); err != nil {
		t.Fatal(err)
	}
	r := h.run(env, "", "rotate", "--user", "12345", "--name", "CI", "--out-file", file)
	if r.code != 2 || !strings.Contains(r.stderr, "a symbolic link") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming the symbolic link", r.code, r.stderr)
	}
	if n := h.fake.Count(openapi.OpGenerateAPIAccessToken); n != 0 {
		t.Errorf("%d tokens requested", n)
	}
}
