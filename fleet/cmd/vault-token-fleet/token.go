package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/command"
)

func (a *app) tokenCmd() *cobra.Command {
	var f *fleetFlags
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the fleet's current token, for a script",
		Long: `token prints the fleet's current token, and nothing else, on stdout: the one command that
prints a token's value. From etcd it opens the sealed value with the sealing key; a
Kubernetes Secret (--secret) holds it unsealed, and no key is needed. A program in Go
should use the fleet package's Source instead, which follows rotations as they happen.`,
		Example: `  VEEVA_VAULT_ACCESS_TOKEN="$(vault-token fleet token --etcd https://etcd:2379 --key /vault-token/svc --seal-key-file /run/secrets/fleet-seal)"`,
		Args:    command.NoArgs,
		RunE: command.RunE(func(cmd *cobra.Command, _ []string) error {
			o, err := a.open(cmd, f, sealOpen, "text")
			if err != nil {
				return err
			}
			defer o.done()
			tok, err := fleet.CurrentToken(o.ctx, o.store, o.sealer)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.stdout, tok.Reveal())
			return err
		}),
	}
	f = addFleetFlags(cmd, "text", lookTimeout)
	return cmd
}
