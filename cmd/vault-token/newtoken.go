package main

import (
	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

// newTokenFlags are the flags of the commands that create a token (generate, rotate):
// whose token, its name and expiry, and where its value goes.
type newTokenFlags struct {
	vault               *vaultFlags
	user, sandbox, name string
	me, force           bool
	expires, outFile    string
	output              *choice
}

// newTokenHelp is what each flag says in a command's help.
type newTokenHelp struct{ user, me, sandbox, name, expires, outFile string }

func addNewTokenFlags(cmd *cobra.Command, help newTokenHelp) *newTokenFlags {
	f := &newTokenFlags{output: newChoice("text", "text", "json"), vault: addVaultFlags(cmd)}
	fs := cmd.Flags()
	fs.StringVar(&f.user, "user", "", help.user)
	fs.BoolVar(&f.me, "me", false, help.me)
	fs.StringVar(&f.sandbox, "sandbox", "", help.sandbox)
	fs.StringVar(&f.name, "name", "", help.name)
	fs.StringVar(&f.expires, "expires", "", help.expires)
	addChoiceFlag(cmd, f.output, "output", "o", "text (the token alone) or json")
	fs.StringVar(&f.outFile, "out-file", "", help.outFile)
	fs.BoolVar(&f.force, "force", false, "let --out-file replace an existing regular file")
	markRequired(cmd, "name")
	return f
}

// start does what comes before a token is created: the request from --name and --expires,
// and --out-file settled (Vault shows a token once: it must be sure to have somewhere to
// go). The caller discards out (nil without --out-file) when done. A dry run
// checks --out-file as a real run would, and makes no file.
func (a *app) start(cmd *cobra.Command, f *newTokenFlags, dryRun bool) (client.TokenRequest, *outputFile, error) {
	var req client.TokenRequest
	if err := exactlyOne(cmd, "user", "me", "sandbox"); err != nil {
		return req, nil, err
	}
	expires, err := command.ParseExpires(f.expires)
	if err != nil {
		return req, nil, err
	}
	req = expires.Request(f.name, a.now())
	if cmd.Flags().Changed("out-file") && f.outFile == "" {
		return req, nil, command.UsageErrorf("--out-file is empty: name the file the token goes to (an unset variable?), or leave the flag out to print the token")
	}
	var out *outputFile
	switch {
	case f.outFile != "" && dryRun:
		if err := checkTarget(f.outFile, f.force); err != nil {
			return req, nil, command.UsageErrorf("--out-file: %v", err)
		}
	case f.outFile != "":
		if out, err = prepareOutputFile(f.outFile, f.force); err != nil {
			return req, nil, err
		}
	}
	return req, out, nil
}
