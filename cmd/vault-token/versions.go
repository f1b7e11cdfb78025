package main

import (
	"fmt"
	"strings"

	"github.com/acme/vault-token/internal/command"
	"github.com/spf13/cobra"
)

func (a *app) versionsCmd() *cobra.Command {
	output := newChoice("text", "text", "json")
	var f *vaultFlags
	cmd := &cobra.Command{
		Use:     "versions [flags]",
		Short:   "List the API versions a Vault supports",
		Long:    "List the API versions a Vault supports (GET /api/), oldest first. The newest may be the Beta.",
		Example: "  VEEVA_VAULT_SESSION_ID=... vault-token versions --vault myvault.veevavault.com -o json",
		Args:    command.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return a.versions(cmd, f, output.value)
		}),
	}
	f = addVaultFlags(cmd)
	addChoiceFlag(cmd, output, "output", "o", "text (one version a line, oldest first) or json")
	return cmd
}

func (a *app) versions(cmd *cobra.Command, f *vaultFlags, output string) error {
	cl, ctx, done, err := a.connect(cmd, f)
	defer done()
	if err != nil {
		return err
	}
	list, err := cl.APIVersions(ctx)
	if err != nil {
		return err
	}
	if output == "text" {
		if len(list.Versions) > 0 {
			fmt.Fprintln(a.stdout, strings.Join(list.Versions, "\n"))
		}
		if beta, ok := list.Latest(true); ok {
			fmt.Fprintf(a.stderr, "vault-token: the newest, %s, may be the Beta version\n", beta)
		}
		return nil
	}
	ga, _ := list.Latest(false)
	beta, _ := list.Latest(true)
	return a.printJSON(map[string]any{
		"versions": list.Versions, "latest": ga, "beta": beta, "execution_id": list.Response.ExecutionID,
	})
}
