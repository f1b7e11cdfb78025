package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

func (a *app) versions(ctx context.Context, args []string) error {
	fs := newFlagSet("versions", "--vault DNS [flags]", "VAULT_SESSION_ID=... vault-token versions --vault myvault.veevavault.com", a.stderr)
	var c common
	c.register(fs, a.getenv)
	output := fs.String("output", "text", "text (one version a line, oldest first) or json")
	passwordStdin := fs.Bool("password-stdin", false, "read VAULT_USERNAME's password from the first line of stdin")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *output != "text" && *output != "json" {
		return usageErrorf("versions: --output must be text or json")
	}
	creds, err := a.credentials(*passwordStdin)
	if err != nil {
		return err
	}
	cl, err := a.newClient(c, creds)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	list, err := cl.APIVersions(ctx)
	if err != nil {
		return err
	}
	if *output == "text" {
		if len(list.Versions) > 0 {
			fmt.Fprintln(a.stdout, strings.Join(list.Versions, "\n"))
		}
		if beta, ok := list.Latest(true); ok {
			fmt.Fprintf(a.stderr, "vault-token: the newest, %s, may be the Beta version\n", beta)
		}
		return nil
	}
	ga, _ := list.Latest(false)
	beta, _ := list.Latest(true)
	b, err := json.MarshalIndent(map[string]any{
		"versions": list.Versions, "latest": ga, "beta": beta, "execution_id": list.Response.ExecutionID,
	}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}
