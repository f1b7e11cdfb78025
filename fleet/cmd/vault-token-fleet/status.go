package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/command"
)

func (a *app) statusCmd() *cobra.Command {
	var f *fleetFlags
	cmd := &cobra.Command{
		Use:   "status [-o text|json]",
		Short: "Show the fleet's record: its current, previous and pending tokens (never their values)",
		Long: `status reads the fleet's record from etcd and shows its tokens' IDs and expiries, the epoch
and when the previous token's grace period ends. It never shows a token's value, and
needs neither Vault credentials nor the sealing key: it opens nothing. With -o
json, current, previous and pending are objects with id and expires, or null.`,
		Args: command.NoArgs,
		RunE: command.RunE(func(cmd *cobra.Command, _ []string) error {
			o, err := a.open(cmd, f, false, "text", "json")
			if err != nil {
				return err
			}
			defer o.done()
			st, err := fleet.ReadStatus(o.ctx, o.etcd, o.key)
			if err != nil {
				return err
			}
			if f.output == "json" {
				return command.PrintJSON(a.stdout, st)
			}
			return printStatus(a.stdout, st)
		}),
	}
	f = addFleetFlags(cmd, "text|json")
	return cmd
}

func printStatus(w interface{ Write([]byte) (int, error) }, st *fleet.Status) error {
	var b strings.Builder
	fmt.Fprintf(&b, "key       %s\nvault     %s\nuser      %s\nname      %s\nepoch     %d\n", st.Key, st.Vault, st.UserID, st.Name, st.Epoch)
	fmt.Fprintf(&b, "current   %s\n", describe(st.Current))
	fmt.Fprintf(&b, "previous  %s\n", describe(st.Previous))
	if st.Previous != nil {
		fmt.Fprintf(&b, "          revocable after %s\n", when(st.PreviousRevocableAt))
	}
	fmt.Fprintf(&b, "pending   %s\n", describe(st.Pending))
	_, err := w.Write([]byte(b.String()))
	return err
}
