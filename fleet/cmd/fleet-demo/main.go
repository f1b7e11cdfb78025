// Command fleet-demo shows a fleet sharing one Vault token on one machine, offline: the
// fake Vault (package vaulttest), a three-member etcd cluster embedded in the process, three
// consumers and a sequence of rotators, one of which dies half-way. It prints what happens
// and never a token's value. Run it from the fleet module: cd fleet && go run ./cmd/fleet-demo
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

// The demo's settings: short enough to watch, long enough to show each rule.
const (
	tokenName = "demo-fleet"
	grace     = 2 * time.Second
	lockTTL   = 2 * time.Second
	consumers = 3
)

func main() {
	command.Main(func(ctx context.Context, args []string) int {
		root := &cobra.Command{
			Use:   "fleet-demo",
			Short: "Show a fleet sharing one Vault token on one machine, offline",
			RunE:  command.RunE(func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), cmd.OutOrStdout()) }),
		}
		cmd, err := command.Execute(ctx, root, args, os.Stdout, os.Stderr)
		return command.Report(ctx, os.Stderr, "fleet-demo", cmd.CommandPath(), err)
	})
}

// demo is the running fleet.
type demo struct {
	out       io.Writer
	fake      *vaulttest.Server
	etcd      *etcdtest.Cluster
	sealer    *fleet.Sealer
	key       string
	consumers []*consumer
}

type consumer struct {
	src   *fleet.Source
	vault *client.Client
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "fleet-demo-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	fake, err := vaulttest.NewServer(vaulttest.Config{})
	if err != nil {
		return err
	}
	defer fake.Close()
	cluster, err := etcdtest.NewCluster(etcdtest.Config{Members: 3, Dir: dir})
	if err != nil {
		return err
	}
	defer cluster.Close()
	key := make([]byte, fleet.SealKeySize)
	_, _ = rand.Read(key)
	sealer, err := fleet.NewSealer(key)
	if err != nil {
		return err
	}
	d := &demo{out: out, fake: fake, etcd: cluster, sealer: sealer, key: "/vault-token/" + fake.DNS + "/" + tokenName}
	d.say("A fake Vault at %s, an etcd cluster of %d members at %v, the record at %s.", fake.DNS, len(cluster.Members), cluster.Endpoints(), d.key)
	return d.story(ctx)
}

// killWhileChecking runs rotator B and kills it as a process dies, once its token is
// pending: the fake Vault holds B's check of the new token (the next Validate Session
// User), B's etcd client is closed (its lease is no longer renewed, so the lock stays until
// the lease ends), and only then does the check go on, into a rotation that can no longer
// write.
func (d *demo) killWhileChecking(ctx context.Context) error {
	cli := d.client()
	b, err := d.rotator(cli)
	if err != nil {
		return err
	}
	checks := d.fake.Count(openapi.OpValidateSessionUser)
	hold := make(chan struct{})
	if err := d.fake.Inject(vaulttest.Fault{Op: openapi.OpValidateSessionUser, Until: hold}); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		_, err := b.Rotate(ctx, fleet.RotateOptions{})
		done <- err
	}()
	err = d.fake.WaitForRequests(ctx, openapi.OpValidateSessionUser, checks+1)
	_ = cli.Close()
	close(hold)
	if err != nil {
		return err
	}
	if err := <-done; err == nil {
		return errors.New("rotator B did not die")
	}
	return nil
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }

func (d *demo) story(ctx context.Context) error {
	for i := range consumers {
		c, err := d.consumer(ctx)
		if err != nil {
			return err
		}
		d.consumers = append(d.consumers, c)
		if _, err := c.src.Secret(ctx); errors.Is(err, fleet.ErrNoRecord) && i == 0 {
			d.say("%d consumers watch the record; none has a token yet (no rotation has run).", consumers)
		}
	}

	d.say("\n1. Rotator A runs the first rotation.")
	rep, err := d.rotate(ctx, "A")
	if err != nil {
		return err
	}
	if err := d.consumersUse(ctx, rep.Current.ID); err != nil {
		return err
	}

	d.say("\n2. Rotator B creates a token, commits it as pending, and dies while checking it.")
	if err := d.killWhileChecking(ctx); err != nil {
		return err
	}
	st, err := fleet.ReadStatus(ctx, d.store(d.client()))
	if err != nil {
		return err
	}
	d.say("   The record: current %s, pending %s. Consumers still use %s.", st.Current.ID, st.Pending.ID, st.Current.ID)

	d.say("\n3. Rotator C waits out B's lock (its %s lease), adopts B's pending token, checks it and promotes it.", lockTTL)
	rep, err = d.rotate(ctx, "C")
	if err != nil {
		return err
	}
	if err := d.consumersUse(ctx, rep.Current.ID); err != nil {
		return err
	}

	d.say("\n4. Rotator D finds the previous token inside its %s grace period, waits for it to end,\n   revokes it, and rotates.", grace)
	rep, err = d.rotate(ctx, "D")
	if err != nil {
		return err
	}
	if err := d.consumersUse(ctx, rep.Current.ID); err != nil {
		return err
	}

	active := 0
	for _, tok := range d.fake.Tokens() {
		if tok.Name == tokenName && tok.Active(d.fake.Now()) {
			active++
		}
	}
	d.say("\nThe fake Vault counted %d logins (one per rotator run, none for the consumers) and holds %d active tokens named %q:\nthe current one and the previous one, in its grace period.",
		d.fake.Count(openapi.OpAuthenticate), active, tokenName)
	for _, c := range d.consumers {
		_ = c.src.Close()
	}
	return nil
}

// client is an etcd client of the cluster, as a process has.
func (d *demo) client() *clientv3.Client {
	cli, err := d.etcd.NewClient(clientv3.Config{})
	if err != nil {
		panic(err) // the cluster is ours and running
	}
	return cli
}

// store is the record's store on cli.
func (d *demo) store(cli *clientv3.Client) *fleet.EtcdStore {
	s, err := fleet.NewEtcdStore(cli, d.key)
	if err != nil {
		panic(err)
	}
	return s
}

func (d *demo) consumer(ctx context.Context) (*consumer, error) {
	src, err := fleet.NewSource(ctx, d.store(d.client()), d.sealer)
	if err != nil {
		return nil, err
	}
	vault, err := client.New(d.fake.DNS, client.WithHTTPClient(d.fake.Client()), client.WithCredentials(client.AccessTokenFrom(src)))
	if err != nil {
		return nil, err
	}
	return &consumer{src: src, vault: vault}, nil
}

// rotator is a rotator with its own etcd client and Vault client, as a process has.
func (d *demo) rotator(cli *clientv3.Client) (*fleet.Rotator, error) {
	user := vaulttest.DefaultUsers()[0]
	connect := func(creds client.Credentials) (*client.Client, error) {
		return client.New(d.fake.DNS, client.WithHTTPClient(d.fake.Client()), client.WithCredentials(creds))
	}
	vault, err := connect(client.Password(user.Username, user.Password))
	if err != nil {
		return nil, err
	}
	return &fleet.Rotator{Store: d.store(cli), Sealer: d.sealer, Vault: vault, Connect: connect,
		Name: tokenName, Lifetime: 90 * 24 * time.Hour, Grace: grace, LockTTL: lockTTL}, nil
}

func (d *demo) rotate(ctx context.Context, name string) (*fleet.Report, error) {
	r, err := d.rotator(d.client())
	if err != nil {
		return nil, err
	}
	rep, err := r.Rotate(ctx, fleet.RotateOptions{})
	if err != nil {
		return nil, fmt.Errorf("rotator %s: %w", name, err)
	}
	if rep.AdoptedPending != "" {
		d.say("   Adopted the pending token %s.", rep.AdoptedPending)
	}
	if rep.RevokedPrevious != "" {
		d.say("   Revoked the previous token %s: its grace period was over.", rep.RevokedPrevious)
	}
	d.say("   Rotator %s: %s is current (epoch %d).", name, rep.Current.ID, rep.Epoch)
	return rep, nil
}

// consumersUse waits until every consumer gives the token id, and has each call Vault
// with it.
func (d *demo) consumersUse(ctx context.Context, id string) error {
	for i, c := range d.consumers {
		var seen fleet.Snapshot
		for seen.ID != id {
			var err error
			if seen, err = c.src.Wait(ctx, seen); err != nil {
				return fmt.Errorf("consumer %d never saw token %s: %w", i+1, id, err)
			}
		}
		if _, err := c.vault.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: tokenName}); err != nil {
			return fmt.Errorf("consumer %d: %w", i+1, err)
		}
	}
	d.say("   All %d consumers switched to %s as etcd reported it, and called Vault with it.", len(d.consumers), id)
	return nil
}
