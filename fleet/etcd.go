package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/trust"
)

// EtcdOptions say how to reach a fleet's etcd cluster.
type EtcdOptions struct {
	Endpoints []string // http://HOST:PORT or https://HOST:PORT, one per member
	// CAFile is a PEM file of certificates to trust for the members' TLS, beside the
	// system's roots.
	CAFile string
	// CertFile and KeyFile are a client certificate, for members that ask for one.
	CertFile, KeyFile string
	// Username and Password, for a cluster with authentication on.
	Username string
	Password client.Secret
	// DialTimeout bounds the first connection (default 5 seconds).
	DialTimeout time.Duration
}

// Connect makes an etcd client as o says, and waits (DialTimeout) for a member to
// answer. It logs nothing (etcd's client logs through zap; a fleet's errors come back as
// errors).
func Connect(o EtcdOptions) (*clientv3.Client, error) {
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(cfg)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("fleet: no etcd member reachable at %s within %s (check the endpoints, and for TLS the CA file)", strings.Join(o.Endpoints, ","), cfg.DialTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: etcd at %s: %w", strings.Join(o.Endpoints, ","), err)
	}
	return cli, nil
}

// Config is the etcd client configuration o describes: its errors are in o (a file that
// cannot be read, a half-given pair), found before anything is sent.
func (o EtcdOptions) Config() (clientv3.Config, error) {
	if len(o.Endpoints) == 0 {
		return clientv3.Config{}, errors.New("fleet: no etcd endpoints")
	}
	cfg := clientv3.Config{Endpoints: o.Endpoints, DialTimeout: o.DialTimeout, Logger: zap.NewNop(),
		Username: o.Username, Password: o.Password.Reveal()}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if (o.Username == "") != o.Password.IsZero() {
		return clientv3.Config{}, errors.New("fleet: etcd authentication needs both a user name and a password")
	}
	if o.CAFile != "" || o.CertFile != "" || o.KeyFile != "" {
		tc, err := tlsConfig(o)
		if err != nil {
			return clientv3.Config{}, err
		}
		cfg.TLS = tc
	}
	return cfg, nil
}

func tlsConfig(o EtcdOptions) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		roots, err := trust.Pool(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("fleet: etcd CA file: %w", err)
		}
		tc.RootCAs = roots
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, errors.New("fleet: an etcd client certificate needs both its certificate and its key file")
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("fleet: etcd client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// quorumProbe bounds each step of CheckQuorum: a member answers Status from its own
// state at once, and a linearizable read in milliseconds when there is a quorum.
const quorumProbe = 3 * time.Second

// CheckQuorum reports, in those words, an etcd with no member reachable, or members that
// answer but cannot serve a linearizable read of key (no quorum: a majority is down or cut
// off), within a few seconds, rather than letting the next read wait out the caller's
// whole timeout. An answer that cannot tell (etcd's permissions) passes.
func CheckQuorum(ctx context.Context, cli *clientv3.Client, key string) error {
	eps := cli.Endpoints()
	sctx, cancel := context.WithTimeout(ctx, quorumProbe)
	defer cancel()
	reached := make(chan bool, len(eps))
	for _, ep := range eps {
		go func() {
			_, err := cli.Status(sctx, ep)
			code := status.Code(err)
			reached <- err == nil || (code != codes.Unavailable && code != codes.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded))
		}()
	}
	answered := 0
	for range eps {
		if <-reached {
			answered++
		}
	}
	if answered == 0 {
		return fmt.Errorf("fleet: no etcd member reachable at %s", strings.Join(eps, ","))
	}
	rctx, cancel := context.WithTimeout(ctx, quorumProbe)
	defer cancel()
	_, err := cli.Get(clientv3.WithRequireLeader(rctx), key, clientv3.WithCountOnly())
	if err == nil || ctx.Err() != nil {
		return nil
	}
	code := status.Code(err)
	if code != codes.Unavailable && code != codes.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, rpctypes.ErrNoLeader) {
		return nil
	}
	return fmt.Errorf("fleet: etcd has no quorum: %d of the %d members at %s answer, but none can serve a read (a majority is down or cut off); nothing can be read or written until a majority is back", answered, len(eps), strings.Join(eps, ","))
}
