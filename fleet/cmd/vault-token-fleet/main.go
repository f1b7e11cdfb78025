// Command vault-token-fleet rotates and reads a token a fleet of services shares through
// etcd (package fleet): "vault-token fleet rotate|status|token" runs it.
//
// It is a program of its own, in a module of its own, because etcd's client (gRPC,
// protobuf, zap) is large: linked into vault-token, every start of every command would
// initialize it, and every service that imports the client library would carry its
// modules.
//
// stdout carries only the result (a rotation's report, the status, the token when asked
// for it); messages go to stderr. Exit status: 0 success, 1 a Vault, etcd or network
// error, 2 a usage error (nothing was sent), 3 the outcome of a token request is unknown.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/internal/command"
)

const name = "vault-token-fleet"

// app is the program with its surroundings, so tests can run it in-process too.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := command.WithSignals(context.Background())
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := &cobra.Command{
		Use:   name,
		Short: "Rotate and read a Veeva Vault API access token a fleet shares through etcd",
		Long: `vault-token-fleet rotates and reads a Veeva Vault API access token that a fleet of
services shares through etcd: one token per name for every replica, rotated under an etcd
lock by any number of jobs, sealed with a key the fleet shares. "vault-token fleet" runs it.

The etcd cluster is --etcd (or ` + envEtcd + `), the record's key --key (or ` + envKey + `),
the sealing key --seal-key-file (or ` + envSealKeyFile + `): a file of 32 random bytes
(head -c 32 /dev/urandom > FILE). etcd's TLS: --etcd-ca-file, --etcd-cert-file,
--etcd-key-file; its authentication: ` + envEtcdUsername + ` and ` + envEtcdPassword + `.

stdout carries only the result; messages go to stderr. Exit status: 0 success, 1 a Vault,
etcd or network error (or a rotation refused inside the previous token's grace period),
2 a usage error (nothing was sent), 3 the outcome of a token request is unknown (the next
rotation revokes the token if it was made). docs/fleet.md has the protocol.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			_ = cmd.Usage()
			return command.UsageErrorf("a command is required")
		},
	}
	root.AddCommand(a.rotateCmd(), a.statusCmd(), a.tokenCmd())
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return command.UsageErrorf("%s", err) })
	root.CompletionOptions.DisableDefaultCmd = true
	cmd, err := root.ExecuteContextC(ctx)
	return a.report(ctx, cmd.CommandPath(), err)
}

// report prints err once and picks the exit status: 3 when a token request's outcome is
// unknown.
func (a *app) report(ctx context.Context, cmdPath string, err error) int {
	status := command.ExitVault
	var unknown *client.UnknownOutcomeError
	switch {
	case errors.As(err, &unknown):
		status = command.ExitUnknown
	case errors.Is(err, fleet.ErrWrongSealKey):
		// Not the fleet's key: a configuration mistake, found before anything was sent.
		status = command.ExitUsage
		fmt.Fprintf(a.stderr, "%s: %s\n", name, err)
		return status
	}
	return command.Report(ctx, a.stderr, name, cmdPath, err, status)
}
