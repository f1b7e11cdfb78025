// Package etcdtest runs a real etcd cluster of embedded members on loopback, for the
// fleet's tests and its demo: the engine the fleet runs on, not a stand-in. It is internal
// to the fleet module, whose go.mod alone carries etcd's server.
//
// NewCluster reports errors, for a program; Start is the same for a test, failing it
// instead and stopping the cluster when the test ends.
package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// ReadyTimeout bounds how long a member may take to join its cluster.
const ReadyTimeout = time.Minute

// Config describes a cluster.
type Config struct {
	Members int    // default 3
	Dir     string // the members' data directories go here; required
	// TLS, when set, is the members' client-side certificate and key: they serve https.
	TLS *TLSFiles
	// Log receives the members' logs (default: none).
	Log *zap.Logger
}

// Cluster is a running etcd cluster of embedded members.
type Cluster struct {
	Members []*Member
	cfg     Config

	mu      sync.Mutex
	clients []*clientv3.Client // closed before the members stop: a member waits for open watches
}

// Member is one etcd member; Etcd is nil while it is stopped.
type Member struct {
	Name, Dir    string
	PeerURL, URL string // the peer and client URLs
	Etcd         *embed.Etcd
}

// TLSFiles are the members' client-side certificate and key files.
type TLSFiles struct{ CertFile, KeyFile string }

// NewCluster starts the members and waits until each has joined.
func NewCluster(cfg Config) (*Cluster, error) {
	if cfg.Dir == "" {
		return nil, errors.New("etcdtest: Config.Dir is required")
	}
	if cfg.Members == 0 {
		cfg.Members = 3
	}
	c := &Cluster{cfg: cfg}
	scheme := "http"
	if cfg.TLS != nil {
		scheme = "https"
	}
	var initial []string
	for i := range cfg.Members {
		peerPort, err := freePort()
		if err != nil {
			return nil, err
		}
		clientPort, err := freePort()
		if err != nil {
			return nil, err
		}
		m := &Member{
			Name:    fmt.Sprintf("m%d", i),
			Dir:     filepath.Join(cfg.Dir, fmt.Sprintf("m%d", i)),
			PeerURL: fmt.Sprintf("http://127.0.0.1:%d", peerPort),
			URL:     fmt.Sprintf("%s://127.0.0.1:%d", scheme, clientPort),
		}
		initial = append(initial, m.Name+"="+m.PeerURL)
		c.Members = append(c.Members, m)
	}
	for _, m := range c.Members {
		if err := c.start(m, strings.Join(initial, ","), embed.ClusterStateFlagNew); err != nil {
			c.Close()
			return nil, err
		}
	}
	for _, m := range c.Members {
		if err := ready(m); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// freePort is a loopback port free at the time of asking.
func freePort() (int, error) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) start(m *Member, initial, state string) error {
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = m.Name, m.Dir
	peer, err := url.Parse(m.PeerURL)
	if err != nil {
		return err
	}
	cli, err := url.Parse(m.URL)
	if err != nil {
		return err
	}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cli}, []url.URL{*cli}
	cfg.InitialCluster, cfg.ClusterState, cfg.InitialClusterToken = initial, state, "etcdtest"
	cfg.ListenMetricsUrls = nil
	log := c.cfg.Log
	if log == nil {
		log = zap.NewNop()
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(log)
	if c.cfg.TLS != nil {
		cfg.ClientTLSInfo.CertFile, cfg.ClientTLSInfo.KeyFile = c.cfg.TLS.CertFile, c.cfg.TLS.KeyFile
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("etcdtest: start member %s: %w", m.Name, err)
	}
	m.Etcd = e
	return nil
}

// ready waits for the member to join its cluster.
func ready(m *Member) error {
	select {
	case <-m.Etcd.Server.ReadyNotify():
		return nil
	case err := <-m.Etcd.Err():
		return fmt.Errorf("etcdtest: member %s: %w", m.Name, err)
	case <-time.After(ReadyTimeout):
		return fmt.Errorf("etcdtest: member %s did not join within %s", m.Name, ReadyTimeout)
	}
}

// Close closes the clients the cluster made, then stops every running member at once
// (one at a time, each would wait for the others it can no longer reach; and a member
// waits for its open watches before it stops).
func (c *Cluster) Close() {
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

// Stop stops member i at once, as a killed process stops (no leadership handed over),
// keeping its data.
func (c *Cluster) Stop(i int) {
	m := c.Members[i]
	m.Etcd.Server.HardStop()
	m.Etcd.Close()
	<-m.Etcd.Server.StopNotify()
	m.Etcd = nil
}

// Restart starts member i again from its data and waits until it has joined.
func (c *Cluster) Restart(i int) error {
	var initial []string
	for _, m := range c.Members {
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	if err := c.start(c.Members[i], strings.Join(initial, ","), embed.ClusterStateFlagExisting); err != nil {
		return err
	}
	return ready(c.Members[i])
}

// Endpoints are the members' client URLs.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.Members {
		eps = append(eps, m.URL)
	}
	return eps
}

// NewClient is an etcd client as cfg says (the whole cluster when it names no endpoint),
// closed by Close.
func (c *Cluster) NewClient(cfg clientv3.Config) (*clientv3.Client, error) {
	if len(cfg.Endpoints) == 0 {
		cfg.Endpoints = c.Endpoints()
	}
	cfg.DialTimeout = 10 * time.Second
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.clients = append(c.clients, cli)
	c.mu.Unlock()
	return cli, nil
}

// Leader is the index of the member that leads the cluster, or -1.
func (c *Cluster) Leader() int {
	for i, m := range c.Members {
		if m.Etcd != nil && m.Etcd.Server.Leader() == m.Etcd.Server.MemberID() {
			return i
		}
	}
	return -1
}

// Start is NewCluster of n members for a test: it fails the test on an error and closes
// the cluster when the test ends.
func Start(t testing.TB, n int, tls *TLSFiles) *Cluster {
	t.Helper()
	return StartWith(t, Config{Members: n, TLS: tls})
}

// StartWith is NewCluster for a test; cfg.Dir defaults to a directory of the test's.
func StartWith(t testing.TB, cfg Config) *Cluster {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	c, err := NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Client is a client of the whole cluster for a test.
func (c *Cluster) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	return c.ClientOf(t, clientv3.Config{})
}

// ClientOf is NewClient for a test: the client is closed when the test ends.
func (c *Cluster) ClientOf(t testing.TB, cfg clientv3.Config) *clientv3.Client {
	t.Helper()
	cli, err := c.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
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
