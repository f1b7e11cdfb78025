package main

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

func (a *app) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "vault-token",
		Short: "Create Veeva Vault API access tokens",
		Long: `vault-token creates Veeva Vault API access tokens: a safer replacement for hand-written
curl calls.

Credentials come from the environment: VEEVA_VAULT_SESSION_ID, or VEEVA_VAULT_ACCESS_TOKEN,
or VEEVA_VAULT_USERNAME with VEEVA_VAULT_PASSWORD (or --password-stdin, or a prompt on a
terminal), or an OAuth 2.0 / OpenID Connect login: --oauth-profile (or
VEEVA_VAULT_OAUTH_PROFILE) with the identity provider's access token in
VEEVA_VAULT_IDP_TOKEN (or --idp-token-stdin). The Vault is --vault or VEEVA_VAULT_DNS.

stdout carries only the result; messages go to stderr. Exit status: 0 success, 1 a Vault
or network error, 2 a usage error or invalid input (nothing was sent), 3 the outcome is
unknown (Vault may have acted: check, with list, before you retry).`,
		Version:       versionInfo(),
		SilenceErrors: true, // report prints each error once
		SilenceUsage:  true, // and points to --help rather than dumping every flag
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			_ = cmd.Usage()
			return command.UsageErrorf("a command is required")
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	// --version without cobra's -v: -v is --verbose, as in most commands that log requests.
	root.Flags().Bool("version", false, "print the version")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(a.generateCmd(), a.listCmd(), a.revokeCmd(), a.rotateCmd(), a.versionsCmd(), a.discoverCmd(), a.versionCmd(),
		a.forwardCmd("demo [--verbose]", "Run the whole flow against an in-process fake Vault (no network, no credentials)",
			"  vault-token demo --verbose", "demo"),
		a.forwardCmd("fake --cert-out FILE [--addr 127.0.0.1:PORT] [-o text|env|json] [--lenient]",
			"Serve the fake Vault on loopback for other teams' integration tests",
			"  source <(vault-token fake -o env --cert-out /tmp/fake-vault.pem)\n  vault-token generate --me --name first-token"))
	return root
}

// versionInfo is the module's version (from the build), the client's, the spec's and the
// Vault API version the client defaults to.
// buildVersion is what version prints, also as JSON.
type buildVersion struct {
	Version    string `json:"version"`            // the module's, "(devel)" for a build from a clone
	Revision   string `json:"revision,omitempty"` // the commit, when the build recorded one
	Client     string `json:"client"`
	Spec       string `json:"spec"`
	APIVersion string `json:"api_version"`
	Go         string `json:"go"`
}

func readBuildVersion() buildVersion {
	v := buildVersion{Version: "(devel)", Client: client.Version, Spec: openapi.SpecVersion,
		APIVersion: client.DefaultAPIVersion, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v.Version = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v.Revision = s.Value[:12]
			}
		}
	}
	return v
}

func versionInfo() string {
	v := readBuildVersion()
	module := v.Version
	if v.Revision != "" {
		module += " " + v.Revision
	}
	return fmt.Sprintf("vault-token %s (client %s, spec %s, Vault API %s, %s)", module, v.Client, v.Spec, v.APIVersion, v.Go)
}

func (a *app) versionCmd() *cobra.Command {
	output := newChoice("text", "text", "json")
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: runE(func(*cobra.Command, []string) error {
			if output.value == "json" {
				return a.printJSON(readBuildVersion())
			}
			_, err := fmt.Fprintln(a.stdout, versionInfo())
			return err
		}),
	}
	addChoiceFlag(cmd, output, "output", "o", "text or json")
	return cmd
}

// noArgs refuses positional arguments: usually a value whose flag was mistyped, or a
// name with spaces left unquoted.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return command.UsageErrorf("unexpected argument %q (quote a name with spaces)", args[0])
	}
	return nil
}

// flagError turns a flag parsing error into a usage error, with the nearest flag the
// command has when the name was mistyped.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	var notExist *pflag.NotExistError
	name := ""
	if errors.As(err, &notExist) {
		name = notExist.GetSpecifiedName()
	}
	if name == "" {
		return command.UsageErrorf("%s", msg)
	}
	best, bestDist := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := distance(name, f.Name)
		if strings.HasPrefix(f.Name, name) || strings.HasPrefix(name, f.Name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best != "" {
		return command.UsageErrorf("%s (did you mean --%s?)", msg, best)
	}
	return command.UsageErrorf("%s", msg)
}

// distance is the number of edits from a to b: inserting, deleting or changing a letter,
// or swapping two neighbours, the commonest typo ("nmae" is one edit from "name").
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// choice is a flag value that must be one of a few words, checked when it is parsed.
type choice struct {
	allowed []string
	value   string
}

func newChoice(value string, allowed ...string) *choice { return &choice{allowed, value} }

func (c *choice) String() string { return c.value }
func (c *choice) Type() string   { return "string" }
func (c *choice) Set(v string) error {
	for _, a := range c.allowed {
		if v == a {
			c.value = v
			return nil
		}
	}
	return fmt.Errorf("must be %s", strings.Join(c.allowed, " or "))
}

// addChoiceFlag registers a choice flag with its completions.
func addChoiceFlag(cmd *cobra.Command, c *choice, name, short, usage string) {
	cmd.Flags().VarP(c, name, short, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return c.allowed, cobra.ShellCompDirectiveNoFileComp
	})
}
