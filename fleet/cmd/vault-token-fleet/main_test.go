package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
)

// rotatorUser is the fake's administrator, whose password logs in.
var rotatorUser = vaulttest.DefaultUsers()[0]

// harness runs the program in-process against a fake Vault and an etcd cluster, and keeps
// everything it printed, to search for secrets.
type harness struct {
	t       testing.TB
	fake    *vaulttest.Server
	env     map[string]string
	printed strings.Builder
}

func newHarness(t *testing.T, endpoints []string) *harness {
	t.Helper()
	return newHarnessWith(t, vaulttest.NewTestServer(t, vaulttest.Config{}), endpoints)
}

func newHarnessWith(t testing.TB, fake *vaulttest.Server, endpoints []string) *harness {
	t.Helper()
	dir := t.TempDir()
	seal := make([]byte, 32)
	_, _ = rand.Read(seal)
	write(t, filepath.Join(dir, "seal"), seal)
	write(t, filepath.Join(dir, "vault.pem"), fake.CertificatePEM())
	h := &harness{t: t, fake: fake, env: map[string]string{
		command.EnvEtcd: strings.Join(endpoints, ","), command.EnvFleetKey: "/vault-token/" + t.Name(), command.EnvSealKeyFile: filepath.Join(dir, "seal"),
		command.EnvDNS: fake.DNS, command.EnvCAFile: filepath.Join(dir, "vault.pem"),
		command.EnvUsername: rotatorUser.Username, command.EnvPassword: rotatorUser.Password,
	}}
	t.Cleanup(h.checkNoSecrets)
	return h
}

func write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// environ is the harness's environment for a process of the program.
func (h *harness) environ() []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range h.env {
		env = append(env, k+"="+v)
	}
	return env
}

// freePort is a loopback port free at the time of asking.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type result struct {
	code           int
	stdout, stderr string
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return h.runIn(ctx, args...)
}

// runIn runs the program on ctx, which the test may end as a signal would
// (command.StoppedBy).
func (h *harness) runIn(ctx context.Context, args ...string) result {
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return h.env[k] }}
	code := a.run(ctx, args)
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	h.printed.WriteString(r.stdout + r.stderr)
	return r
}

// checkNoSecrets searches what every run printed (except the token command's stdout,
// which is the token by design) for every token the fake made and the password, raw and
// encoded.
func (h *harness) checkNoSecrets() {
	for _, tok := range h.fake.Tokens() {
		for _, form := range []string{tok.Value, base64.StdEncoding.EncodeToString([]byte(tok.Value)), hex.EncodeToString([]byte(tok.Value))} {
			if strings.Contains(h.printed.String(), form) {
				h.t.Errorf("the program printed token %s", tok.ID)
			}
		}
	}
	if strings.Contains(h.printed.String(), rotatorUser.Password) {
		h.t.Error("the program printed the password")
	}
}

// TestRotateStatusToken: the three commands on one record; status -o json names each
// token's id and expiry (null for an empty slot) and never a value; token prints the
// value of the current token, which the fake holds active.
func TestRotateStatusToken(t *testing.T) {
	h := newHarness(t, etcdtest.Start(t, 3, nil).Endpoints())
	r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "30m")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "rotated: ") {
		t.Fatalf("rotate: %+v", r)
	}
	r = h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "30m", "-o", "json")
	var rep struct {
		Rotated bool
		Current struct{ ID string }
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil || !rep.Rotated {
		t.Fatalf("rotate -o json: %+v", r)
	}

	r = h.run("status", "-o", "json")
	if r.code != 0 {
		t.Fatalf("status: %+v", r)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(statusKeys)), slices.Sorted(maps.Keys(st))); diff != "" {
		t.Errorf("status -o json's fields (-want +got):\n%s", diff)
	}
	cur, _ := st["current"].(map[string]any)
	prev, _ := st["previous"].(map[string]any)
	if cur["id"] != rep.Current.ID || cur["expires"] == nil || prev["id"] == nil || st["pending"] != nil {
		t.Errorf("status -o json: %s", r.stdout)
	}
	for _, slot := range []map[string]any{cur, prev} {
		if diff := cmp.Diff([]string{"created", "expires", "id"}, slices.Sorted(maps.Keys(slot))); diff != "" {
			t.Errorf("a token in status -o json (-want +got):\n%s", diff)
		}
	}

	r = h.run("token")
	value := strings.TrimSuffix(r.stdout, "\n")
	var active bool
	for _, tok := range h.fake.Tokens() {
		if tok.ID == rep.Current.ID && tok.Value == value && tok.Active(h.fake.Now()) {
			active = true
		}
	}
	if r.code != 0 || !active || r.stderr != "" {
		t.Errorf("token: exit %d, stderr %q; prints the current token: %v", r.code, r.stderr, active)
	}
	h.printed.Reset() // the token command printed the token, as asked: keep it out of the search
	r = h.run("status")
	if r.code != 0 || !strings.Contains(r.stdout, "current   "+rep.Current.ID) {
		t.Errorf("status: %+v", r)
	}
	r = h.run("rotate", "--me", "--name", "fleet-svc", "--timeout", "5s")
	if r.code != command.ExitVault || !strings.Contains(r.stderr, "grace period") || r.stdout != "" {
		t.Errorf("a rotation inside the grace period: %+v", r)
	}

	// An administrator rotates another user's token; a rotator for another user or name
	// than the record's is refused.
	h.env[command.EnvFleetKey] += "-other-user"
	other := vaulttest.DefaultUsers()[1]
	if r := h.run("rotate", "--user", fmt.Sprint(other.ID), "--name", "fleet-svc"); r.code != 0 {
		t.Fatalf("rotate --user: %+v", r)
	}
	if r := h.run("status", "-o", "json"); !strings.Contains(r.stdout, fmt.Sprintf(`"userId": "%d"`, other.ID)) {
		t.Errorf("status of another user's token: %s", r.stdout)
	}
	if r := h.run("rotate", "--me", "--name", "fleet-svc"); r.code != command.ExitVault || !strings.Contains(r.stderr, "another Vault, user or token name") {
		t.Errorf("a rotator for another user than the record's: %+v", r)
	}
}

// TestUsageErrors: what is missing or wrong on the command line is exit 2, said in the
// operator's words, and nothing is sent.
func TestUsageErrors(t *testing.T) {
	h := newHarness(t, []string{"http://127.0.0.1:1"}) // nothing listens: nothing may be sent
	short := filepath.Join(t.TempDir(), "short")
	write(t, short, []byte("too short"))
	for _, tt := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{command.EnvEtcd: ""}, []string{"status"}, "--etcd is required"},
		{map[string]string{command.EnvFleetKey: ""}, []string{"status"}, "--key is required"},
		{map[string]string{command.EnvSealKeyFile: ""}, []string{"token"}, "--seal-key-file is required"},
		{map[string]string{command.EnvSealKeyFile: short}, []string{"token"}, "32 bytes"},
		{nil, []string{"rotate", "--name", "x"}, "exactly one of --me and --user"},
		{nil, []string{"rotate", "--me"}, "--name is required"},
		{nil, []string{"rotate", "--me", "--name", "x", "--expires", "soon"}, "--expires"},
		{map[string]string{command.EnvPassword: ""}, []string{"rotate", "--me", "--name", "x"}, command.EnvPassword},
		{nil, []string{"status", "-o", "yaml"}, "-o yaml"},
		{nil, []string{"status", "extra"}, "unexpected argument"},
		{nil, nil, "a command is required"},
	} {
		saved := map[string]string{}
		for k, v := range tt.env {
			saved[k] = h.env[k]
			h.env[k] = v
		}
		r := h.run(tt.args...)
		if r.code != command.ExitUsage || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
		for k, v := range saved {
			h.env[k] = v
		}
	}
	if n := h.fake.Count(""); n != 0 {
		t.Errorf("the fake received %d requests", n)
	}
}

// TestEtcdTLSAndAuth: a cluster that serves TLS only and has authentication on: the
// commands connect with --etcd-ca-file and the user and password from the environment;
// a wrong password is refused.
func TestEtcdTLSAndAuth(t *testing.T) {
	files, caFile := etcdtest.NewTLSFiles(t)
	c := etcdtest.Start(t, 3, files)
	root := c.ClientOf(t, clientv3.Config{Endpoints: c.Endpoints(), TLS: tlsTrusting(t, caFile)})
	etcdtest.EnableAuth(t, root, "root-"+rotatorUser.Password, "fleet", "fleet-etcd-password", "/vault-token/")
	h := newHarness(t, c.Endpoints())
	h.env[command.EnvEtcdCAFile] = caFile
	h.env[command.EnvEtcdUsername], h.env[command.EnvEtcdPassword] = "fleet", "fleet-etcd-password"
	if r := h.run("rotate", "--me", "--name", "fleet-svc"); r.code != 0 {
		t.Fatalf("rotate over TLS with authentication: %+v", r)
	}
	if r := h.run("status"); r.code != 0 {
		t.Fatalf("status: %+v", r)
	}
	h.env[command.EnvEtcdPassword] = "wrong"
	if r := h.run("status"); r.code != command.ExitVault || !strings.Contains(r.stderr, "authentication failed") || strings.Contains(r.stderr, "wrong") {
		t.Errorf("status with a wrong etcd password: %+v", r)
	}
	delete(h.env, command.EnvEtcdCAFile)
	h.env[command.EnvEtcdPassword] = "fleet-etcd-password"
	// A member that is not trusted never answers: the command gives up when --timeout ends.
	if r := h.run("status", "--timeout", "3s"); r.code != command.ExitVault || !strings.Contains(r.stderr, "CA file") {
		t.Errorf("status without trusting the members' certificate: %+v", r)
	}
}

// build builds pkg, of this module, into out.
func build(t *testing.T, out, pkg string) {
	t.Helper()
	buildIn(t, ".", out, pkg)
}

// buildIn builds pkg into out, in the module at dir.
func buildIn(t *testing.T, dir, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}
