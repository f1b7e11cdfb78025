package main

import "github.com/spf13/cobra"

// Help topics: what `go install` users cannot read in a man page (they have none without a
// clone and make man), one `vault-token help TOPIC` away. Cobra lists a command without a
// Run as an additional help topic.

const environmentHelp = `vault-token reads these environment variables. No secret is ever a flag: a flag shows in the
process list and the shell history.

  VEEVA_VAULT_DNS            the Vault, when --vault is not given (myvault.veevavault.com)
  VEEVA_VAULT_SESSION_ID     a session ID to call Vault with
  VEEVA_VAULT_ACCESS_TOKEN   an API access token to call Vault with (sent as Bearer)
  VEEVA_VAULT_USERNAME       the user of a password login
  VEEVA_VAULT_PASSWORD       that user's password (or --password-stdin, or a prompt on a terminal)
  VEEVA_VAULT_OAUTH_PROFILE  an OAuth 2.0 / OpenID Connect profile ID, as --oauth-profile
  VEEVA_VAULT_IDP_TOKEN      the identity provider's access token for that login (or --idp-token-stdin)
  VEEVA_VAULT_LOGIN_HOST     Veeva's login host, when --oauth-login-host is not given
  VEEVA_VAULT_CA_FILE        certificates (PEM) to trust beside the system's, as --ca-file

Give one kind of credentials: two at once are refused rather than one silently winning.
The VEEVA_ prefix keeps them apart from HashiCorp Vault's VAULT_* variables.
vault-token-fake -o env exports VEEVA_VAULT_DNS, VEEVA_VAULT_CA_FILE,
VEEVA_VAULT_LOGIN_HOST and a user for its fake Vault.`

const exitCodesHelp = `vault-token exits with:

  0      success
  1      Vault refused, or the network failed: nothing was changed, safe to retry
  2      a usage error or invalid input: nothing was sent
  3      Vault may have acted but the outcome is unknown (a token may exist, a revoke may
         have happened): check with vault-token list before you retry. This wins over a
         signal that stopped the command while such a request was in flight.
  128+N  stopped by signal N otherwise (130 for Ctrl-C, 143 for SIGTERM)

Rehearse 1 and 3 against the fake: vault-token fake --fault drop-after-create (or refuse,
token-cap, login-limit).`

func helpTopics() []*cobra.Command {
	return []*cobra.Command{
		{Use: "environment", Short: "The environment variables vault-token reads", Long: environmentHelp},
		{Use: "exit-codes", Short: "What each exit status means, and how to rehearse them", Long: exitCodesHelp},
	}
}
