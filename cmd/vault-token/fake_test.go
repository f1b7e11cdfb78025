package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFakeCommand starts "vault-token fake", points the binary at it through
// SSL_CERT_FILE (no insecure option exists), then stops it with an interrupt.
func TestFakeCommand(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "fake.pem")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "fake", "--addr", "127.0.0.1:0", "--cert-out", cert)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dns, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address on stdout: %v; stderr %s", err, stderr.String())
	}
	dns = strings.TrimSpace(dns)

	h := &harness{t: t, cert: cert}
	r := h.run([]string{"VAULT_USERNAME=olivia@veepharm.com", "VAULT_PASSWORD=demo-password"}, "", "versions", "--vault", dns)
	if r.code != 0 || !strings.Contains(r.stdout, "v26.2") {
		t.Errorf("versions against the fake command: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("fake did not stop cleanly: %v; stderr %s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "SPEC VIOLATION") {
		t.Errorf("violations: %s", stderr.String())
	}
}

func TestFakeRefusesNonLoopback(t *testing.T) {
	h := &harness{t: t, cert: os.DevNull}
	r := h.run(nil, "", "fake", "--addr", "0.0.0.0:0", "--cert-out", filepath.Join(t.TempDir(), "c.pem"))
	if r.code != 2 || !strings.Contains(r.stderr, "loopback") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestPasswordPrompt runs the command in-process with a terminal stand-in: the prompt goes
// to stderr and the password is read without echo.
func TestPasswordPrompt(t *testing.T) {
	h := newHarness(t)
	var stdout, stderr bytes.Buffer
	asked := 0
	a := &app{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string {
			return map[string]string{"VAULT_USERNAME": "olivia@veepharm.com"}[k]
		},
		isTerminal:   func() bool { return true },
		readPassword: func() ([]byte, error) { asked++; return []byte("demo-password"), nil },
		now:          time.Now,
	}
	// The in-process client needs the fake's CA: the same SSL_CERT_FILE route as the binary.
	t.Setenv("SSL_CERT_FILE", h.cert)
	code := a.run(context.Background(), []string{"versions", "--vault", h.fake.DNS})
	if code != 0 || asked != 1 {
		t.Fatalf("exit %d, asked %d times; stderr %q", code, asked, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Password for olivia@veepharm.com: ") || strings.Contains(stderr.String(), "demo-password") {
		t.Errorf("stderr %q", stderr.String())
	}
}
