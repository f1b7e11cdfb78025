package fleet

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// cluster is a real etcd cluster of embedded members on loopback: the engine the fleet
// runs on, not a stand-in.
type cluster struct {
	t       testing.TB
	members []*member
	// tls and auth, when set, are what every member's client side asks for.
	tls *embedTLS
}

type member struct {
	name, dir       string
	peerURL, client string
	etcd            *embed.Etcd
}

// embedTLS is the client-side TLS of the members: their certificate and key files.
type embedTLS struct{ certFile, keyFile string }

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

// startCluster starts n members and waits until they serve.
func startCluster(t testing.TB, n int, tlsFiles *embedTLS) *cluster {
	t.Helper()
	c := &cluster{t: t, tls: tlsFiles}
	scheme := "http"
	if tlsFiles != nil {
		scheme = "https"
	}
	var initial []string
	for i := range n {
		m := &member{
			name:    fmt.Sprintf("m%d", i),
			dir:     filepath.Join(t.TempDir(), fmt.Sprintf("m%d", i)),
			peerURL: fmt.Sprintf("http://127.0.0.1:%d", freePort(t)),
			client:  fmt.Sprintf("%s://127.0.0.1:%d", scheme, freePort(t)),
		}
		initial = append(initial, m.name+"="+m.peerURL)
		c.members = append(c.members, m)
	}
	for _, m := range c.members {
		c.start(m, strings.Join(initial, ","), embed.ClusterStateFlagNew)
	}
	for _, m := range c.members {
		c.ready(m)
	}
	t.Cleanup(func() {
		for _, m := range c.members {
			if m.etcd != nil {
				m.etcd.Close()
			}
		}
	})
	return c
}

func (c *cluster) start(m *member, initial, state string) {
	c.t.Helper()
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = m.name, m.dir
	peer, _ := url.Parse(m.peerURL)
	cli, _ := url.Parse(m.client)
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cli}, []url.URL{*cli}
	cfg.InitialCluster, cfg.ClusterState, cfg.InitialClusterToken = initial, state, "fleet-test"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.ListenMetricsUrls = nil
	if c.tls != nil {
		cfg.ClientTLSInfo.CertFile, cfg.ClientTLSInfo.KeyFile = c.tls.certFile, c.tls.keyFile
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		c.t.Fatalf("start etcd member %s: %v", m.name, err)
	}
	m.etcd = e
}

// ready waits for the member to join the cluster, or fails the test after a minute.
func (c *cluster) ready(m *member) {
	c.t.Helper()
	select {
	case <-m.etcd.Server.ReadyNotify():
	case err := <-m.etcd.Err():
		c.t.Fatalf("etcd member %s: %v", m.name, err)
	case <-time.After(time.Minute):
		c.t.Fatalf("etcd member %s not ready after a minute", m.name)
	}
}

// stop stops member i, keeping its data.
func (c *cluster) stop(i int) {
	m := c.members[i]
	m.etcd.Close()
	<-m.etcd.Server.StopNotify()
	m.etcd = nil
}

// restart starts member i again from its data.
func (c *cluster) restart(i int) {
	c.t.Helper()
	var initial []string
	for _, m := range c.members {
		initial = append(initial, m.name+"="+m.peerURL)
	}
	c.start(c.members[i], strings.Join(initial, ","), embed.ClusterStateFlagExisting)
	c.ready(c.members[i])
}

func (c *cluster) endpoints() []string {
	var eps []string
	for _, m := range c.members {
		eps = append(eps, m.client)
	}
	return eps
}

// client is a new etcd client of the whole cluster, closed when the test ends.
func (c *cluster) client(t testing.TB) *clientv3.Client {
	t.Helper()
	return c.clientOf(t, clientv3.Config{Endpoints: c.endpoints()})
}

func (c *cluster) clientOf(t testing.TB, cfg clientv3.Config) *clientv3.Client {
	t.Helper()
	cfg.DialTimeout = 10 * time.Second
	cfg.Logger = zap.NewNop()
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// revision is the cluster's current revision: it grows by one with each write
// transaction, so the difference between two readings counts etcd's writes.
func revision(t testing.TB, cli *clientv3.Client) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "revision-probe")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}
