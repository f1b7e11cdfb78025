package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
)

func (a *app) revokeCmd() *cobra.Command {
	var vf *vaultFlags
	var dryRun bool
	output := newChoice("text", "text", "json")
	cmd := &cobra.Command{
		Use:   "revoke ID... [flags]",
		Short: "Revoke API access tokens by record ID",
		Long: `Revoke API access tokens by their record IDs (as "list" shows them). One line per ID on
stdout: revoked; already revoked (Vault lists it as inactive: sending a revoke again is
safe); not found (Vault has no token with that ID: a typo, another Vault, or one you may
not see); or not revoked, with Vault's reason. Exit 1 if any was not revoked or not found.

--dry-run looks each ID up and prints what a revoke would meet, with names and expiries; it
revokes nothing.`,
		Example: "  vault-token revoke --vault myvault.veevavault.com 0PI00000000C002 0PI00000000C003",
		Args:    cobra.MinimumNArgs(1),
		RunE: runE(func(cmd *cobra.Command, ids []string) error {
			cl, ctx, done, err := a.connect(cmd, vf)
			defer done()
			if err != nil {
				return err
			}
			if dryRun {
				return a.revokeDryRun(ctx, cl, ids, output.value)
			}
			results, err := cl.RevokeAPIAccessTokens(ctx, ids...)
			var failed int
			if output.value == "json" {
				failed = countFailed(results)
				if jsonErr := a.printJSON(revocationRows(results)); err == nil {
					err = jsonErr
				}
			} else {
				failed = a.printRevocations(a.stdout, results)
			}
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
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "look the tokens up and print what would be revoked; revoke nothing")
	addChoiceFlag(cmd, output, "output", "o", "text or json")
	return cmd
}

// failedRevocation reports whether a result is a failure: a token still active, or an ID
// Vault does not know.
func failedRevocation(r client.Revocation) bool {
	return r.Status == client.NotRevoked || r.Status == client.NotFound
}

func countFailed(results []client.Revocation) int {
	n := 0
	for _, r := range results {
		if failedRevocation(r) {
			n++
		}
	}
	return n
}

// revocationRow is a revoke's result in --output json.
type revocationRow struct {
	ID     string           `json:"id"`
	Status string           `json:"status"`
	Errors []client.Message `json:"errors,omitempty"`
}

func revocationRows(results []client.Revocation) []revocationRow {
	rows := make([]revocationRow, 0, len(results))
	for _, r := range results {
		row := revocationRow{ID: r.ID, Status: r.Status.String()}
		if r.Status == client.NotRevoked && r.Err != nil {
			row.Errors = r.Err.Errors
		}
		rows = append(rows, row)
	}
	return rows
}

// revokeDryRun looks the IDs up and prints what a revoke would meet.
func (a *app) revokeDryRun(ctx context.Context, cl *client.Client, ids []string, output string) error {
	found, err := cl.LookupAPIAccessTokens(ctx, ids...)
	if err != nil {
		return err
	}
	byID := map[string]client.TokenInfo{}
	for _, t := range found {
		byID[t.ID] = t
	}
	type planned struct {
		tokenRow
		Would string `json:"would"`
	}
	var plan []planned
	for _, id := range ids {
		t, ok := byID[id]
		switch {
		case !ok:
			plan = append(plan, planned{tokenRow{ID: id}, "not found"})
		case t.Active:
			plan = append(plan, planned{rowOf(t), "revoke"})
		default:
			plan = append(plan, planned{rowOf(t), "already revoked"})
		}
	}
	if output == "json" {
		return a.printJSON(plan)
	}
	for _, p := range plan {
		switch p.Would {
		case "not found":
			fmt.Fprintf(a.stdout, "%s not found: Vault has no token with this ID\n", p.ID)
		case "revoke":
			fmt.Fprintf(a.stdout, "%s would be revoked: %s, user %s, expires %s\n", p.ID, display(p.Name), display(p.User), orNever(p.Expires))
		default:
			fmt.Fprintf(a.stdout, "%s already revoked: %s, user %s\n", p.ID, display(p.Name), display(p.User))
		}
	}
	return nil
}

// printRevocations prints a line per result and returns how many failed.
func (a *app) printRevocations(w interface{ Write([]byte) (int, error) }, results []client.Revocation) int {
	failed := 0
	for _, r := range results {
		line := r.ID + " " + r.Status.String()
		if r.Status == client.NotFound {
			failed++
			line += ": Vault has no token with this ID"
		}
		if r.Status == client.NotRevoked {
			failed++
			var reasons []string
			for _, m := range r.Err.Errors {
				reasons = append(reasons, string(m.Type)+" ("+m.Message+")")
			}
			line += ": " + strings.Join(reasons, ", ")
		}
		fmt.Fprintln(w, line)
	}
	return failed
}
