package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/command"
)

type statusFlags struct {
	*fleetFlags
	vault, caFile string
}

func (a *app) statusCmd() *cobra.Command {
	f := &statusFlags{}
	cmd := &cobra.Command{
		Use:   "status [--vault DNS --seal-key-file F] [-o text|json]",
		Short: "Show the fleet's record: its current, previous and pending tokens (never their values)",
		Long: `status reads the fleet's record from etcd and shows its tokens' IDs and expiries, the epoch
and when the previous token's grace period ends. It never shows a token's value. Without
a sealing key it opens nothing and needs no Vault credentials.

Given the sealing key (--seal-key-file or ` + command.EnvSealKeyFile + `) and the Vault (--vault or
` + command.EnvDNS + `), it also asks Vault whether it accepts the current token, with the token
itself (no login): "accepted", "REFUSED" (revoked, expired: the next rotation replaces it),
or why Vault's answer said neither. With -o json, current, previous and pending are
objects with id and expires, or null, and currentAccepted is true, false or null.`,
		Args: command.NoArgs,
		RunE: command.RunE(func(cmd *cobra.Command, _ []string) error { return a.status(cmd, f) }),
	}
	f.fleetFlags = addFleetFlags(cmd, "text|json", lookTimeout)
	cmd.Flags().StringVar(&f.vault, "vault", "", "with the sealing key, ask this Vault whether it accepts the current token (default $"+command.EnvDNS+")")
	cmd.Flags().StringVar(&f.caFile, "ca-file", "", "also trust the certificates in this PEM file for the Vault (default $"+command.EnvCAFile+")")
	return cmd
}

func (a *app) status(cmd *cobra.Command, f *statusFlags) error {
	dns := a.or(f.vault, command.EnvDNS)
	// Asking Vault about the current token needs it opened: from etcd with the sealing
	// key; a Secret holds it as it is.
	check := dns != "" && (a.or(f.sealKeyFile, command.EnvSealKeyFile) != "" || a.or(f.secret, command.EnvFleetSecret) != "")
	need := sealNone
	if check {
		need = sealOpen
	}
	o, err := a.open(cmd, f.fleetFlags, need, "text", "json")
	if err != nil {
		return err
	}
	defer o.done()
	st, err := fleet.ReadStatus(o.ctx, o.store)
	if err != nil {
		return err
	}
	var checkErr error
	if check && st.Current != nil {
		checkErr = a.checkCurrent(o, dns, a.or(f.caFile, command.EnvCAFile), st)
	}
	if f.output == "json" {
		return command.PrintJSON(a.stdout, st)
	}
	return printStatus(a.stdout, st, checkErr)
}

// checkCurrent asks Vault whether it accepts the record's current token, with the token
// itself, and sets st.CurrentAccepted when Vault's answer tells; else it returns why not.
func (a *app) checkCurrent(o *opened, dns, caFile string, st *fleet.Status) error {
	tok, err := fleet.CurrentToken(o.ctx, o.store, o.sealer)
	if err != nil {
		return err
	}
	connect, err := vaultConnect(dns, caFile)
	if err != nil {
		return err
	}
	c, err := connect(client.AccessToken(tok.Reveal()))
	if err != nil {
		return command.UsageErrorf("--vault: %v", err)
	}
	accepted, err := fleet.Accepts(o.ctx, c, st.UserID)
	if err == nil {
		st.CurrentAccepted = &accepted
	}
	return err
}

func printStatus(w interface{ Write([]byte) (int, error) }, st *fleet.Status, checkErr error) error {
	var b strings.Builder
	fmt.Fprintf(&b, "key       %s\nvault     %s\nuser      %s\nname      %s\nepoch     %d\n", st.Key, st.Vault, st.UserID, st.Name, st.Epoch)
	fmt.Fprintf(&b, "current   %s\n", describe(st.Current))
	switch {
	case checkErr != nil:
		fmt.Fprintf(&b, "          Vault's answer did not tell whether it accepts it: %v\n", checkErr)
	case st.CurrentAccepted != nil && *st.CurrentAccepted:
		b.WriteString("          accepted by Vault\n")
	case st.CurrentAccepted != nil:
		b.WriteString("          REFUSED by Vault (revoked or expired): the next rotation, --if-due too, replaces it\n")
	}
	fmt.Fprintf(&b, "previous  %s\n", describe(st.Previous))
	if st.Previous != nil {
		fmt.Fprintf(&b, "          revocable after %s\n", when(st.PreviousRevocableAt))
	}
	fmt.Fprintf(&b, "pending   %s\n", describe(st.Pending))
	_, err := w.Write([]byte(b.String()))
	return err
}
