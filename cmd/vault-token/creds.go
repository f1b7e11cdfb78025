package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/acme/vault-token/client"
)

// credentials reads the environment: exactly one of VAULT_SESSION_ID, VAULT_ACCESS_TOKEN
// or VAULT_USERNAME (with VAULT_PASSWORD, --password-stdin or a prompt). There is no
// password flag: a flag would show in the process list and the shell history.
func (a *app) credentials(passwordStdin bool) (client.Credentials, error) {
	session, token, user := a.getenv("VAULT_SESSION_ID"), a.getenv("VAULT_ACCESS_TOKEN"), a.getenv("VAULT_USERNAME")
	set := 0
	for _, v := range []string{session, token, user} {
		if v != "" {
			set++
		}
	}
	switch {
	case set == 0:
		return client.Credentials{}, usageErrorf("no credentials: set VAULT_SESSION_ID, VAULT_ACCESS_TOKEN, or VAULT_USERNAME (with VAULT_PASSWORD or --password-stdin)")
	case set > 1:
		return client.Credentials{}, usageErrorf("more than one of VAULT_SESSION_ID, VAULT_ACCESS_TOKEN and VAULT_USERNAME is set: keep one")
	case passwordStdin && user == "":
		return client.Credentials{}, usageErrorf("--password-stdin needs VAULT_USERNAME")
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
