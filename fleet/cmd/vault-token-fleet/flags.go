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
	"github.com/acme/vault-token/fleet/kube"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/internal/trust"
)

// fleetFlags are the flags of every command: where the record is and how to open it.
type fleetFlags struct {
	etcd, key, sealKeyFile string
	secret, namespace      string // the Kubernetes store
	kubeconfig             string
	caFile, certFile       string
	keyFile                string
	timeout                time.Duration // 0: the command runs until stopped (agent)
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
	fs.StringVar(&f.etcd, "etcd", "", "the etcd cluster's endpoints, comma-separated, such as https://etcd-0:2379,https://etcd-1:2379 (default $"+command.EnvEtcd+")")
	fs.StringVar(&f.key, "key", "", "the record's etcd key, one per fleet token, such as /vault-token/myvault/integration (default $"+command.EnvFleetKey+")")
	fs.StringVar(&f.secret, "secret", "", "the Kubernetes Secret that holds the record, instead of --etcd and --key (default $"+command.EnvFleetSecret+")")
	fs.StringVarP(&f.namespace, "namespace", "n", "", "the Secret's namespace (default: the kubeconfig context's, or the pod's)")
	fs.StringVar(&f.kubeconfig, "kubeconfig", "", "the kubeconfig file for --secret (default $KUBECONFIG, then ~/.kube/config, then the pod's service account)")
	fs.StringVar(&f.sealKeyFile, "seal-key-file", "", "the file holding the fleet's 32-byte sealing key (default $"+command.EnvSealKeyFile+")")
	fs.StringVar(&f.caFile, "etcd-ca-file", "", "also trust the certificates in this PEM file for etcd's TLS (default $"+command.EnvEtcdCAFile+")")
	fs.StringVar(&f.certFile, "etcd-cert-file", "", "a client certificate for etcd (default $"+command.EnvEtcdCertFile+")")
	fs.StringVar(&f.keyFile, "etcd-key-file", "", "the client certificate's key (default $"+command.EnvEtcdKeyFile+")")
	if timeout > 0 {
		fs.DurationVar(&f.timeout, "timeout", timeout, "give up after this long: it bounds the whole run, clean-up included")
	}
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

// opened is what every command works with: the record's store, the sealer, and the
// context the command's calls run in.
type opened struct {
	store  fleet.Store
	etcd   *clientv3.Client // nil for the Kubernetes store
	key    string           // the store's name for the record
	sealer *fleet.Sealer
	ctx    context.Context
	done   func()
}

// sealNeed says when a command needs the sealing key.
type sealNeed int

const (
	sealNone  sealNeed = iota // it opens no token (status without a Vault to ask)
	sealOpen                  // it opens the current token: the etcd store seals it, the Secret does not
	sealWrite                 // it seals tokens (rotate)
)

// open checks the flags and reaches the store. It sends nothing to Vault.
func (a *app) open(cmd *cobra.Command, f *fleetFlags, need sealNeed, outputs ...string) (*opened, error) {
	if !slices.Contains(outputs, f.output) {
		return nil, command.UsageErrorf("-o %s: choose one of %s", f.output, strings.Join(outputs, ", "))
	}
	if f.timeout <= 0 && cmd.Flags().Lookup("timeout") != nil {
		return nil, command.UsageErrorf("--timeout must be positive")
	}
	endpoints := splitList(a.or(f.etcd, command.EnvEtcd))
	key := a.or(f.key, command.EnvFleetKey)
	secret := a.or(f.secret, command.EnvFleetSecret)
	switch {
	case secret != "" && (len(endpoints) > 0 || key != ""):
		return nil, command.UsageErrorf("give the Kubernetes store (--secret) or the etcd store (--etcd and --key), not both")
	case secret == "" && (f.namespace != "" || f.kubeconfig != ""):
		return nil, command.UsageErrorf("--namespace and --kubeconfig are for the Kubernetes store: give --secret too")
	case secret != "":
		return a.openKube(cmd, f, secret, need)
	}
	if len(endpoints) == 0 {
		return nil, command.UsageErrorf("--etcd is required (or set %s), or --secret for the Kubernetes store", command.EnvEtcd)
	}
	if key == "" {
		return nil, command.UsageErrorf("--key is required (or set %s)", command.EnvFleetKey)
	}
	var sealer *fleet.Sealer
	if need != sealNone {
		var err error
		if sealer, err = a.sealer(f); err != nil {
			return nil, err
		}
	}
	ctx, cancel, dial := a.bound(cmd, f)
	opts := fleet.EtcdOptions{
		Endpoints: endpoints,
		CAFile:    a.or(f.caFile, command.EnvEtcdCAFile), CertFile: a.or(f.certFile, command.EnvEtcdCertFile), KeyFile: a.or(f.keyFile, command.EnvEtcdKeyFile),
		Username:    a.getenv(command.EnvEtcdUsername),
		DialTimeout: dial,
	}
	if pw := a.getenv(command.EnvEtcdPassword); pw != "" {
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
	store, err := fleet.NewEtcdStore(cli, key)
	if err != nil {
		_ = cli.Close()
		cancel()
		return nil, err
	}
	return &opened{store: store, etcd: cli, key: key, sealer: sealer, ctx: ctx, done: func() { cancel(); _ = cli.Close() }}, nil
}

// bound is the run's context: its bound starts now, so the connection counts against it;
// and how long the first connection may take.
func (a *app) bound(cmd *cobra.Command, f *fleetFlags) (context.Context, context.CancelFunc, time.Duration) {
	if f.timeout > 0 {
		ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
		return ctx, cancel, min(f.timeout, dialTimeout)
	}
	ctx, cancel := context.WithCancel(cmd.Context()) // the agent's: until stopped
	return ctx, cancel, dialTimeout
}

// openKube reaches the Kubernetes store: the Secret in the namespace, as the kubeconfig or
// the pod's service account says. The token key holds the current token unsealed, so only
// a rotation needs the sealing key (one given is still loaded, and checked).
func (a *app) openKube(cmd *cobra.Command, f *fleetFlags, secret string, need sealNeed) (*opened, error) {
	var sealer *fleet.Sealer
	if need == sealWrite || (need == sealOpen && a.or(f.sealKeyFile, command.EnvSealKeyFile) != "") {
		var err error
		if sealer, err = a.sealer(f); err != nil {
			return nil, err
		}
	}
	kubeconfig := f.kubeconfig
	if kubeconfig == "" {
		kubeconfig = a.getenv("KUBECONFIG")
	}
	cfg, ns, err := kube.LoadConfig(kubeconfig, f.namespace)
	if err != nil {
		return nil, command.UsageErrorf("%v", err)
	}
	cfg.UserAgent = name + "/" + client.Version
	store, err := kube.NewStore(cfg, ns, secret)
	if err != nil {
		return nil, command.UsageErrorf("%v", err)
	}
	ctx, cancel, _ := a.bound(cmd, f)
	return &opened{store: store, key: store.Key(), sealer: sealer, ctx: ctx, done: cancel}, nil
}

// sealer loads the sealing key the flags or the environment name. The name is never
// printed (a key pasted where its path belongs would be); a file that its group or others
// may read is used, with a warning, as ssh warns of a private key's.
func (a *app) sealer(f *fleetFlags) (*fleet.Sealer, error) {
	sealFile := a.or(f.sealKeyFile, command.EnvSealKeyFile)
	if sealFile == "" {
		return nil, command.UsageErrorf("--seal-key-file is required (or set %s): a file of 32 random bytes, made with head -c 32 /dev/urandom", command.EnvSealKeyFile)
	}
	sealer, err := fleet.LoadSealKey(sealFile)
	if err != nil {
		return nil, command.UsageErrorf("--seal-key-file (or %s; its value is not printed): %v", command.EnvSealKeyFile, err)
	}
	if mode, open := fleet.SealKeyFileOpen(sealFile); open {
		fmt.Fprintf(a.stderr, "%s: warning: the sealing key file may be read by its group or others (mode %04o): make it 0400 (chmod 0400 FILE; in Kubernetes, defaultMode: 0400)\n", name, mode)
	}
	return sealer, nil
}

// vaultConnect makes the clients of the Vault at dns, each with its credentials, trusting
// the certificates in caFile beside the system's roots.
func vaultConnect(dns, caFile string) (func(client.Credentials) (*client.Client, error), error) {
	hc, err := trust.HTTPClient(caFile)
	if err != nil {
		return nil, command.UsageErrorf("--ca-file: %v", err)
	}
	return func(c client.Credentials) (*client.Client, error) {
		return client.New(dns, client.WithHTTPClient(hc), client.WithCredentials(c), client.WithUserAgent(name+"/"+client.Version))
	}, nil
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
