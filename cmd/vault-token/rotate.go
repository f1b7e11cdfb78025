package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
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
	dryRun       bool
}

func (a *app) rotateCmd() *cobra.Command {
	o := &rotateOptions{}
	cmd := &cobra.Command{
		Use:   "rotate (--user ID | --me | --sandbox NAME --sandbox-vault DNS) --name NAME [--keep N] [flags]",
		Short: "Replace a token: create a new one, save it, then revoke the older ones with its name",
		Long: `Replace a token. In this order, which is the point: list the active tokens with exactly
the given name; create a new token; write it (stdout, or --out-file, settled before anything
is created); only then revoke, from that first list, those beyond --keep. --keep keeps the
tokens that expire last (one that never expires counts as last; tokens that expire at the
same moment are kept together rather than one guessed). A token made while the rotation
runs, or with another name, is never revoked. If writing fails nothing is revoked; if
revoking fails the new token is kept and the command exits 1. What was kept and revoked is
reported on stderr.

With --out-file, the rotation holds a lock on FILE.lock beside the file from before the
listing until the revokes are done: a second rotation of the same file waits for it (up to
--timeout), so rotations of one file never revoke each other's token.

A sandbox's tokens can only be listed with a token of the sandbox, so with --sandbox the
listing comes after the new token is made, with it.

--dry-run does everything up to the first call that would change Vault (credentials, login,
the listing, the --out-file checks) and prints what it would create, keep and revoke; it
creates, revokes and writes nothing.`,
		Example: rotateExample,
		Args:    command.NoArgs,
		RunE:    runE(func(cmd *cobra.Command, _ []string) error { return a.rotate(cmd, o) }),
	}
	o.newTokenFlags = addNewTokenFlags(cmd, newTokenHelp{
		user:    "the token of the user with this numeric ID",
		me:      "your own token",
		sandbox: "your own token in this sandbox, named as on My Vaults",
		name:    "the token's name: older active tokens with exactly this name are revoked",
		expires: "the new token's expiry: " + command.ExpiresForms,
		outFile: "write the new token to this file, mode 0600, instead of stdout",
	})
	fs := cmd.Flags()
	fs.StringVar(&o.sandboxVault, "sandbox-vault", "", "the sandbox's own DNS, where its tokens are listed and revoked (with --sandbox)")
	fs.IntVar(&o.keep, "keep", 0, "how many older tokens to keep active: those that expire last")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be created, kept and revoked, and change nothing")
	return cmd
}

func (a *app) rotate(cmd *cobra.Command, o *rotateOptions) error {
	if (o.sandbox != "") != (o.sandboxVault != "") {
		return command.UsageErrorf("--sandbox and --sandbox-vault go together: a sandbox's tokens are listed and revoked in its own Vault, at --sandbox-vault DNS")
	}
	req, out, err := a.start(cmd, o.newTokenFlags, o.dryRun)
	if err != nil {
		return err
	}
	defer out.discard()
	cl, ctx, done, err := a.connect(cmd, o.vault)
	defer done()
	if err != nil {
		return err
	}
	if o.outFile != "" && !o.dryRun {
		// The wait for the lock counts against --timeout, as the rest of the run does.
		release, err := lockOutputFile(ctx, o.outFile, func(lock string) {
			fmt.Fprintf(a.stderr, "vault-token: waiting for another rotation of %s (it holds %s)\n", o.outFile, lock)
		})
		if err != nil {
			return err
		}
		defer release()
		// Everything about the file is decided while holding the lock: a rotation that
		// waited for another may find the file that one wrote.
		if err := checkTarget(o.outFile, o.force); err != nil {
			return command.UsageErrorf("--out-file: %v", err)
		}
	}
	rreq := client.RotateRequest{
		TokenRequest: req, UserID: o.user, Me: o.me, Sandbox: o.sandbox, SandboxVault: o.sandboxVault, Keep: o.keep,
		Store: func(_ context.Context, tok *client.Token) error {
			result, err := formatToken(tok, o.output.value, cl.VaultDNS(), jsonUser(ctx, cl, o.user, o.output.value, tok), o.sandbox, o.name, req)
			if err != nil {
				return err
			}
			return a.deliver(tok, result, out, o.outFile)
		},
	}
	if o.dryRun {
		return a.rotateDryRun(ctx, cl, rreq, o.output.value)
	}
	rot, err := cl.RotateAPIAccessToken(ctx, rreq)
	if rot != nil {
		for _, t := range rot.Kept {
			fmt.Fprintf(a.stderr, "vault-token: kept %s (an older token named %s, expires %s)\n", t.ID, display(t.Name), expiryText(t))
		}
		failed := a.printRevocations(prefixed{a.stderr}, rot.Revoked)
		if err == nil && failed > 0 {
			err = fmt.Errorf("the new token %s is stored, but %d older tokens were not revoked", rot.New.ID, failed)
		}
	}
	return err
}

// rotationPlan is what rotate --dry-run prints with -o json.
type rotationPlan struct {
	Create plannedToken `json:"create"`
	Keep   []tokenRow   `json:"keep"`
	Revoke []tokenRow   `json:"revoke"`
	// Unlisted says why keep and revoke are empty in a sandbox: its tokens are listed with
	// the new token, which a dry run does not make.
	Unlisted string `json:"unlisted,omitempty"`
}

type plannedToken struct {
	Name    string `json:"name"`
	User    string `json:"user"`
	Sandbox string `json:"sandbox,omitempty"`
	Expires string `json:"expires"`
}

// rotateDryRun prints the rotation the request describes, from a listing, and changes
// nothing.
func (a *app) rotateDryRun(ctx context.Context, cl *client.Client, req client.RotateRequest, output string) error {
	plan := rotationPlan{Create: plannedToken{Name: req.Name, User: req.UserID, Sandbox: req.Sandbox, Expires: requestedExpiry(req.TokenRequest)}}
	if plan.Create.User == "" {
		plan.Create.User = "me"
	}
	if req.Sandbox != "" {
		plan.Unlisted = "a sandbox's tokens are listed with the new token, which a dry run does not create"
	} else {
		req.DryRun = true
		rot, err := cl.RotateAPIAccessToken(ctx, req)
		if err != nil {
			return err
		}
		plan.Keep, plan.Revoke = tokenRows(rot.Kept), tokenRows(rot.Revoke)
	}
	if output == "json" {
		return a.printJSON(plan)
	}
	where := ""
	if req.Sandbox != "" {
		where = " in sandbox " + display(req.Sandbox)
	}
	fmt.Fprintf(a.stdout, "would create: a token named %s for user %s%s, expires %s\n", display(plan.Create.Name), plan.Create.User, where, plan.Create.Expires)
	if plan.Unlisted != "" {
		fmt.Fprintf(a.stdout, "would keep and revoke: not known before the new token exists (%s)\n", plan.Unlisted)
		return nil
	}
	for _, t := range plan.Keep {
		fmt.Fprintf(a.stdout, "would keep:   %s %s, expires %s\n", t.ID, display(t.Name), orNever(t.Expires))
	}
	for _, t := range plan.Revoke {
		fmt.Fprintf(a.stdout, "would revoke: %s %s, expires %s\n", t.ID, display(t.Name), orNever(t.Expires))
	}
	if len(plan.Keep)+len(plan.Revoke) == 0 {
		fmt.Fprintf(a.stdout, "would revoke: nothing (no other active token named %s)\n", display(req.Name))
	}
	return nil
}

// requestedExpiry is a token request's expiry as the command prints it.
func requestedExpiry(req client.TokenRequest) string {
	switch {
	case !req.ExpiresAt.IsZero():
		return req.ExpiresAt.UTC().Format(time.RFC3339)
	case !req.ExpiresOn.IsZero():
		return req.ExpiresOn.String()
	}
	return "never"
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
