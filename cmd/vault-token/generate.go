package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
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
user's time zone) or a duration such as 90d, 2w or 12h; without it the token never expires,
if the user's security profile allows.`,
		Example: generateExample,
		Args:    noArgs,
		RunE:    runE(func(cmd *cobra.Command, _ []string) error { return a.generate(cmd, o) }),
	}
	o = addNewTokenFlags(cmd, newTokenHelp{
		user:    "create the token for the user with this numeric ID",
		me:      "create the token for the authenticated user",
		sandbox: "create the token for the authenticated user in this sandbox, named as on My Vaults",
		name:    "the token's name or description",
		expires: "an RFC 3339 time, a date YYYY-MM-DD, or a duration such as 90d (default: never, if the security profile allows)",
		outFile: "write the result to this file, mode 0600, instead of stdout",
	})
	return cmd
}

func (a *app) generate(cmd *cobra.Command, o *newTokenFlags) error {
	req, out, cl, err := a.start(cmd, o)
	if err != nil {
		return err
	}
	defer out.discard()

	ctx, cancel := context.WithTimeout(cmd.Context(), o.vault.timeout)
	defer cancel()
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

	result, err := formatToken(tok, o.output.value, cl.VaultDNS(), o.user, o.sandbox, o.name, req)
	if err != nil {
		return err
	}
	return a.deliver(tok, result, out, o.outFile)
}

// deliver puts a new token's result where it goes: the --out-file prepared for it, or
// stdout.
func (a *app) deliver(tok *client.Token, result []byte, out *outputFile, path string) error {
	if out == nil {
		_, err := a.stdout.Write(result)
		return err
	}
	// The token exists and cannot be shown again, and --out-file says it must not reach
	// stdout (a CI log, say): keep it in the temporary file if that much worked.
	if err := out.write(result); err != nil {
		return fmt.Errorf("token %s was created but could not be written, and is not printed: delete it in Vault and try again: %w", tok.ID, err)
	}
	if err := out.commit(); err != nil {
		out.keep()
		return fmt.Errorf("token %s was created and written to %s (mode 0600), but could not be moved to %s: %w", tok.ID, out.tmp.Name(), path, err)
	}
	fmt.Fprintf(a.stderr, "vault-token: token %s written to %s (execution ID %s)\n", tok.ID, path, tok.Response.ExecutionID)
	return nil
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
	b, err := json.MarshalIndent(tokenJSON{
		ID: tok.ID, Token: tok.Value.Reveal(), Name: name, Vault: vault, User: user, Sandbox: sandbox,
		Expires: expires, ExecutionID: tok.Response.ExecutionID, Warnings: tok.Response.Warnings,
	}, "", "  ")
	return append(b, '\n'), err
}

// outputFile is a 0600 temporary file beside the target, made before the token is created
// and moved into place after: Vault shows a token once, so where it goes is settled before
// it exists.
type outputFile struct {
	tmp    *os.File
	target string
	force  bool
	done   bool
}

// checkTarget refuses an --out-file that exists (without --force) or that is anything but
// a regular file: a symlink could send the token elsewhere, and replacing a device, a FIFO
// or a directory (/dev/stdout as root, say) is never what was meant.
func checkTarget(target string, force bool) error {
	info, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s is %s, not a regular file: refusing to replace it", target, describeMode(info.Mode()))
	case !force:
		return fmt.Errorf("%s exists: pass --force to replace it", target)
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

func prepareOutputFile(target string, force bool) (*outputFile, error) {
	if err := checkTarget(target, force); err != nil {
		return nil, usageErrorf("--out-file: %v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), ".vault-token-*")
	if err != nil {
		return nil, usageErrorf("--out-file: cannot write in %s: %v", filepath.Dir(target), err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("--out-file: %w", err)
	}
	return &outputFile{tmp: tmp, target: target, force: force}, nil
}

// write puts data in the temporary file, durably.
func (o *outputFile) write(data []byte) error {
	if _, err := o.tmp.Write(data); err != nil {
		return err
	}
	if err := o.tmp.Sync(); err != nil {
		return err
	}
	return o.tmp.Close()
}

// commit moves the written temporary file into place.
func (o *outputFile) commit() error {
	// The target is checked again: it may have changed since the token was asked for.
	if err := checkTarget(o.target, o.force); err != nil {
		return err
	}
	if o.force {
		if err := os.Rename(o.tmp.Name(), o.target); err != nil {
			return err
		}
	} else {
		// A hard link fails if the target appeared meanwhile: never overwrite silently.
		if err := os.Link(o.tmp.Name(), o.target); err != nil {
			return err
		}
		_ = os.Remove(o.tmp.Name())
	}
	o.done = true
	return nil
}

// keep leaves the temporary file in place, holding a token that could not be moved.
func (o *outputFile) keep() { o.done = true }

// discard removes the temporary file unless commit moved it into place or keep kept it.
func (o *outputFile) discard() {
	if o != nil && !o.done {
		_ = o.tmp.Close()
		_ = os.Remove(o.tmp.Name())
	}
}
