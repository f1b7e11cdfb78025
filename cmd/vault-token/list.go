package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

const listExample = `  # The active tokens of user 12345, as a table
  vault-token list --vault myvault.veevavault.com --user 12345

  # Your own tokens named "CI key", expired ones too, as JSON
  vault-token list --me --name "CI key" --all -o json`

func (a *app) listCmd() *cobra.Command {
	var f client.TokenFilter
	output := newChoice("table", "table", "json")
	var vf *vaultFlags
	var noHeaders bool
	cmd := &cobra.Command{
		Use:   "list (--user ID | --me) [--name NAME] [--all] [flags]",
		Short: "List API access tokens",
		Long: `List a user's API access tokens: their record IDs, names, status, expiry and last use,
never their values. Active ones only, unless --all. For a sandbox's tokens, point --vault at
the sandbox's own DNS. When no token matches, the table is empty (JSON: []) and stderr says
"no tokens match"; the exit status is 0.`,
		Example: listExample,
		Args:    command.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if err := exactlyOne(cmd, "user", "me"); err != nil {
				return err
			}
			cl, ctx, done, err := a.connect(cmd, vf)
			defer done()
			if err != nil {
				return err
			}
			list, err := cl.ListAPIAccessTokens(ctx, f)
			if err != nil {
				return err
			}
			if len(list.Tokens) == 0 {
				fmt.Fprintln(a.stderr, "vault-token: no tokens match")
			}
			if output.value == "json" {
				return a.printJSON(tokenRows(list.Tokens))
			}
			return a.printTable(list.Tokens, noHeaders)
		}),
	}
	vf = addVaultFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.UserID, "user", "", "the tokens of the user with this numeric ID")
	fs.BoolVar(&f.Me, "me", false, "your own tokens")
	fs.StringVar(&f.Name, "name", "", "only tokens with exactly this name")
	fs.BoolVar(&f.All, "all", false, "inactive (expired) tokens too")
	fs.BoolVar(&noHeaders, "no-headers", false, "print the table without its header line")
	addChoiceFlag(cmd, output, "output", "o", "table or json")
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
		rows = append(rows, rowOf(t))
	}
	return rows
}

func rowOf(t client.TokenInfo) tokenRow {
	return tokenRow{ID: t.ID, Name: t.Name, User: t.UserID, Active: t.Active, Expires: expiry(t), LastUsed: when(t.LastUsed)}
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

func (a *app) printTable(tokens []client.TokenInfo, noHeaders bool) error {
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	if !noHeaders {
		fmt.Fprintln(w, "ID\tNAME\tUSER\tSTATUS\tEXPIRES\tLAST USED")
	}
	for _, t := range tokens {
		status := "active"
		if !t.Active {
			status = "inactive"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, display(t.Name), display(t.UserID), status, expiryText(t), orNever(when(t.LastUsed)))
	}
	return w.Flush()
}

// expiryText is a token's expiry for a person: a time, a date, or never.
func expiryText(t client.TokenInfo) string { return orNever(expiry(t)) }

func orNever(s string) string {
	if s == "" {
		return "never"
	}
	return s
}
