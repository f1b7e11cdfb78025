package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

const generateExample = `  # A token for user 12345, valid 90 days, the value alone on stdout
  VEEVA_VAULT_SESSION_ID=... vault-token generate --vault myvault.veevavault.com --user 12345 --name CI --expires 90d

  # A token in a sandbox, as JSON, written to a 0600 file (never to stdout)
  VEEVA_VAULT_USERNAME=olivia@veepharm.com vault-token generate --vault myvault.veevavault.com \
      --sandbox "VeePharm Sandbox" --name IntegrationKey --expires 2026-12-31 -o json --out-file token.json

  # Logged in with OAuth 2.0 / OpenID Connect: your identity provider's access token on stdin
  get-idp-token | vault-token generate --vault myvault.veevavault.com --oauth-profile 0oa1a2b3c4 \
      --idp-token-stdin --me --name CI`

func (a *app) generateCmd() *cobra.Command {
	var o *newTokenFlags
	cmd := &cobra.Command{
		Use:   "generate (--user ID | --me | --sandbox NAME) --name NAME [--expires WHEN] [flags]",
		Short: "Create an API access token",
		Long: `Create an API access token for a user by ID (--user), for yourself (--me), or for yourself
in a sandbox, named as on the My Vaults page (--sandbox). Vault shows a token's value once:
it goes to stdout, or with --out-file to a file of mode 0600, settled before the token is
created. --expires takes an RFC 3339 time (sent in UTC), a date YYYY-MM-DD (23:59:59 in the
user's time zone), a life from now such as 90d, 2w or 12h, or never; without it (or with
never) the token never expires, if the user's security profile allows.`,
		Example: generateExample,
		Args:    command.NoArgs,
		RunE:    runE(func(cmd *cobra.Command, _ []string) error { return a.generate(cmd, o) }),
	}
	o = addNewTokenFlags(cmd, newTokenHelp{
		user:    "create the token for the user with this numeric ID",
		me:      "create the token for the authenticated user",
		sandbox: "create the token for the authenticated user in this sandbox, named as on My Vaults",
		name:    "the token's name or description",
		expires: command.ExpiresForms + " (default: never, if the security profile allows)",
		outFile: "write the result to this file, mode 0600, instead of stdout",
	})
	return cmd
}

func (a *app) generate(cmd *cobra.Command, o *newTokenFlags) error {
	req, out, err := a.start(cmd, o, false)
	if err != nil {
		return err
	}
	defer out.discard()
	cl, ctx, done, err := a.connect(cmd, o.vault)
	defer done()
	if err != nil {
		return err
	}
	var tok *client.Token
	switch {
	case o.user != "":
		tok, err = cl.GenerateAPIAccessToken(ctx, o.user, req)
	case o.me:
		tok, err = cl.GenerateMyAPIAccessToken(ctx, req)
	default:
		tok, err = cl.GenerateSandboxAPIAccessToken(ctx, o.sandbox, req)
	}
	if err != nil {
		return err
	}
	for _, w := range tok.Response.Warnings {
		fmt.Fprintf(a.stderr, "vault-token: warning %s: %s\n", w.Type, w.Message)
	}

	result, err := formatToken(tok, o.output.value, cl.VaultDNS(), jsonUser(ctx, cl, o.user, o.output.value, tok), o.sandbox, o.name, req)
	if err != nil {
		return err
	}
	return a.deliver(tok, result, out, o.outFile)
}

// tokenJSON is the --output json shape.
type tokenJSON struct {
	ID          string           `json:"id"`
	Token       string           `json:"token"`
	Name        string           `json:"name"`
	Vault       string           `json:"vault"`
	User        string           `json:"user"`
	Sandbox     string           `json:"sandbox,omitempty"`
	Expires     string           `json:"expires,omitempty"`
	ExecutionID string           `json:"execution_id"`
	Warnings    []client.Message `json:"warnings,omitempty"`
}

// jsonUser is the user a JSON result names: --user's ID, or for --me (and a sandbox) the
// authenticated user's numeric ID, from the reply's X-VaultAPI-UserId or the client (the
// login, else one Validate Session User call); "me" when neither could say. Only -o json
// asks, and a failure here never costs the token just made.
func jsonUser(ctx context.Context, cl *client.Client, user, output string, tok *client.Token) string {
	switch {
	case user != "" || output != "json":
		return user
	case tok.Response.UserID != "":
		return tok.Response.UserID
	}
	if id, err := cl.MyUserID(ctx); err == nil {
		return id
	}
	return "me"
}

func formatToken(tok *client.Token, output, vault, user, sandbox, name string, req client.TokenRequest) ([]byte, error) {
	if output == "text" {
		return []byte(tok.Value.Reveal() + "\n"), nil
	}
	if user == "" {
		user = "me"
	}
	expires := ""
	switch {
	case !req.ExpiresAt.IsZero():
		expires = req.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")
	case !req.ExpiresOn.IsZero():
		expires = req.ExpiresOn.String()
	}
	return command.EncodeJSON(tokenJSON{
		ID: tok.ID, Token: tok.Value.Reveal(), Name: name, Vault: vault, User: user, Sandbox: sandbox,
		Expires: expires, ExecutionID: tok.Response.ExecutionID, Warnings: tok.Response.Warnings,
	})
}
