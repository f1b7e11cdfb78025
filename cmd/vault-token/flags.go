package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/acme/vault-token/client"
)

// common holds the flags every command that talks to a Vault takes.
type common struct {
	vault, apiVersion, clientID string
	timeout                     time.Duration
	verbose                     bool
}

func (c *common) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.vault, "vault", getenv("VAULT_DNS"), "the Vault's DNS, such as myvault.veevavault.com (default $VAULT_DNS)")
	fs.StringVar(&c.apiVersion, "api-version", client.DefaultAPIVersion, "the Vault API version")
	fs.StringVar(&c.clientID, "client-id", "", "X-VaultAPI-ClientID for Vault's API usage logs, such as acme-vault-ops-server-tokenbot")
	fs.DurationVar(&c.timeout, "timeout", time.Minute, "give up after this long")
	fs.BoolVar(&c.verbose, "verbose", false, "log each request to stderr (secrets are never logged)")
}

// newFlagSet returns a flag set whose --help prints the usage line, an example and the flags.
func newFlagSet(name, synopsis, example string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: vault-token %s %s\n\nExample:\n  %s\n\nFlags:\n", name, synopsis, example)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and refuses stray arguments, which usually mean a typo.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("%s: unexpected argument %q (flags come before nothing else; quote names with spaces)", fs.Name(), fs.Arg(0))
	}
	return nil
}

func (a *app) newClient(c common, creds client.Credentials, extra ...client.Option) (*client.Client, error) {
	if strings.TrimSpace(c.vault) == "" {
		return nil, usageErrorf("--vault is required (or set VAULT_DNS)")
	}
	if c.timeout <= 0 {
		return nil, usageErrorf("--timeout must be positive")
	}
	opts := []client.Option{
		client.WithCredentials(creds),
		client.WithAPIVersion(c.apiVersion),
		client.WithHTTPClient(&http.Client{Timeout: c.timeout}),
		client.WithUserAgent("vault-token/" + client.Version),
	}
	if c.clientID != "" {
		opts = append(opts, client.WithClientID(c.clientID))
	}
	if c.verbose {
		opts = append(opts, client.WithLogger(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return client.New(c.vault, append(opts, extra...)...)
}
