package main

import (
	"github.com/spf13/cobra"
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
unknown (Vault may have acted: check, with list, before you retry). More in
'vault-token help environment' and 'vault-token help exit-codes'.`,
		Version: versionInfo(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	// --version without cobra's -v: -v is --verbose, as in most commands that log requests.
	root.Flags().Bool("version", false, "print the version")
	root.AddCommand(a.generateCmd(), a.listCmd(), a.revokeCmd(), a.rotateCmd(), a.versionsCmd(), a.discoverCmd(), a.versionCmd(),
		a.forwardCmd(fakeProgram, "demo [--verbose]", "Run the whole flow against an in-process fake Vault (no network, no credentials)",
			"  vault-token demo --verbose", "demo"),
		a.forwardCmd(fakeProgram, "fake --cert-out FILE [--addr 127.0.0.1:PORT] [-o text|env|json] [--lenient] [--fault NAME]",
			"Serve the fake Vault on loopback for other teams' integration tests",
			"  source <(vault-token fake -o env --cert-out /tmp/fake-vault.pem)\n  vault-token generate --me --name first-token"),
		a.forwardCmd(fleetProgram, "fleet rotate|status|token --etcd ENDPOINTS --key KEY [--seal-key-file FILE]",
			"Rotate and read a token a fleet of services shares through etcd",
			"  vault-token fleet status --etcd https://etcd:2379 --key /vault-token/svc\n  vault-token fleet rotate --if-due --etcd https://etcd:2379 --key /vault-token/svc --seal-key-file /run/secrets/fleet-seal \\\n      --vault myvault.veevavault.com --me --name svc-integration"))
	root.AddCommand(helpTopics()...)
	return root
}
