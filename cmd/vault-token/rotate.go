package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
)

const rotateExample = `  # Nightly: a new 30-day token for user 12345 named "CI", written to a 0600 file first,
  # then every older active token named "CI" revoked
  vault-token rotate --vault myvault.veevavault.com --user 12345 --name CI --expires 30d \
      --out-file /run/secrets/ci-token --force

  # In a sandbox, keeping the newest older token for a day of overlap; the sandbox's own DNS
  # is where its tokens are listed and revoked (with the new token)
  vault-token rotate --sandbox "VeePharm Sandbox" --sandbox-vault veepharm-sandbox.veevavault.com \
      --name CI --keep 1`

type rotateOptions struct {
	*newTokenFlags
	sandboxVault string
	keep         int
}

func (a *app) rotateCmd() *cobra.Command {
	o := &rotateOptions{}
	cmd := &cobra.Command{
		Use:   "rotate (--user ID | --me | --sandbox NAME --sandbox-vault DNS) --name NAME [--keep N] [flags]",
		Short: "Replace a token: create a new one, save it, then revoke the older ones with its name",
		Long: `Replace a token. In this order, which is the point: create a new token; write it (stdout, or
--out-file, settled before anything is created); only then revoke the older active tokens
with exactly the same name, beyond the newest --keep. A token with another name is never
revoked. If writing fails nothing is revoked; if revoking fails the new token is kept and
the command exits 1. What was revoked is reported on stderr.`,
		Example: rotateExample,
		Args:    noArgs,
		RunE:    runE(func(cmd *cobra.Command, _ []string) error { return a.rotate(cmd, o) }),
	}
	o.newTokenFlags = addNewTokenFlags(cmd, newTokenHelp{
		user:    "the token of the user with this numeric ID",
		me:      "your own token",
		sandbox: "your own token in this sandbox, named as on My Vaults",
		name:    "the token's name: older active tokens with exactly this name are revoked",
		expires: "the new token's expiry: an RFC 3339 time, a date YYYY-MM-DD, or a duration such as 30d",
		outFile: "write the new token to this file, mode 0600, instead of stdout",
	})
	fs := cmd.Flags()
	fs.StringVar(&o.sandboxVault, "sandbox-vault", "", "the sandbox's own DNS, where its tokens are listed and revoked (with --sandbox)")
	fs.IntVar(&o.keep, "keep", 0, "how many of the newest older tokens to keep active")
	cmd.MarkFlagsRequiredTogether("sandbox", "sandbox-vault")
	return cmd
}

func (a *app) rotate(cmd *cobra.Command, o *rotateOptions) error {
	req, out, cl, err := a.start(cmd, o.newTokenFlags)
	if err != nil {
		return err
	}
	defer out.discard()
	ctx, cancel := context.WithTimeout(cmd.Context(), o.vault.timeout)
	defer cancel()
	rot, err := cl.RotateAPIAccessToken(ctx, client.RotateRequest{
		TokenRequest: req, UserID: o.user, Me: o.me, Sandbox: o.sandbox, SandboxVault: o.sandboxVault, Keep: o.keep,
		Store: func(_ context.Context, tok *client.Token) error {
			result, err := formatToken(tok, o.output.value, cl.VaultDNS(), o.user, o.sandbox, o.name, req)
			if err != nil {
				return err
			}
			return a.deliver(tok, result, out, o.outFile)
		},
	})
	if rot != nil {
		for _, t := range rot.Kept {
			fmt.Fprintf(a.stderr, "vault-token: kept %s (an older token named %s)\n", t.ID, display(t.Name))
		}
		failed := a.printRevocations(prefixed{a.stderr}, rot.Revoked)
		if err == nil && failed > 0 {
			err = fmt.Errorf("the new token %s is stored, but %d older tokens were not revoked", rot.New.ID, failed)
		}
	}
	return err
}

// prefixed writes each line after "vault-token: ", for what goes to stderr.
type prefixed struct {
	w interface{ Write([]byte) (int, error) }
}

func (p prefixed) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append([]byte("vault-token: "), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
