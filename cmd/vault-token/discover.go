package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/openapi"
)

func (a *app) discoverCmd() *cobra.Command {
	output := newChoice("text", "text", "json")
	var loginHost string
	var nf *netFlags
	cmd := &cobra.Command{
		Use:   "discover USER",
		Short: "Tell how a user signs in: with a password, or with SSO (and which OAuth profiles)",
		Long: `Ask Veeva's login service how USER signs in (Authentication Type Discovery): with a
password (log in with VEEVA_VAULT_USERNAME and VEEVA_VAULT_PASSWORD), or with single
sign-on (log in with --oauth-profile and the identity provider's token). For SSO it lists
the user's OAuth 2.0 / OpenID Connect profiles. It needs no credentials and no Vault.`,
		Example: "  vault-token discover olivia@veepharm.com\n  vault-token discover olivia@veepharm.com -o json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return command.UsageErrorf("give one user name, such as olivia@veepharm.com")
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			opts, err := a.netOptions(nf)
			if err != nil {
				return err
			}
			host := a.loginHost(cmd, loginHost)
			cl, err := client.New(host, append(opts, client.WithLoginHost(host))...)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), nf.timeout)
			defer cancel()
			d, err := cl.Discover(ctx, args[0])
			if err != nil {
				return err
			}
			if output.value == "json" {
				return a.printJSON(discoveryJSON(args[0], d))
			}
			fmt.Fprintln(a.stdout, display(d.AuthType))
			if len(d.Profiles) > 0 {
				fmt.Fprintln(a.stdout, "OAuth profiles (log in with --oauth-profile ID):")
			}
			for _, p := range d.Profiles {
				line := "  " + display(p.ID)
				if p.Label != "" && p.Label != p.ID {
					line += "  " + display(p.Label)
				}
				fmt.Fprintln(a.stdout, line)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&loginHost, "oauth-login-host", client.DefaultLoginHost, "Veeva's login host, HOST[:PORT] (default $"+command.EnvLoginHost+", else "+client.DefaultLoginHost+")")
	nf = addNetFlags(cmd)
	addChoiceFlag(cmd, output, "output", "o", "text (the type, then a profile a line) or json")
	return cmd
}

type profileJSON struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Description string `json:"description"`
}

func discoveryJSON(user string, d *client.Discovery) any {
	profiles := []profileJSON{}
	for _, p := range d.Profiles {
		profiles = append(profiles, profileJSON{p.ID, p.Label, p.Description})
	}
	return struct {
		User     string        `json:"user"`
		AuthType string        `json:"auth_type"`
		Profiles []profileJSON `json:"profiles"`
	}{user, d.AuthType, profiles}
}

// ssoHintTimeout bounds the discovery call behind the SSO hint: the command has failed
// already, and the hint must not hold it up.
const ssoHintTimeout = 5 * time.Second

// ssoHint explains a password login Vault refused for a user who signs in with SSO: it
// asks the login service how the user signs in, and names the OAuth profiles to use.
// Anything else (a wrong password, a discovery that fails) prints nothing more.
func (a *app) ssoHint(ctx context.Context, err error) {
	var apiErr *client.APIError
	if a.passwordUser == "" || len(a.clients) == 0 || !errors.As(err, &apiErr) ||
		apiErr.Op != openapi.OpAuthenticate || !errors.Is(err, client.ErrorTypeUsernameOrPasswordIncorrect) {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ssoHintTimeout)
	defer cancel()
	d, derr := a.clients[0].Discover(ctx, a.passwordUser)
	if derr != nil || d.AuthType != client.AuthTypeSSO {
		return
	}
	var ids []string
	for _, p := range d.Profiles {
		ids = append(ids, display(p.ID))
	}
	profile := "PROFILE"
	if len(ids) == 1 {
		profile = ids[0]
	}
	fmt.Fprintf(a.stderr, "vault-token: %s signs in with SSO, not a password: log in with --oauth-profile %s and the identity provider's token in VEEVA_VAULT_IDP_TOKEN (profiles: %s)\n",
		display(a.passwordUser), profile, strings.Join(ids, ", "))
}
