package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFakeCommandRefusesSpecViolations: vault-token fake refuses (not only reports) a JSON
// body to a form-only operation, an undeclared form field and an unescaped "/" in a
// sandbox name, and processes none of them; with --lenient it answers the field as before.
func TestFakeCommandRefusesSpecViolations(t *testing.T) {
	tokenPath := "/api/v26.2/objects/users/me/api_access_token__sys"
	cases := []struct {
		name, path, ctype, body, wantType string
	}{
		{"a JSON body to a form-only operation", tokenPath, "application/json", `{"name__v":"k"}`, "INVALID_DATA"},
		{"an undeclared form field", tokenPath, "application/x-www-form-urlencoded", "name__v=k&expiry_date__sys=2999-12-31T12:00:00Z", "INVALID_DATA"},
		{"an unescaped / in a sandbox name", "/api/v26.2/objects/sandbox/R&D/QA%20Sandbox/users/me/api_access_token__sys",
			"application/x-www-form-urlencoded", "name__v=k", "MALFORMED_URL"},
	}
	for _, lenient := range []bool{false, true} {
		args := []string{"fake", "--addr", "127.0.0.1:0"}
		if lenient {
			args = append(args, "--lenient")
		}
		dns, hc, stderr := startFakeCommand(t, args...)
		session := fakeSession(t, hc, dns)
		for _, c := range cases {
			req, _ := http.NewRequest(http.MethodPost, "https://"+dns+c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", c.ctype)
			req.Header.Set("Authorization", session)
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var reply map[string]any
			_ = json.NewDecoder(res.Body).Decode(&reply)
			res.Body.Close()
			refused := reply["responseStatus"] == "FAILURE" && strings.Contains(toJSON(reply["errors"]), c.wantType)
			switch {
			case !lenient && !refused:
				t.Errorf("%s: reply %v, want FAILURE %s", c.name, reply, c.wantType)
			case lenient && c.name == "an undeclared form field" && reply["responseStatus"] != "SUCCESS":
				t.Errorf("--lenient, %s: reply %v, want SUCCESS", c.name, reply)
			}
		}
		if got := stderr(); strings.Count(got, "SPEC VIOLATION") < len(cases) {
			t.Errorf("lenient=%v: stderr names %d violations, want %d:\n%s", lenient, strings.Count(got, "SPEC VIOLATION"), len(cases), got)
		}
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// startFakeCommand runs vault-token with args (a fake command line without --cert-out),
// waits for its address, and returns it, an HTTP client that trusts it, and a function
// that stops the fake and returns all it printed on stderr.
func startFakeCommand(t *testing.T, args ...string) (string, *http.Client, func() string) {
	t.Helper()
	cert := filepath.Join(t.TempDir(), "fake.pem")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary, append(args, "--cert-out", cert)...)
	stdout, _ := cmd.StdoutPipe()
	stderrPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var printed strings.Builder
	done := make(chan struct{})
	go func() { _, _ = io.Copy(&printed, stderrPipe); close(done) }()
	dns, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no address on stdout: %v", err)
	}
	hc := trustingClient(t, cert)
	stopped := false
	stop := func() string {
		if !stopped {
			stopped = true
			_ = cmd.Process.Signal(syscall.SIGINT)
			<-done
			_ = cmd.Wait()
		}
		return printed.String()
	}
	t.Cleanup(func() { stop() })
	return strings.TrimSpace(dns), hc, stop
}

// fakeSession logs in to the fake at dns as its admin user.
func fakeSession(t *testing.T, hc *http.Client, dns string) string {
	t.Helper()
	res, err := hc.PostForm("https://"+dns+"/api/v26.2/auth", map[string][]string{
		"username": {"olivia@veepharm.com"}, "password": {"demo-password"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var reply struct{ SessionID string }
	if err := json.NewDecoder(res.Body).Decode(&reply); err != nil || reply.SessionID == "" {
		t.Fatalf("login: %v %+v", err, reply)
	}
	return reply.SessionID
}
