// Command vault-token-fleet rotates and reads a token a fleet of services shares through
// etcd or a Kubernetes Secret (package fleet, package fleet/kube): "vault-token fleet
// rotate|status|token|agent" runs it.
//
// It is a program of its own, in a module of its own, because etcd's client (gRPC,
// protobuf, zap) is large: linked into vault-token, every start of every command would
// initialize it, and every service that imports the client library would carry its
// modules.
//
// stdout carries only the result (a rotation's report, the status, the token when asked
// for it); messages go to stderr. Exit status: 0 success, 1 a Vault, etcd or network
// error, 2 a usage error (nothing was sent), 3 the outcome of a token request is unknown
// (whatever stopped the run), 128+N stopped by signal N: command.Status is the rule.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

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
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	command.Main(a.run)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := &cobra.Command{Use: name, Short: "Rotate and read a Veeva Vault API access token a fleet shares through etcd or Kubernetes",
		Long: `vault-token-fleet rotates and reads a Veeva Vault API access token that a fleet of
services shares through etcd or a Kubernetes Secret: one token per name for every replica,
rotated under a lock by any number of jobs, sealed with a key the fleet shares.
"vault-token fleet" runs it.

On etcd: the cluster is --etcd (or ` + command.EnvEtcd + `), the record's key --key (or ` + command.EnvFleetKey + `).
etcd's TLS: --etcd-ca-file, --etcd-cert-file, --etcd-key-file; its authentication:
` + command.EnvEtcdUsername + ` and ` + command.EnvEtcdPassword + `.
On Kubernetes: the record is the Secret --secret (or ` + command.EnvFleetSecret + `) in --namespace (default:
the kubeconfig context's, or the pod's), the lock the Lease SECRET-lock; the API server is
found as kubectl finds it (--kubeconfig, $KUBECONFIG, ~/.kube/config, the pod's service
account). The Secret's token key holds the current token for pods to mount.
The sealing key is --seal-key-file (or ` + command.EnvSealKeyFile + `): a file of 32 random bytes
(head -c 32 /dev/urandom > FILE); on Kubernetes only rotate needs it.

stdout carries only the result; messages go to stderr. Exit status: 0 success, 1 a Vault,
etcd or network error (or a rotation refused inside the previous token's grace period),
2 a usage error or a sealing key that is not the fleet's (nothing was sent), 3 the outcome
of a token request is unknown, whatever stopped the run (the next rotation revokes the
token if it was made), 128+N stopped by signal N. docs/fleet.md has the protocol.`}
	root.AddCommand(a.rotateCmd(), a.statusCmd(), a.tokenCmd(), a.agentCmd())
	root.CompletionOptions.DisableDefaultCmd = true
	cmd, err := command.Execute(ctx, root, args, a.stdout, a.stderr)
	if errors.Is(err, fleet.ErrWrongSealKey) {
		// Not the fleet's key: a configuration mistake, found before anything was sent.
		fmt.Fprintf(a.stderr, "%s: %s\n", name, err)
		return command.ExitUsage
	}
	return command.Report(ctx, a.stderr, name, cmd.CommandPath(), err)
}
