package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// The faults an operator can start the fake with (--fault), to rehearse how a script
// handles the command's exit statuses: each applies to every call it names, from the start.

// tokenOps are the three calls that create a token.
var tokenOps = []string{openapi.OpGenerateAPIAccessToken, openapi.OpGenerateMyAPIAccessToken, openapi.OpGenerateSandboxAPIAccessToken}

// fakeFault is one --fault: what it rehearses, and the vaulttest faults that make it.
type fakeFault struct {
	about  string
	faults func() []vaulttest.Fault
}

func everyTokenCall(f vaulttest.Fault) func() []vaulttest.Fault {
	return func() []vaulttest.Fault {
		var out []vaulttest.Fault
		for _, op := range tokenOps {
			f := f
			f.Op, f.Repeat = op, true
			out = append(out, f)
		}
		return out
	}
}

var fakeFaults = map[string]fakeFault{
	"drop-after-create": {"every token is created, then the connection drops before the reply: vault-token exits 3",
		everyTokenCall(vaulttest.Fault{Kind: vaulttest.DropAfterProcessing})},
	"refuse": {"every token request is refused (INSUFFICIENT_ACCESS): vault-token exits 1",
		everyTokenCall(vaulttest.Fault{Kind: vaulttest.Failure, ErrorType: "INSUFFICIENT_ACCESS", Message: "User does not have sufficient privileges to perform the action."})},
	"token-cap": {"every token request meets Vault's cap of 25 active tokens (OPERATION_NOT_ALLOWED): vault-token exits 1",
		everyTokenCall(vaulttest.Fault{Kind: vaulttest.Failure, ErrorType: "OPERATION_NOT_ALLOWED", Message: "The user already has 25 active API access tokens."})},
	"login-limit": {"every password login is past Vault's login limit (API_LIMIT_EXCEEDED): vault-token exits 1",
		func() []vaulttest.Fault {
			return []vaulttest.Fault{{Op: openapi.OpAuthenticate, Kind: vaulttest.OverLoginLimit, Repeat: true}}
		}},
}

// faultNames are the --fault names, sorted.
func faultNames() []string {
	names := make([]string, 0, len(fakeFaults))
	for n := range fakeFaults {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// faultHelp lists the --fault names and what each rehearses, for the command's help.
func faultHelp() string {
	var b strings.Builder
	for _, n := range faultNames() {
		fmt.Fprintf(&b, "  %-18s %s\n", n, fakeFaults[n].about)
	}
	return b.String()
}

// injectFaults starts the fake's faults that names ask for (checkFaults first).
func injectFaults(fake *vaulttest.Server, names []string) error {
	if err := checkFaults(names); err != nil {
		return err
	}
	for _, n := range names {
		for _, vf := range fakeFaults[n].faults() {
			if err := fake.Inject(vf); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkFaults refuses an unknown --fault before the fake starts.
func checkFaults(names []string) error {
	for _, n := range names {
		if _, ok := fakeFaults[n]; !ok {
			return fmt.Errorf("unknown --fault %q: use %s", n, strings.Join(faultNames(), ", "))
		}
	}
	return nil
}
