package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/command"
)

// The environment variables the program reads. Secrets (the etcd password, Vault's
// credentials) come only from here, never from a flag, which the process list shows.
//
//nolint:gosec // the names of variables, not their values
const (
	envEtcd         = "VEEVA_VAULT_ETCD"
	envKey          = "VEEVA_VAULT_FLEET_KEY"
	envSealKeyFile  = "VEEVA_VAULT_SEAL_KEY_FILE"
	envEtcdCAFile   = "VEEVA_VAULT_ETCD_CA_FILE"
	envEtcdCertFile = "VEEVA_VAULT_ETCD_CERT_FILE"
	envEtcdKeyFile  = "VEEVA_VAULT_ETCD_KEY_FILE"
	envEtcdUsername = "VEEVA_VAULT_ETCD_USERNAME"
	envEtcdPassword = "VEEVA_VAULT_ETCD_PASSWORD"
	envDNS          = "VEEVA_VAULT_DNS"
	envCAFile       = "VEEVA_VAULT_CA_FILE"
	envUsername     = "VEEVA_VAULT_USERNAME"
	envPassword     = "VEEVA_VAULT_PASSWORD"
	envSessionID    = "VEEVA_VAULT_SESSION_ID"
)

// fleetFlags are the flags of every command: where the record is and how to open it.
type fleetFlags struct {
	etcd, key, sealKeyFile string
	caFile, certFile       string
	keyFile                string
	timeout                time.Duration
	output                 string
}

// Default timeouts: a rotation may wait for a lock and for Vault; a look at the record
// answers in milliseconds or not at all.
const (
	rotateTimeout = 2 * time.Minute
	lookTimeout   = 15 * time.Second
	// dialTimeout bounds the first connection to etcd (a TLS handshake, a login for
	// etcd's users): past it no member is reachable, and the command says so.
	dialTimeout = 10 * time.Second
)

func addFleetFlags(cmd *cobra.Command, outputs string, timeout time.Duration) *fleetFlags {
	f := &fleetFlags{}
	fs := cmd.Flags()
	fs.StringVar(&f.etcd, "etcd", "", "the etcd cluster's endpoints, comma-separated, such as https://etcd-0:2379,https://etcd-1:2379 (default $"+envEtcd+")")
	fs.StringVar(&f.key, "key", "", "the record's etcd key, one per fleet token, such as /vault-token/myvault/integration (default $"+envKey+")")
	fs.StringVar(&f.sealKeyFile, "seal-key-file", "", "the file holding the fleet's 32-byte sealing key (default $"+envSealKeyFile+")")
	fs.StringVar(&f.caFile, "etcd-ca-file", "", "also trust the certificates in this PEM file for etcd's TLS (default $"+envEtcdCAFile+")")
	fs.StringVar(&f.certFile, "etcd-cert-file", "", "a client certificate for etcd (default $"+envEtcdCertFile+")")
	fs.StringVar(&f.keyFile, "etcd-key-file", "", "the client certificate's key (default $"+envEtcdKeyFile+")")
	fs.DurationVar(&f.timeout, "timeout", timeout, "give up after this long: it bounds the whole run, clean-up included")
	fs.StringVarP(&f.output, "output", "o", "text", "output format: "+outputs)
	return f
}

// or is the flag's value, else the environment variable's.
func (a *app) or(flag, env string) string {
	if flag != "" {
		return flag
	}
	return a.getenv(env)
}

// opened is what every command works with: an etcd client, the record's key, the sealer,
// and the context the command's calls run in.
type opened struct {
	etcd   *clientv3.Client
	key    string
	sealer *fleet.Sealer
	ctx    context.Context
	done   func()
}

// open checks the flags and connects to etcd. It sends nothing to Vault. Without
// needSeal, a sealing key is not asked for (status opens no token).
func (a *app) open(cmd *cobra.Command, f *fleetFlags, needSeal bool, outputs ...string) (*opened, error) {
	if !slices.Contains(outputs, f.output) {
		return nil, command.UsageErrorf("-o %s: choose one of %s", f.output, strings.Join(outputs, ", "))
	}
	if f.timeout <= 0 {
		return nil, command.UsageErrorf("--timeout must be positive")
	}
	endpoints := splitList(a.or(f.etcd, envEtcd))
	if len(endpoints) == 0 {
		return nil, command.UsageErrorf("--etcd is required (or set %s)", envEtcd)
	}
	key := a.or(f.key, envKey)
	if key == "" {
		return nil, command.UsageErrorf("--key is required (or set %s)", envKey)
	}
	var sealer *fleet.Sealer
	if needSeal {
		var err error
		if sealer, err = a.sealer(f); err != nil {
			return nil, err
		}
	}
	// The run's bound starts now: the connection counts against it.
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	opts := fleet.EtcdOptions{
		Endpoints: endpoints,
		CAFile:    a.or(f.caFile, envEtcdCAFile), CertFile: a.or(f.certFile, envEtcdCertFile), KeyFile: a.or(f.keyFile, envEtcdKeyFile),
		Username:    a.getenv(envEtcdUsername),
		DialTimeout: min(f.timeout, dialTimeout),
	}
	if pw := a.getenv(envEtcdPassword); pw != "" {
		opts.Password = client.NewSecret(pw)
	}
	if _, err := opts.Config(); err != nil {
		cancel()
		return nil, command.UsageErrorf("%v", err)
	}
	cli, err := fleet.Connect(opts)
	if err == nil {
		err = fleet.CheckQuorum(ctx, cli, key)
	}
	if err != nil {
		if cli != nil {
			_ = cli.Close()
		}
		cancel()
		return nil, err
	}
	return &opened{etcd: cli, key: key, sealer: sealer, ctx: ctx, done: func() { cancel(); _ = cli.Close() }}, nil
}

// sealer loads the sealing key the flags or the environment name. The name is never
// printed (a key pasted where its path belongs would be); a file that its group or others
// may read is used, with a warning, as ssh warns of a private key's.
func (a *app) sealer(f *fleetFlags) (*fleet.Sealer, error) {
	sealFile := a.or(f.sealKeyFile, envSealKeyFile)
	if sealFile == "" {
		return nil, command.UsageErrorf("--seal-key-file is required (or set %s): a file of 32 random bytes, made with head -c 32 /dev/urandom", envSealKeyFile)
	}
	sealer, err := fleet.LoadSealKey(sealFile)
	if err != nil {
		return nil, command.UsageErrorf("--seal-key-file (or %s; its value is not printed): %v", envSealKeyFile, err)
	}
	if mode, open := fleet.SealKeyFileOpen(sealFile); open {
		fmt.Fprintf(a.stderr, "%s: warning: the sealing key file may be read by its group or others (mode %04o): make it 0400 (chmod 0400 FILE; in Kubernetes, defaultMode: 0400)\n", name, mode)
	}
	return sealer, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// when prints a time for a person, or "never".
func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func describe(tok *fleet.Token) string {
	if tok == nil {
		return "none"
	}
	return fmt.Sprintf("%s (expires %s)", tok.ID, when(tok.Expires))
}
