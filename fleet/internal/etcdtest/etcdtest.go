// Package etcdtest runs a real etcd cluster of embedded members on loopback for the
// fleet's tests: the engine the fleet runs on, not a stand-in. It is internal to the
// fleet module, whose go.mod alone carries etcd's server.
package etcdtest

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"

	"github.com/acme/vault-token/internal/loopcert"
)

// cluster is a real etcd cluster of embedded members on loopback: the engine the fleet
// runs on, not a stand-in.
type Cluster struct {
	t       testing.TB
	Members []*Member
	// tls, when set, is what every member's client side asks for.
	tls *TLSFiles
	// log, when set, receives the members' logs (default: none).
	log *zap.Logger

	mu      sync.Mutex
	clients []*clientv3.Client // closed before the members stop: a member waits for open watches
}

type Member struct {
	Name, Dir    string
	PeerURL, URL string // the peer and client URLs
	Etcd         *embed.Etcd
}

// TLSFiles are the client-side TLS of the members: their certificate and key files.
type TLSFiles struct{ CertFile, KeyFile string }

// freePort is a loopback port free at the time of asking.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start starts n members and waits until they serve.
func Start(t testing.TB, n int, tlsFiles *TLSFiles) *Cluster {
	return StartLogging(t, n, tlsFiles, nil)
}

func StartLogging(t testing.TB, n int, tlsFiles *TLSFiles, log *zap.Logger) *Cluster {
	t.Helper()
	c := &Cluster{t: t, tls: tlsFiles, log: log}
	scheme := "http"
	if tlsFiles != nil {
		scheme = "https"
	}
	var initial []string
	for i := range n {
		m := &Member{
			Name:    fmt.Sprintf("m%d", i),
			Dir:     filepath.Join(t.TempDir(), fmt.Sprintf("m%d", i)),
			PeerURL: fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
			URL:     fmt.Sprintf("%s://127.0.0.1:%d", scheme, freePort(t)),
		}
		initial = append(initial, m.Name+"="+m.PeerURL)
		c.Members = append(c.Members, m)
	}
	for _, m := range c.Members {
		c.start(m, strings.Join(initial, ","), embed.ClusterStateFlagNew)
	}
	for _, m := range c.Members {
		c.ready(m)
	}
	t.Cleanup(c.StopAll)
	return c
}

// StopAll closes the clients, then stops every running member at once (one at a time,
// each waits for the others it can no longer reach; and a member waits for its open
// watches before it stops).
func (c *Cluster) StopAll() {
	c.mu.Lock()
	for _, cli := range c.clients {
		_ = cli.Close()
	}
	c.clients = nil
	c.mu.Unlock()
	var wg sync.WaitGroup
	for i, m := range c.Members {
		if m.Etcd != nil {
			wg.Go(func() { c.Stop(i) })
		}
	}
	wg.Wait()
}

func (c *Cluster) start(m *Member, initial, state string) {
	c.t.Helper()
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = m.Name, m.Dir
	peer, _ := url.Parse(m.PeerURL)
	cli, _ := url.Parse(m.URL)
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cli}, []url.URL{*cli}
	cfg.InitialCluster, cfg.ClusterState, cfg.InitialClusterToken = initial, state, "fleet-test"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	if c.log != nil {
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(c.log)
	}
	cfg.ListenMetricsUrls = nil
	if c.tls != nil {
		cfg.ClientTLSInfo.CertFile, cfg.ClientTLSInfo.KeyFile = c.tls.CertFile, c.tls.KeyFile
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		c.t.Fatalf("start etcd member %s: %v", m.Name, err)
	}
	m.Etcd = e
}

// ready waits for the member to join the cluster, or fails the test after a minute.
func (c *Cluster) ready(m *Member) {
	c.t.Helper()
	select {
	case <-m.Etcd.Server.ReadyNotify():
	case err := <-m.Etcd.Err():
		c.t.Fatalf("etcd member %s: %v", m.Name, err)
	case <-time.After(time.Minute):
		c.t.Fatalf("etcd member %s not ready after a minute", m.Name)
	}
}

// Stop stops member i at once, as a killed process stops (no leadership handed over),
// keeping its data.
func (c *Cluster) Stop(i int) {
	m := c.Members[i]
	m.Etcd.Server.HardStop()
	m.Etcd.Close()
	<-m.Etcd.Server.StopNotify()
	m.Etcd = nil
}

// Restart starts member i again from its data.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	var initial []string
	for _, m := range c.Members {
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	c.start(c.Members[i], strings.Join(initial, ","), embed.ClusterStateFlagExisting)
	c.ready(c.Members[i])
}

func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.Members {
		eps = append(eps, m.URL)
	}
	return eps
}

// Client is a new etcd client of the whole cluster, closed when the test ends.
func (c *Cluster) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	return c.ClientOf(t, clientv3.Config{Endpoints: c.Endpoints()})
}

func (c *Cluster) ClientOf(t testing.TB, cfg clientv3.Config) *clientv3.Client {
	t.Helper()
	cfg.DialTimeout = 10 * time.Second
	cfg.Logger = zap.NewNop()
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	c.mu.Lock()
	c.clients = append(c.clients, cli)
	c.mu.Unlock()
	return cli
}

// Revision is the cluster's current revision: it grows by one with each write
// transaction, so the difference between two readings counts etcd's writes.
func Revision(t testing.TB, cli *clientv3.Client) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "revision-probe")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

// Leader is the index of the member that leads the cluster.
func (c *Cluster) Leader() int {
	c.t.Helper()
	for i, m := range c.Members {
		if m.Etcd != nil && m.Etcd.Server.Leader() == m.Etcd.Server.MemberID() {
			return i
		}
	}
	c.t.Fatal("no member leads the cluster")
	return -1
}

// NewTLSFiles writes a fresh loopback certificate (internal/loopcert: a key for this test
// only, naming 127.0.0.1, not a CA) and its key for the members' client side, and returns
// them with the certificate's file, which clients trust.
func NewTLSFiles(t testing.TB) (files *TLSFiles, caFile string) {
	t.Helper()
	cert, err := loopcert.New(time.Now(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.TLS.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files = &TLSFiles{CertFile: filepath.Join(dir, "etcd.pem"), KeyFile: filepath.Join(dir, "etcd-key.pem")}
	if err := os.WriteFile(files.CertFile, cert.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	return files, files.CertFile
}

// EnableAuth turns etcd's authentication on with a root user and a user that may read and
// write only under prefix, as a fleet's operator would set it up.
func EnableAuth(t testing.TB, cli *clientv3.Client, rootPassword, user, password, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	steps := []func() error{
		func() error { _, err := cli.UserAdd(ctx, "root", rootPassword); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.RoleAdd(ctx, "fleet"); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, "fleet", prefix, clientv3.GetPrefixRangeEnd(prefix), clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := cli.UserAdd(ctx, user, password); return err },
		func() error { _, err := cli.UserGrantRole(ctx, user, "fleet"); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("enable etcd authentication, step %d: %v", i+1, err)
		}
	}
}
