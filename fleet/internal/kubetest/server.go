package kubetest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// ReadyTimeout bounds how long the API server may take to answer /readyz with ok (4 to
// 7 seconds here; restarted, about 3).
const ReadyTimeout = 2 * time.Minute

// Admin is the identity in group system:masters that every server has.
const Admin = "admin"

// A User is an identity the server knows by a static token.
type User struct {
	Name   string
	Groups []string
}

// Server is a running kube-apiserver and its etcd.
type Server struct {
	URL    string // https://127.0.0.1:PORT
	CAFile string // the server's self-signed certificate, to trust

	dir    string
	bins   Binaries
	tokens map[string]string // user name → token
	args   []string
	log    io.Writer

	mu        sync.Mutex
	apiserver *exec.Cmd
	etcd      *exec.Cmd
	exited    chan struct{} // closed when the API server process ends
}

// Start builds the binaries if needed, then starts etcd and the API server in dir (their
// data, certificates and logs go there) with users beside Admin, and waits until the API
// server is ready. Stop it with Close.
func Start(dir string, users ...User) (*Server, error) {
	bins, err := Build()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bins: bins, tokens: map[string]string{}}
	logf, err := os.Create(filepath.Join(dir, "logs"))
	if err != nil {
		return nil, err
	}
	s.log = logf
	var lines []string
	for i, u := range append([]User{{Name: Admin, Groups: []string{"system:masters"}}}, users...) {
		tok := randomHex(16)
		s.tokens[u.Name] = tok
		lines = append(lines, fmt.Sprintf("%s,%s,%d,%q", tok, u.Name, 1000+i, strings.Join(u.Groups, ",")))
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	saKey := filepath.Join(dir, "sa.key")
	if err := writeRSAKey(saKey); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	s.etcd = exec.Command(bins.Etcd, "--name", "kube", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL, "--initial-cluster", "kube="+peerURL)
	s.etcd.Stdout, s.etcd.Stderr = logf, logf
	if err := s.etcd.Start(); err != nil {
		return nil, fmt.Errorf("kubetest: start etcd: %w", err)
	}
	certDir := filepath.Join(dir, "certs")
	s.URL = "https://127.0.0.1:" + strconv.Itoa(ports[2])
	s.CAFile = filepath.Join(certDir, "apiserver.crt")
	s.args = []string{"--etcd-servers", etcdURL, "--bind-address=127.0.0.1", "--secure-port", strconv.Itoa(ports[2]),
		"--advertise-address=127.0.0.1", "--cert-dir", certDir,
		"--service-account-issuer=https://kubernetes.default.svc", "--service-account-key-file", saKey, "--service-account-signing-key-file", saKey,
		"--service-cluster-ip-range=10.0.0.0/24", "--token-auth-file", tokenFile, "--authorization-mode=RBAC",
		"--disable-admission-plugins=ServiceAccount", "--endpoint-reconciler-type=none"}
	if err := s.startAPIServer(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// StartTB is Start for a test: the server goes in a temporary directory and stops when
// the test ends; an error fails the test.
func StartTB(t testing.TB, users ...User) *Server {
	t.Helper()
	s, err := Start(t.TempDir(), users...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *Server) startAPIServer() error {
	cmd := exec.Command(s.bins.APIServer, s.args...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("kubetest: start kube-apiserver: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.mu.Lock()
	s.apiserver, s.exited = cmd, exited
	s.mu.Unlock()
	return s.waitReady(exited)
}

// waitReady asks /readyz until it answers ok, the process ends, or ReadyTimeout passes.
func (s *Server) waitReady(exited <-chan struct{}) error {
	hc, err := s.httpClient()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), ReadyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+s.tokens[Admin])
		if resp, err := hc.Do(req); err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(b)) == "ok" {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("kubetest: kube-apiserver exited before it was ready; its log is %s", filepath.Join(s.dir, "logs"))
		case <-ctx.Done():
			return fmt.Errorf("kubetest: kube-apiserver not ready within %s; its log is %s", ReadyTimeout, filepath.Join(s.dir, "logs"))
		case <-tick.C:
		}
	}
}

// httpClient trusts the server's certificate, once it has written it.
func (s *Server) httpClient() (*http.Client, error) {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12,
		// The certificate appears when the server starts: read it on each handshake.
		InsecureSkipVerify: true, VerifyConnection: s.verify}}}, nil
}

func (s *Server) verify(cs tls.ConnectionState) error {
	pemBytes, err := os.ReadFile(s.CAFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return errors.New("kubetest: no certificate in " + s.CAFile)
	}
	_, err = cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1"})
	return err
}

// Token is user's bearer token.
func (s *Server) Token(user string) string { return s.tokens[user] }

// Config is a client configuration that authenticates as user.
func (s *Server) Config(user string) *rest.Config {
	return &rest.Config{Host: s.URL, BearerToken: s.tokens[user], TLSClientConfig: rest.TLSClientConfig{CAFile: s.CAFile},
		QPS: -1} // no client-side rate limit: the tests count the server's work
}

// Kubeconfig writes a kubeconfig file for user, its context's namespace namespace, and
// returns its path.
func (s *Server) Kubeconfig(user, namespace string) (string, error) {
	path := filepath.Join(s.dir, "kubeconfig-"+user+"-"+namespace)
	body := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: %s
  user:
    token: %s
contexts:
- name: test
  context: {cluster: test, user: %s, namespace: %s}
current-context: test
`, s.URL, s.CAFile, user, s.tokens[user], user, namespace)
	return path, os.WriteFile(path, []byte(body), 0o600)
}

// Kill ends the API server at once (SIGKILL); etcd keeps what it stored.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, exited := s.apiserver, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// Restart kills the API server and starts it again, and waits until it is ready.
func (s *Server) Restart() error {
	s.Kill()
	return s.startAPIServer()
}

// Close stops both processes.
func (s *Server) Close() {
	s.Kill()
	if s.etcd != nil && s.etcd.Process != nil {
		_ = s.etcd.Process.Signal(syscall.SIGKILL)
		_ = s.etcd.Wait()
	}
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}()
	for range n {
		ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func writeRSAKey(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return os.WriteFile(path, b, 0o600)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
