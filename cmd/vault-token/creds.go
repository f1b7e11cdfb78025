package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
)

// The environment variables the command reads. The VEEVA_ prefix keeps them apart from
// HashiCorp Vault's VAULT_ADDR and VAULT_TOKEN, which many of the same operators have set.
//
//nolint:gosec // the names of variables, not their values
const (
	envDNS         = "VEEVA_VAULT_DNS"
	envSessionID   = "VEEVA_VAULT_SESSION_ID"
	envAccessToken = "VEEVA_VAULT_ACCESS_TOKEN"
	envUsername    = "VEEVA_VAULT_USERNAME"
	envPassword    = "VEEVA_VAULT_PASSWORD"
)

// credentials reads the environment: exactly one kind of credentials, a session ID, an
// access token, or a user name and password (from the environment, --password-stdin or a
// prompt). There is no password flag: a flag would show in the process list and the shell
// history. Two kinds at once, or two sources of one password, are refused rather than one
// silently winning.
func (a *app) credentials(cmd *cobra.Command, passwordStdin bool) (client.Credentials, error) {
	session, token := a.getenv(envSessionID), a.getenv(envAccessToken)
	user, envPw := a.getenv(envUsername), a.getenv(envPassword)
	var kinds, passwordSources []string
	if session != "" {
		kinds = append(kinds, envSessionID)
	}
	if token != "" {
		kinds = append(kinds, envAccessToken)
	}
	for _, s := range []struct {
		name string
		set  bool
	}{{envUsername, user != ""}, {envPassword, envPw != ""}, {"--password-stdin", passwordStdin}} {
		if s.set {
			passwordSources = append(passwordSources, s.name)
		}
	}
	if len(passwordSources) > 0 {
		kinds = append(kinds, strings.Join(passwordSources, " with "))
	}
	switch {
	case len(kinds) == 0:
		return client.Credentials{}, usageErrorf("no credentials: set %s, %s, or %s (with %s or --password-stdin)", envSessionID, envAccessToken, envUsername, envPassword)
	case len(kinds) > 1:
		return client.Credentials{}, usageErrorf("two kinds of credentials: %s; keep one", strings.Join(kinds, " and "))
	case envPw != "" && passwordStdin:
		return client.Credentials{}, usageErrorf("two passwords: %s and --password-stdin; keep one", envPassword)
	case len(passwordSources) > 0 && user == "":
		return client.Credentials{}, usageErrorf("%s needs %s", passwordSources[0], envUsername)
	case session != "":
		return client.SessionID(session), nil
	case token != "":
		return client.AccessToken(token), nil
	}
	pw, err := a.password(cmd, user, passwordStdin)
	if err != nil {
		return client.Credentials{}, err
	}
	return client.Password(user, pw), nil
}

func (a *app) password(cmd *cobra.Command, user string, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", usageErrorf("--password-stdin: nothing to read on stdin")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if pw := a.getenv(envPassword); pw != "" {
		return pw, nil
	}
	if !a.isTerminal() {
		return "", usageErrorf("no password for %s: set %s, use --password-stdin, or run on a terminal to be asked", user, envPassword)
	}
	fmt.Fprintf(a.stderr, "Password for %s: ", user)
	pw, err := a.readPassword(cmd.Context())
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(pw), nil
}
