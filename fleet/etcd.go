package fleet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

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

// quorumProbe bounds CheckQuorum: a member answers Status from its own state, at once.
const quorumProbe = 3 * time.Second

// CheckQuorum asks every member for its status and reports, in those words, an etcd that
// has no quorum (members answer, none has a leader: a majority is down or cut off) or no
// member reachable, within a few seconds, rather than letting the next read wait out the
// caller's whole timeout. A member whose answer cannot tell (etcd's permissions) passes.
func CheckQuorum(ctx context.Context, cli *clientv3.Client) error {
	ctx, cancel := context.WithTimeout(ctx, quorumProbe)
	defer cancel()
	eps := cli.Endpoints()
	type answer struct{ leader, unreachable bool }
	answers := make(chan answer, len(eps))
	for _, ep := range eps {
		go func() {
			st, err := cli.Status(ctx, ep)
			code := status.Code(err)
			unreachable := err != nil && (code == codes.Unavailable || code == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded))
			// An answer that is an error of another kind (etcd's permissions) cannot tell:
			// it passes, as a leader would.
			answers <- answer{leader: (err == nil && st.Leader != 0) || (err != nil && !unreachable), unreachable: unreachable}
		}()
	}
	answered := 0
	for range eps {
		a := <-answers
		if a.leader {
			return nil
		}
		if !a.unreachable {
			answered++
		}
	}
	if answered == 0 {
		return fmt.Errorf("fleet: no etcd member reachable at %s", strings.Join(eps, ","))
	}
	return fmt.Errorf("fleet: etcd has no quorum: %d of the %d members at %s answer, and none has a leader (a majority is down or cut off); nothing can be read or written until a majority is back", answered, len(eps), strings.Join(eps, ","))
}
