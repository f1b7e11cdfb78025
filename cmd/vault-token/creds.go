package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/acme/vault-token/client"
)

// credentials reads the environment: exactly one kind of credentials, a session ID
// (VAULT_SESSION_ID), an access token (VAULT_ACCESS_TOKEN), or a user name and password
// (VAULT_USERNAME with VAULT_PASSWORD, --password-stdin or a prompt). There is no password
// flag: a flag would show in the process list and the shell history. Two kinds at once, or
// two sources of one password, are refused rather than one silently winning.
func (a *app) credentials(passwordStdin bool) (client.Credentials, error) {
	session, token := a.getenv("VAULT_SESSION_ID"), a.getenv("VAULT_ACCESS_TOKEN")
	user, envPassword := a.getenv("VAULT_USERNAME"), a.getenv("VAULT_PASSWORD")
	var kinds, passwordSources []string
	if session != "" {
		kinds = append(kinds, "VAULT_SESSION_ID")
	}
	if token != "" {
		kinds = append(kinds, "VAULT_ACCESS_TOKEN")
	}
	for _, s := range []struct {
		name string
		set  bool
	}{{"VAULT_USERNAME", user != ""}, {"VAULT_PASSWORD", envPassword != ""}, {"--password-stdin", passwordStdin}} {
		if s.set {
			passwordSources = append(passwordSources, s.name)
		}
	}
	if len(passwordSources) > 0 {
		kinds = append(kinds, strings.Join(passwordSources, " with "))
	}
	switch {
	case len(kinds) == 0:
		return client.Credentials{}, usageErrorf("no credentials: set VAULT_SESSION_ID, VAULT_ACCESS_TOKEN, or VAULT_USERNAME (with VAULT_PASSWORD or --password-stdin)")
	case len(kinds) > 1:
		return client.Credentials{}, usageErrorf("two kinds of credentials: %s; keep one", strings.Join(kinds, " and "))
	case envPassword != "" && passwordStdin:
		return client.Credentials{}, usageErrorf("two passwords: VAULT_PASSWORD and --password-stdin; keep one")
	case len(passwordSources) > 0 && user == "":
		return client.Credentials{}, usageErrorf("%s needs VAULT_USERNAME", passwordSources[0])
	case session != "":
		return client.SessionID(session), nil
	case token != "":
		return client.AccessToken(token), nil
	}
	pw, err := a.password(user, passwordStdin)
	if err != nil {
		return client.Credentials{}, err
	}
	return client.Password(user, pw), nil
}

func (a *app) password(user string, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(a.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", usageErrorf("--password-stdin: nothing to read on stdin")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if pw := a.getenv("VAULT_PASSWORD"); pw != "" {
		return pw, nil
	}
	if !a.isTerminal() {
		return "", usageErrorf("no password for %s: set VAULT_PASSWORD, use --password-stdin, or run on a terminal to be asked", user)
	}
	fmt.Fprintf(a.stderr, "Password for %s: ", user)
	pw, err := a.readPassword()
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("reading password: %w", err)
	}
	return string(pw), nil
}
