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
	vault                             *vaultFlags
	user, sandbox, sandboxVault, name string
	me, force                         bool
	expires, outFile                  string
	keep                              int
	output                            *choice
}

func (a *app) rotateCmd() *cobra.Command {
	o := &rotateOptions{output: newChoice("text", "text", "json")}
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
	o.vault = addVaultFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&o.user, "user", "", "the token of the user with this numeric ID")
	fs.BoolVar(&o.me, "me", false, "your own token")
	fs.StringVar(&o.sandbox, "sandbox", "", "your own token in this sandbox, named as on My Vaults")
	fs.StringVar(&o.sandboxVault, "sandbox-vault", "", "the sandbox's own DNS, where its tokens are listed and revoked (with --sandbox)")
	fs.StringVar(&o.name, "name", "", "the token's name: older active tokens with exactly this name are revoked")
	fs.StringVar(&o.expires, "expires", "", "the new token's expiry: an RFC 3339 time, a date YYYY-MM-DD, or a duration such as 30d")
	fs.IntVar(&o.keep, "keep", 0, "how many of the newest older tokens to keep active")
	addChoiceFlag(cmd, o.output, "output", "o", "text (the token alone) or json")
	fs.StringVar(&o.outFile, "out-file", "", "write the new token to this file, mode 0600, instead of stdout")
	fs.BoolVar(&o.force, "force", false, "let --out-file replace an existing regular file")
	cmd.MarkFlagsMutuallyExclusive("user", "me", "sandbox")
	cmd.MarkFlagsOneRequired("user", "me", "sandbox")
	cmd.MarkFlagsRequiredTogether("sandbox", "sandbox-vault")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func (a *app) rotate(cmd *cobra.Command, o *rotateOptions) error {
	req, err := parseExpires(o.expires, a.now())
	if err != nil {
		return err
	}
	req.Name = o.name
	var out *outputFile
	if o.outFile != "" {
		if out, err = prepareOutputFile(o.outFile, o.force); err != nil {
			return err
		}
		defer out.discard()
	}
	cl, err := a.newClient(cmd, o.vault)
	if err != nil {
		return err
	}
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
