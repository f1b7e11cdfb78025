package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

// TestFakeCommand starts "vault-token fake", points the binary at it through
// --ca-file (no insecure option exists), then stops it with an interrupt.
func TestFakeCommand(t *testing.T) {
	cert := filepath.Join(t.TempDir(), "fake.pem")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "fake", "--addr", "127.0.0.1:0", "--cert-out", cert)
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dns, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address on stdout: %v", err)
	}
	dns = strings.TrimSpace(dns)
	// The introduction, up to its last line; the rest is read when the fake stops.
	stderr := bufio.NewReader(stderrPipe)
	var intro strings.Builder
	for !strings.Contains(intro.String(), "Stop with Ctrl-C.") {
		line, err := stderr.ReadString('\n')
		if err != nil {
			t.Fatalf("stderr ended: %v; %s", err, intro.String())
		}
		intro.WriteString(line)
	}

	readmeCurlCalls(t, dns, cert)

	h := &harness{t: t, cert: cert}
	r := h.run([]string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com", "VEEVA_VAULT_PASSWORD=demo-password"}, "", "versions", "--vault", dns)
	if r.code != 0 || !strings.Contains(r.stdout, "v26.2") {
		t.Errorf("versions against the fake command: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	// An OAuth login with the identity provider token the fake printed for a user.
	var idpToken string
	for _, line := range strings.Split(intro.String(), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "integration@veepharm.com" {
			idpToken = f[1]
		}
	}
	r = h.run([]string{"VEEVA_VAULT_IDP_TOKEN=" + idpToken}, "", "generate", "--vault", dns, "--me", "--name", "k",
		"--oauth-profile", "0oa1vaulttest", "--oauth-login-host", dns)
	if idpToken == "" || r.code != 0 || !strings.HasPrefix(r.stdout, "veeva-vault-") {
		t.Errorf("an OAuth login with the printed token %q: exit %d, %q %q\nthe fake printed: %s", idpToken, r.code, r.stdout, r.stderr, intro.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	if err := cmd.Wait(); err != nil {
		t.Errorf("fake did not stop cleanly: %v; stderr %s", err, rest)
	}
	if all := intro.String() + string(rest); strings.Contains(all, "SPEC VIOLATION") {
		t.Errorf("violations: %s", all)
	}
}

// trustingClient is an HTTP client that trusts the certificate vault-token fake wrote to
// certFile, as curl --cacert would.
func trustingClient(t *testing.T, certFile string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("--cert-out wrote no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
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
			// The fake's certificate: the same route as the binary's.
			return map[string]string{"VEEVA_VAULT_USERNAME": "olivia@veepharm.com", "VEEVA_VAULT_CA_FILE": h.cert}[k]
		},
		isTerminal:   func() bool { return true },
		readPassword: func(context.Context) ([]byte, error) { asked++; return []byte("demo-password"), nil },
		now:          time.Now,
	}
	code := a.run(context.Background(), []string{"versions", "--vault", h.fake.DNS})
	if code != 0 || asked != 1 {
		t.Fatalf("exit %d, asked %d times; stderr %q", code, asked, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Password for olivia@veepharm.com: ") || strings.Contains(stderr.String(), "demo-password") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// readmeCurlCalls makes the README's two curl calls (a form login, then a token request
// with the raw session ID) against the fake command, trusting only the certificate it wrote.
func readmeCurlCalls(t *testing.T, dns, certFile string) {
	t.Helper()
	hc := trustingClient(t, certFile)
	post := func(path, auth string, form url.Values) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, "https://"+dns+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	login := post("/api/v26.2/auth", "", url.Values{"username": {"olivia@veepharm.com"}, "password": {"demo-password"}})
	session, _ := login["sessionId"].(string)
	if session == "" {
		t.Fatalf("login: %v", login)
	}
	tok := post("/api/v26.2/objects/users/me/api_access_token__sys", session,
		url.Values{"name__v": {"IntegrationKey"}, "expiry_date__v": {"2030-12-31T12:00:00Z"}})
	data, _ := tok["data"].(map[string]any)
	if tok["responseStatus"] != "SUCCESS" || !strings.HasPrefix(fmt.Sprint(data["token__sys"]), "veeva-vault-") {
		t.Errorf("token reply: %v", tok)
	}
}

// TestSignalEndsEveryWait: the first signal ends the command whatever it waits on, with a
// message in the operator's words and exit 128+N: a stdin that is open but silent (before,
// --password-stdin ignored the first SIGTERM), and a call Vault holds.
func TestSignalEndsEveryWait(t *testing.T) {
	h := newHarness(t)
	silent, _ := io.Pipe() // open, never written: a read on it waits for ever
	for _, tt := range []struct {
		name  string
		stdin io.Reader
		env   map[string]string
		args  []string
		// held: the signal comes once Vault holds the call; otherwise before anything.
		held bool
	}{
		{"--password-stdin on a silent pipe", silent, map[string]string{"VEEVA_VAULT_USERNAME": "olivia@veepharm.com"},
			[]string{"versions", "--vault", h.fake.DNS, "--password-stdin"}, false},
		{"a call Vault holds", strings.NewReader(""), map[string]string{"VEEVA_VAULT_SESSION_ID": h.session()},
			[]string{"versions", "--vault", h.fake.DNS}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			tt.env["VEEVA_VAULT_CA_FILE"] = h.cert
			a := &app{stdin: tt.stdin, stdout: &stdout, stderr: &stderr, now: time.Now,
				getenv: func(k string) string { return tt.env[k] }, isTerminal: func() bool { return false }}
			if tt.held {
				// Only here: a fault a run never took would hold the next subtest's call
				// with a channel already closed, that is not at all.
				_ = h.fake.Inject(vaulttest.Fault{Op: openapi.OpRetrieveAPIVersions, Until: t.Context().Done()})
			}
			ctx, stop := context.WithCancelCause(context.Background())
			defer stop(nil)
			if !tt.held {
				stop(command.StoppedBy{Sig: syscall.SIGTERM})
			}
			before := h.fake.Count(openapi.OpRetrieveAPIVersions)
			done := make(chan int, 1)
			go func() { done <- a.run(ctx, tt.args) }()
			if tt.held {
				waitForRequest(t, h.fake, openapi.OpRetrieveAPIVersions, before+1)
				stop(command.StoppedBy{Sig: syscall.SIGTERM})
			}
			code := <-done
			if code != 128+int(syscall.SIGTERM) || !strings.Contains(stderr.String(), "stopped by a signal (terminated)") ||
				strings.Contains(stderr.String(), "goes on for the client's other calls") {
				t.Errorf("exit %d, stderr %q; want 143 and the signal named", code, stderr.String())
			}
		})
	}
}

// TestFakeFaults: vault-token-fake --fault lets an operator rehearse the command's exit
// statuses: a token created and the connection dropped (3), a refusal, Vault's token cap and
// the login limit (1, naming Vault's error type).
func TestFakeFaults(t *testing.T) {
	for _, tt := range []struct {
		fault string
		code  int
		says  string
	}{
		{"drop-after-create", command.ExitUnknown, "may have been created"},
		{"refuse", command.ExitVault, "INSUFFICIENT_ACCESS"},
		{"token-cap", command.ExitVault, "OPERATION_NOT_ALLOWED"},
		{"login-limit", command.ExitVault, "API_LIMIT_EXCEEDED"},
	} {
		t.Run(tt.fault, func(t *testing.T) {
			cert := filepath.Join(t.TempDir(), "fake.pem")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, "fake", "--addr", "127.0.0.1:0", "--cert-out", cert, "--fault", tt.fault)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cancel(); _ = cmd.Wait() }() // the fake serves until stopped
			dns, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("no address on stdout: %v", err)
			}
			h := &harness{t: t, cert: cert}
			r := h.run([]string{"VEEVA_VAULT_USERNAME=olivia@veepharm.com", "VEEVA_VAULT_PASSWORD=demo-password"}, "",
				"generate", "--vault", strings.TrimSpace(dns), "--me", "--name", "k")
			if r.code != tt.code || !strings.Contains(r.stderr, tt.says) || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d naming %s", r.code, r.stdout, r.stderr, tt.code, tt.says)
			}
		})
	}
	if r := (&harness{t: t, cert: os.DevNull}).run(nil, "", "fake", "--cert-out", filepath.Join(t.TempDir(), "c.pem"), "--fault", "nope"); r.code != command.ExitUsage || !strings.Contains(r.stderr, "drop-after-create") {
		t.Errorf("an unknown fault: exit %d, stderr %q", r.code, r.stderr)
	}
}
