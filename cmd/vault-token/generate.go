package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/acme/vault-token/client"
)

const generateExample = `VAULT_USERNAME=olivia@veepharm.com vault-token generate --vault myvault.veevavault.com \
      --sandbox "VeePharm Sandbox" --name IntegrationKey --expires 90d --output json --out-file token.json`

func (a *app) generate(ctx context.Context, args []string) error {
	fs := newFlagSet("generate", "--vault DNS (--user ID | --me | --sandbox NAME) --name NAME [flags]", generateExample, a.stderr)
	var c common
	c.register(fs, a.getenv)
	user := fs.String("user", "", "create the token for the user with this numeric ID")
	me := fs.Bool("me", false, "create the token for the authenticated user")
	sandbox := fs.String("sandbox", "", "create the token for the authenticated user in this sandbox, named as on My Vaults")
	name := fs.String("name", "", "the token's name or description (required)")
	expires := fs.String("expires", "", "an RFC 3339 time, a date YYYY-MM-DD, or a duration such as 90d (default: never, if the security profile allows)")
	output := fs.String("output", "text", "text (the token alone) or json")
	outFile := fs.String("out-file", "", "write the result to this file, mode 0600, instead of stdout")
	force := fs.Bool("force", false, "let --out-file replace an existing file")
	passwordStdin := fs.Bool("password-stdin", false, "read VAULT_USERNAME's password from the first line of stdin")
	jsonBody := fs.Bool("json-body", false, "send the request body as JSON instead of form-urlencoded")
	if err := parse(fs, args); err != nil {
		return err
	}

	targets := 0
	for _, set := range []bool{*user != "", *me, *sandbox != ""} {
		if set {
			targets++
		}
	}
	if targets != 1 {
		return usageErrorf("generate: give exactly one of --user ID, --me or --sandbox NAME")
	}
	if *name == "" {
		return usageErrorf("generate: --name is required")
	}
	if *output != "text" && *output != "json" {
		return usageErrorf("generate: --output must be text or json")
	}
	req, err := parseExpires(*expires, a.now())
	if err != nil {
		return err
	}
	req.Name = *name
	creds, err := a.credentials(*passwordStdin)
	if err != nil {
		return err
	}
	var extra []client.Option
	if *jsonBody {
		extra = append(extra, client.WithJSONRequests())
	}
	cl, err := a.newClient(c, creds, extra...)
	if err != nil {
		return err
	}

	// Vault shows a token once: make sure it can be saved before creating it.
	var out *outputFile
	if *outFile != "" {
		if out, err = prepareOutputFile(*outFile, *force); err != nil {
			return err
		}
		defer out.discard()
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var tok *client.Token
	switch {
	case *user != "":
		tok, err = cl.GenerateAPIAccessToken(ctx, *user, req)
	case *me:
		tok, err = cl.GenerateMyAPIAccessToken(ctx, req)
	default:
		tok, err = cl.GenerateSandboxAPIAccessToken(ctx, *sandbox, req)
	}
	if err != nil {
		return err
	}
	for _, w := range tok.Response.Warnings {
		fmt.Fprintf(a.stderr, "vault-token: warning %s: %s\n", w.Type, w.Message)
	}

	result, err := formatToken(tok, *output, c.vault, *user, *sandbox, *name, req)
	if err != nil {
		return err
	}
	if out != nil {
		// The token exists and cannot be shown again, and --out-file says it must not
		// reach stdout (a CI log, say): keep it in the temporary file if that much worked.
		if err := out.write(result); err != nil {
			return fmt.Errorf("token %s was created but could not be written, and is not printed: delete it in Vault and try again: %w", tok.ID, err)
		}
		if err := out.commit(); err != nil {
			out.keep()
			return fmt.Errorf("token %s was created and written to %s (mode 0600), but could not be moved to %s: %w", tok.ID, out.tmp.Name(), *outFile, err)
		}
		fmt.Fprintf(a.stderr, "vault-token: token %s written to %s (execution ID %s)\n", tok.ID, *outFile, tok.Response.ExecutionID)
		return nil
	}
	_, err = a.stdout.Write(result)
	return err
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
	if !o.done {
		_ = o.tmp.Close()
		_ = os.Remove(o.tmp.Name())
	}
}
