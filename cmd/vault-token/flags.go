package main

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

// vaultFlags are the flags of every command that talks to a Vault.
type vaultFlags struct {
	vault, apiVersion, clientID string
	net                         *netFlags
	creds                       *credFlags
}

// netFlags are the flags of every command that makes a network call: how long to wait,
// what to trust beside the system's roots, whether to log each request.
type netFlags struct {
	timeout time.Duration
	caFile  string
	verbose bool
}

func addNetFlags(cmd *cobra.Command) *netFlags {
	f := &netFlags{}
	fs := cmd.Flags()
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "give up after this long")
	fs.StringVar(&f.caFile, "ca-file", "", "also trust the certificates in this PEM file, such as the fake Vault's (default $"+command.EnvCAFile+")")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "log each request to stderr (secrets are never logged)")
	return f
}

// options are the client options the flags set.
func (a *app) netOptions(f *netFlags) ([]client.Option, error) {
	if f.timeout <= 0 {
		return nil, command.UsageErrorf("--timeout must be positive")
	}
	hc, err := a.httpClient(f.caFile)
	if err != nil {
		return nil, err
	}
	hc.Timeout = f.timeout
	opts := []client.Option{client.WithHTTPClient(hc), client.WithUserAgent("vault-token/" + client.Version)}
	if f.verbose {
		opts = append(opts, client.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return opts, nil
}

func addVaultFlags(cmd *cobra.Command) *vaultFlags {
	f := &vaultFlags{}
	fs := cmd.Flags()
	fs.StringVar(&f.vault, "vault", "", "the Vault's DNS, such as myvault.veevavault.com (default $VEEVA_VAULT_DNS)")
	fs.StringVar(&f.apiVersion, "api-version", client.DefaultAPIVersion, "the Vault API version")
	fs.StringVar(&f.clientID, "client-id", "", "X-VaultAPI-ClientID for Vault's API usage logs, such as acme-vault-ops-server-tokenbot")
	f.net = addNetFlags(cmd)
	f.creds = addCredFlags(cmd)
	return f
}

// connect builds the client the flags and the environment describe, and the context the
// command's calls run in, which --timeout bounds. It sends nothing. Call done when the
// command is through (it is a no-op after an error).
func (a *app) connect(cmd *cobra.Command, f *vaultFlags, extra ...client.Option) (cl *client.Client, ctx context.Context, done context.CancelFunc, err error) {
	cl, err = a.newClient(cmd, f, extra...)
	if err != nil {
		return nil, cmd.Context(), func() {}, err
	}
	ctx, done = context.WithTimeout(cmd.Context(), f.net.timeout)
	if d, _ := ctx.Deadline(); d.After(a.deadline) {
		a.deadline = d
	}
	return cl, ctx, done, nil
}

// newClient reads the credentials and builds the client the flags describe.
func (a *app) newClient(cmd *cobra.Command, f *vaultFlags, extra ...client.Option) (*client.Client, error) {
	dns := f.vault
	if dns == "" {
		dns = a.getenv("VEEVA_VAULT_DNS")
	}
	if strings.TrimSpace(dns) == "" {
		return nil, command.UsageErrorf("--vault is required (or set VEEVA_VAULT_DNS)")
	}
	opts, err := a.netOptions(f.net)
	if err != nil {
		return nil, err
	}
	creds, err := a.credentials(cmd, f.creds)
	if err != nil {
		return nil, err
	}
	opts = append(opts,
		client.WithCredentials(creds),
		client.WithLoginHost(f.creds.oauthLoginHost), // for the SSO hint (ssoHint)
		client.WithAPIVersion(f.apiVersion),
	)
	if f.clientID != "" {
		opts = append(opts, client.WithClientID(f.clientID))
	}
	cl, err := client.New(dns, append(opts, extra...)...)
	if err == nil {
		a.clients = append(a.clients, cl)
	}
	return cl, err
}

// runE marks what a command's body returns as an error of the run (report tells a usage
// error or invalid input from a Vault or network error), apart from the errors cobra finds
// in the command line before running it, which are all usage errors.
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	run := command.RunE(f)
	return func(cmd *cobra.Command, args []string) error {
		if err := missingFlags(cmd); err != nil {
			return err
		}
		return run(cmd, args)
	}
}

// requiredAnnotation marks a flag a command cannot run without. runE checks it, to say so
// in the operator's words where cobra's MarkFlagRequired would print its own phrasing.
const requiredAnnotation = "vault-token/required"

func markRequired(cmd *cobra.Command, name string) {
	_ = cmd.Flags().SetAnnotation(name, requiredAnnotation, []string{"true"})
}

// missingFlags is the usage error for the required flags the command line leaves out.
func missingFlags(cmd *cobra.Command) error {
	var missing []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Annotations[requiredAnnotation]; ok && !f.Changed {
			missing = append(missing, "--"+f.Name)
		}
	})
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return command.UsageErrorf("give %s: it has no default", missing[0])
	}
	return command.UsageErrorf("give %s: they have no default", strings.Join(missing, " and "))
}

// exactlyOne refuses a command line that sets none, or more than one, of the named flags,
// in the operator's words ("give one of --user, --me or --sandbox"), where cobra's flag
// groups would print its own phrasing.
func exactlyOne(cmd *cobra.Command, names ...string) error {
	var set []string
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			set = append(set, "--"+n)
		}
	}
	flags := make([]string, len(names))
	for i, n := range names {
		flags[i] = "--" + n
	}
	list := strings.Join(flags[:len(flags)-1], ", ") + " or " + flags[len(flags)-1]
	switch {
	case len(set) == 0:
		return command.UsageErrorf("say whose tokens: give one of %s", list)
	case len(set) > 1:
		return command.UsageErrorf("%s cannot be used together: give one of %s", strings.Join(set, " and "), list)
	}
	return nil
}
