package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/bound"
	"github.com/acme/vault-token/internal/command"
)

type rotateFlags struct {
	*fleetFlags
	vault, user, name, expires, caFile string
	metricsFile                        string
	me, ifDue, replaceSealKey          bool
	grace                              time.Duration
	dueShare                           float64
}

func (a *app) rotateCmd() *cobra.Command {
	f := &rotateFlags{}
	cmd := &cobra.Command{
		Use:   "rotate --vault DNS (--me | --user ID) --name NAME [--expires 90d] [--grace 1h] [--if-due]",
		Short: "Rotate the fleet's token: recover, create, check, promote (with --if-due: only when due)",
		Long: `rotate runs one rotation of the fleet's token under the fleet's etcd lock: it recovers
what a rotator that died left (adopts or forgets its pending token, revokes an active token
of the name the record does not know, revokes the previous token once its grace period is
over), creates a token, commits it as pending, checks it works, and promotes it to current,
keeping the token before it valid for --grace. The token name belongs to the fleet.

Inside the previous token's grace period a rotation waits for it to end if --timeout
reaches that far, else it refuses. With --if-due it rotates only when the current token
has lived --due-share of its life (or there is none), and never waits: for a CronJob or
timer that runs often. The recovery runs either way.

Vault's credentials come from the environment: ` + command.EnvUsername + ` with ` + command.EnvPassword + `
(or ` + command.EnvSessionID + `). The Vault is --vault or ` + command.EnvDNS + `.`,
		Example: "  vault-token fleet rotate --etcd https://etcd:2379 --key /vault-token/svc --seal-key-file /run/secrets/fleet-seal \\\n" +
			"      --vault myvault.veevavault.com --me --name svc-integration --expires 90d --grace 1h --if-due",
		Args: command.NoArgs,
		RunE: command.RunE(func(cmd *cobra.Command, _ []string) error { return a.rotate(cmd, f) }),
	}
	f.fleetFlags = addFleetFlags(cmd, "text|json", rotateTimeout)
	fs := cmd.Flags()
	fs.StringVar(&f.vault, "vault", "", "the Vault's DNS, such as myvault.veevavault.com (default $"+command.EnvDNS+")")
	fs.BoolVar(&f.me, "me", false, "the token is the authenticated user's")
	fs.StringVar(&f.user, "user", "", "the token is this user's (numeric ID; needs an admin's credentials)")
	fs.StringVar(&f.name, "name", "", "the token's name, which belongs to the fleet")
	fs.StringVar(&f.expires, "expires", "90d", "the life asked for each new token: 90d, 2w, a Go duration such as 720h, or never")
	fs.DurationVar(&f.grace, "grace", time.Hour, "how long the previous token stays valid after a promotion: at least the longest consumer refresh plus clock skew")
	fs.BoolVar(&f.ifDue, "if-due", false, "rotate only when the schedule says so")
	fs.BoolVar(&f.replaceSealKey, "replace-seal-key", false, "the record's tokens were sealed with a key that is lost: keep the current token as previous for --grace and seal a new one with --seal-key-file (docs/fleet.md)")
	fs.Float64Var(&f.dueShare, "due-share", fleet.DefaultDueShare, "with --if-due, rotate once this share of the current token's life has passed")
	fs.StringVar(&f.metricsFile, "metrics-file", "", "write the run's outcome and the record's figures to this file, in node_exporter's textfile format (a name ending in .prom)")
	fs.StringVar(&f.caFile, "ca-file", "", "also trust the certificates in this PEM file for the Vault, such as the fake Vault's (default $"+command.EnvCAFile+")")
	return cmd
}

func (a *app) rotate(cmd *cobra.Command, f *rotateFlags) error {
	if f.me == (f.user != "") {
		return command.UsageErrorf("give exactly one of --me and --user")
	}
	if strings.TrimSpace(f.name) == "" {
		return command.UsageErrorf("--name is required")
	}
	if f.metricsFile != "" && !strings.HasSuffix(f.metricsFile, ".prom") {
		return command.UsageErrorf("--metrics-file %s: node_exporter's textfile collector reads only names ending in .prom", f.metricsFile)
	}
	lifetime, err := parseLifetime(f.expires)
	if err != nil {
		return err
	}
	if f.grace < 0 || f.dueShare <= 0 || f.dueShare > 1 {
		return command.UsageErrorf("--grace cannot be negative, and --due-share is between 0 and 1")
	}
	dns := a.or(f.vault, command.EnvDNS)
	if dns == "" {
		return command.UsageErrorf("--vault is required (or set %s)", command.EnvDNS)
	}
	creds, err := a.credentials()
	if err != nil {
		return err
	}
	connect, err := vaultConnect(dns, a.or(f.caFile, command.EnvCAFile))
	if err != nil {
		return err
	}
	vault, err := connect(creds)
	if err != nil {
		return command.UsageErrorf("%v", err)
	}
	o, err := a.open(cmd, f.fleetFlags, sealWrite, "text", "json")
	if err != nil {
		return err
	}
	defer o.done()
	defer command.EndSessions(o.ctx, a.stderr, name, vault)
	r := &fleet.Rotator{Store: o.store, Sealer: o.sealer, Vault: vault, Connect: connect,
		UserID: f.user, Name: f.name, Lifetime: lifetime, Grace: f.grace, DueShare: f.dueShare}
	rep, err := r.Rotate(o.ctx, fleet.RotateOptions{IfDue: f.ifDue, ReplaceSealKey: f.replaceSealKey})
	if errors.Is(err, context.DeadlineExceeded) {
		err = a.explainTimeout(o, err)
	}
	if f.metricsFile != "" {
		// One listing more, for the metrics alone: the user's active tokens of every name,
		// against Vault's cap (a run lists only its own name's).
		active := -1
		if list, lerr := vault.ListAPIAccessTokens(o.ctx, client.TokenFilter{UserID: f.user, Me: f.me}); lerr == nil {
			active = len(list.Tokens)
		} else {
			fmt.Fprintf(a.stderr, "%s: warning: the user's active tokens were not counted: %s\n", name, command.Message(lerr))
		}
		if merr := writeRotateMetrics(f.metricsFile, o.key, time.Now(), rep, err, active); merr != nil {
			fmt.Fprintf(a.stderr, "%s: warning: --metrics-file was not written: %v\n", name, merr)
		}
	}
	if rep == nil {
		return err
	}
	var perr error
	if f.output == "json" {
		perr = command.PrintJSON(a.stdout, rep)
	} else {
		perr = printReport(a.stdout, rep)
	}
	return errors.Join(err, perr)
}

// explainAllowance is how long explainTimeout may look past --timeout.
const explainAllowance = time.Second

// explainTimeout says what etcd's state was when a run ran out of time, if etcd is the
// reason (no quorum, no member): a few seconds' look, within the clean-up's allowance.
func (a *app) explainTimeout(o *opened, err error) error {
	if o.etcd == nil {
		return err
	}
	ctx, cancel := bound.Cleanup(o.ctx, explainAllowance)
	defer cancel()
	if qerr := fleet.CheckQuorum(ctx, o.etcd, o.key); qerr != nil {
		return fmt.Errorf("%w: %w", qerr, err)
	}
	return err
}

func printReport(w interface{ Write([]byte) (int, error) }, rep *fleet.Report) error {
	var b strings.Builder
	if rep.ClearedPending != "" {
		fmt.Fprintf(&b, "forgot pending token %s: a rotator that died made it, and Vault does not hold it active\n", rep.ClearedPending)
	}
	if rep.AdoptedPending != "" {
		fmt.Fprintf(&b, "adopted pending token %s, which a rotator that died made\n", rep.AdoptedPending)
	}
	for _, id := range rep.RevokedOrphans {
		fmt.Fprintf(&b, "revoked token %s: a rotator of this record made it and never committed it\n", id)
	}
	if rep.RevokedPrevious != "" {
		fmt.Fprintf(&b, "revoked the previous token %s: its grace period is over\n", rep.RevokedPrevious)
	}
	if rep.ClearedPrevious != "" {
		fmt.Fprintf(&b, "forgot the previous token %s: Vault no longer holds it active\n", rep.ClearedPrevious)
	}
	if rep.RevokedRefused != "" {
		fmt.Fprintf(&b, "revoked token %s: it was current, and Vault refuses it\n", rep.RevokedRefused)
	}
	if rep.CurrentAccepted != nil && !*rep.CurrentAccepted {
		b.WriteString("Vault refused the current token (revoked, expired, or an old record restored)\n")
	}
	if rep.Rotated {
		fmt.Fprintf(&b, "rotated: %s is current (epoch %d)\n", describe(rep.Current), rep.Epoch)
	} else {
		fmt.Fprintf(&b, "not rotated: %s is current (epoch %d), due %s\n", describe(rep.Current), rep.Epoch, when(rep.DueAt))
	}
	if rep.GraceEndsAt != nil {
		fmt.Fprintf(&b, "the previous token is revoked by the first rotation after %s\n", when(rep.GraceEndsAt))
	}
	_, err := w.Write([]byte(b.String()))
	return err
}

// parseLifetime reads --expires, in every program's grammar (command.ParseExpires), as
// the life each new token asks for: Nd, Nw, a Go duration, or never (0). A fixed end, a
// time or a date, is refused: every rotation's token would end together, and the fleet
// would rotate into an expired token on that day.
func parseLifetime(s string) (time.Duration, error) {
	e, err := command.ParseExpires(s)
	switch {
	case err != nil:
		return 0, err
	case e.Fixed():
		return 0, command.UsageErrorf("--expires %s: a fleet asks each new token for a life from now (90d, 2w, 720h) or never; a fixed end would end every rotation's token together", s)
	}
	return e.Life, nil
}

// credentials are Vault's credentials from the environment: a user name and password, or
// a session ID. A rotation job has no terminal to prompt on.
func (a *app) credentials() (client.Credentials, error) {
	user, pw, session := a.getenv(command.EnvUsername), a.getenv(command.EnvPassword), a.getenv(command.EnvSessionID)
	switch {
	case session != "" && (user != "" || pw != ""):
		return client.Credentials{}, command.UsageErrorf("set either %s or %s with %s, not both", command.EnvSessionID, command.EnvUsername, command.EnvPassword)
	case session != "":
		return client.SessionID(session), nil
	case user != "" && pw != "":
		return client.Password(user, pw), nil
	default:
		return client.Credentials{}, command.UsageErrorf("set %s and %s (or %s) for the Vault", command.EnvUsername, command.EnvPassword, command.EnvSessionID)
	}
}
