//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/acme/vault-token/client/vaulttest"
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
	if n := h.fake.Count(vaulttest.OpGenerateMyAPIAccessToken); n != 0 {
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
// command, and the temporary file made for --out-file is removed.
func TestSignalRemovesTemporaryFile(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			h := newHarness(t)
			// Held until the command goes away: the signal always comes while Vault works.
			_ = h.fake.Inject(vaulttest.Fault{Op: vaulttest.OpGenerateMyAPIAccessToken, Until: t.Context().Done()})
			dir := t.TempDir()
			cmd := exec.Command(binary, "generate", "--vault", h.fake.DNS, "--me", "--name", "k", "--out-file", filepath.Join(dir, "token"))
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "VEEVA_VAULT_CA_FILE=" + h.cert, "VEEVA_VAULT_SESSION_ID=" + h.session()}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the request to reach the fake: the temporary file exists by then.
			waitForRequest(t, h.fake, vaulttest.OpGenerateMyAPIAccessToken, 1)
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("before the signal: %v, want the temporary file", entries)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() <= 0 {
				t.Errorf("exit: %v, want a failure exit; stderr %q", err, stderr.String())
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind after %v: %v", sig, entries)
			}
		})
	}
}
