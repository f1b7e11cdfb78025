package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
)

const listExample = `  # The active tokens of user 12345, as a table
  vault-token list --vault myvault.veevavault.com --user 12345

  # Your own tokens named "CI key", expired ones too, as JSON
  vault-token list --me --name "CI key" --all -o json`

func (a *app) listCmd() *cobra.Command {
	var f client.TokenFilter
	output := newChoice("table", "table", "json")
	var vf *vaultFlags
	cmd := &cobra.Command{
		Use:   "list (--user ID | --me) [--name NAME] [--all] [flags]",
		Short: "List API access tokens",
		Long: `List a user's API access tokens: their record IDs, names, status, expiry and last use,
never their values. Active ones only, unless --all. For a sandbox's tokens, point --vault at
the sandbox's own DNS.`,
		Example: listExample,
		Args:    noArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			cl, err := a.newClient(cmd, vf)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), vf.timeout)
			defer cancel()
			list, err := cl.ListAPIAccessTokens(ctx, f)
			if err != nil {
				return err
			}
			if output.value == "json" {
				return a.printJSON(tokenRows(list.Tokens))
			}
			return a.printTable(list.Tokens)
		}),
	}
	vf = addVaultFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.UserID, "user", "", "the tokens of the user with this numeric ID")
	fs.BoolVar(&f.Me, "me", false, "your own tokens")
	fs.StringVar(&f.Name, "name", "", "only tokens with exactly this name")
	fs.BoolVar(&f.All, "all", false, "inactive (expired) tokens too")
	addChoiceFlag(cmd, output, "output", "o", "table or json")
	cmd.MarkFlagsMutuallyExclusive("user", "me")
	cmd.MarkFlagsOneRequired("user", "me")
	return cmd
}

// tokenRow is a listed token in --output json.
type tokenRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	User     string `json:"user"`
	Active   bool   `json:"active"`
	Expires  string `json:"expires,omitempty"`
	LastUsed string `json:"last_used,omitempty"`
}

func tokenRows(tokens []client.TokenInfo) []tokenRow {
	rows := make([]tokenRow, 0, len(tokens))
	for _, t := range tokens {
		rows = append(rows, tokenRow{ID: t.ID, Name: t.Name, User: t.UserID, Active: t.Active, Expires: expiry(t), LastUsed: when(t.LastUsed)})
	}
	return rows
}

func expiry(t client.TokenInfo) string {
	if !t.ExpiresOn.IsZero() {
		return t.ExpiresOn.String()
	}
	return when(t.ExpiresAt)
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (a *app) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}

func (a *app) printTable(tokens []client.TokenInfo) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tUSER\tSTATUS\tEXPIRES\tLAST USED")
	for _, t := range tokens {
		status, exp, used := "active", expiry(t), when(t.LastUsed)
		if !t.Active {
			status = "inactive"
		}
		if exp == "" {
			exp = "never"
		}
		if used == "" {
			used = "never"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, display(t.Name), display(t.UserID), status, exp, used)
	}
	return w.Flush()
}

// display prints a name that came from Vault: as it is when every character is visible, in
// Go quotes otherwise, so that no reply can move the cursor or forge a line.
func display(s string) string {
	for _, r := range s {
		if !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) || r == '\t' {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}

func (a *app) revokeCmd() *cobra.Command {
	var vf *vaultFlags
	cmd := &cobra.Command{
		Use:   "revoke ID... [flags]",
		Short: "Revoke API access tokens by record ID",
		Long: `Revoke API access tokens by their record IDs (as "list" shows them). One line per ID on
stdout: revoked, already revoked (not active any more: sending a revoke again is safe), or
not revoked with Vault's reason. Exit 1 if any was not revoked.`,
		Example: "  vault-token revoke --vault myvault.veevavault.com 0PI00000000C002 0PI00000000C003",
		Args:    cobra.MinimumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, ids []string) error {
			cl, err := a.newClient(cmd, vf)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), vf.timeout)
			defer cancel()
			results, err := cl.RevokeAPIAccessTokens(ctx, ids...)
			failed := a.printRevocations(a.stdout, results)
			if err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d tokens not revoked", failed, len(results))
			}
			return nil
		}),
	}
	vf = addVaultFlags(cmd)
	return cmd
}

// printRevocations prints a line per result and returns how many were not revoked.
func (a *app) printRevocations(w interface{ Write([]byte) (int, error) }, results []client.Revocation) int {
	failed := 0
	for _, r := range results {
		line := r.ID + " " + r.Status.String()
		if r.Status == client.NotRevoked {
			failed++
			var reasons []string
			for _, m := range r.Err.Errors {
				reasons = append(reasons, m.Type+" ("+m.Message+")")
			}
			line += ": " + strings.Join(reasons, ", ")
		}
		fmt.Fprintln(w, line)
	}
	return failed
}
