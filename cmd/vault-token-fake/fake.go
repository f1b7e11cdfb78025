package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/internal/command"
)

const fakeExample = `  vault-token-fake --addr 127.0.0.1:8443 --cert-out /tmp/fake-vault.pem &
  curl --cacert /tmp/fake-vault.pem -X POST https://127.0.0.1:8443/api/v26.2/auth \
    -d username=olivia@veepharm.com -d password=demo-password`

// outputs are the forms -o takes: the address alone, export lines for a shell, JSON.
var outputs = []string{"text", "env", "json"}

func (a *app) fakeCmd() *cobra.Command {
	var addr, certOut, output string
	var lenient bool
	var faults []string
	cmd := &cobra.Command{
		Use:   name + " --cert-out FILE [--addr 127.0.0.1:PORT] [-o text|env|json] [--lenient] [--fault NAME]",
		Short: "Serve the fake Vault on loopback for other teams' integration tests",
		Long: `Serve the fake Vault on loopback until stopped (vault-token fake runs this program): the
same fake the library's tests use, which checks every request and reply against the spec,
prints each violation to stderr and refuses a request that breaks the spec as Vault refuses
a bad one (FAILURE INVALID_DATA, or MALFORMED_URL for a path no operation has; --lenient
answers it as if it did not). Its address goes to stdout, its certificate to --cert-out
(for curl --cacert, vault-token --ca-file or NODE_EXTRA_CA_CERTS), its users, their
passwords and identity provider tokens for OAuth logins to stderr. The certificate is made
at each start for the address served alone, with a key that never leaves the process; it
is not a CA and expires within a day, so trusting it trusts nothing else.

-o env prints export lines for a shell instead (VEEVA_VAULT_DNS, VEEVA_VAULT_CA_FILE,
VEEVA_VAULT_LOGIN_HOST, a user and password, VAULT_TOKEN_FAKE_PID), then closes stdout, so that a shell can read
them while the fake goes on serving; vault-token trusts VEEVA_VAULT_CA_FILE beside the
system's roots, so the shell goes on trusting what it trusted before:

  source <(vault-token fake -o env --cert-out /tmp/fake-vault.pem)
  vault-token generate --me --name first-token
  ` + leaveFake + `

-o json prints the same as one object.

--fault NAME (repeatable) starts the fake with a fault on every call it names, to rehearse
how a script handles vault-token's exit statuses:
` + faultHelp(),
		Example: fakeExample,
		Args:    command.NoArgs,
		RunE: command.RunE(func(cmd *cobra.Command, _ []string) error {
			if certOut == "" {
				return command.UsageErrorf("give --cert-out FILE: where to write the server's certificate")
			}
			if !slices.Contains(outputs, output) {
				return command.UsageErrorf("-o must be text, env or json")
			}
			if err := checkFaults(faults); err != nil {
				return command.UsageErrorf("%v", err)
			}
			return a.fake(cmd.Context(), addr, certOut, output, lenient, faults)
		}),
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	cmd.Flags().StringVar(&certOut, "cert-out", "", "write the server's certificate (PEM) here")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "answer a request that breaks the spec as if it did not (after printing the violation), instead of refusing it")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text (the address), env (export lines for a shell) or json")
	cmd.Flags().StringSliceVar(&faults, "fault", nil, "start with a fault on every call it names: "+strings.Join(faultNames(), ", ")+" (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("fault", cobra.FixedCompletions(faultNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(outputs, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

var fakeUser = vaulttest.DefaultUsers()[0]

// printFake prints where the fake is and how to log in to it, as output asks. For env it
// closes stdout afterwards: a shell reading it (source <(...)) then goes on while the
// fake serves.
func (a *app) printFake(output, dns, cert string) error {
	cert, err := filepath.Abs(cert)
	if err != nil {
		return err
	}
	switch output {
	case "json":
		return command.PrintJSON(a.stdout, map[string]any{
			"dns": dns, "cert_file": cert, "pid": os.Getpid(),
			"username": fakeUser.Username, "password": fakeUser.Password,
			"oauth_profile": vaulttest.DefaultOAuthProfileID,
		})
	case "env":
		for _, kv := range [][2]string{
			{command.EnvDNS, dns}, {command.EnvCAFile, cert}, {command.EnvLoginHost, dns},
			{command.EnvUsername, fakeUser.Username}, {command.EnvPassword, fakeUser.Password},
			{"VAULT_TOKEN_FAKE_PID", strconv.Itoa(os.Getpid())},
		} {
			if _, err := fmt.Fprintf(a.stdout, "export %s=%s\n", kv[0], command.ShellQuote(kv[1])); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintln(a.stdout, "# to leave: "+leaveFake); err != nil {
			return err
		}
		if c, ok := a.stdout.(io.Closer); ok {
			return c.Close()
		}
		return nil
	}
	_, err = fmt.Fprintln(a.stdout, dns)
	return err
}

// leaveFake stops the fake that -o env describes and forgets what it exported.
const leaveFake = `kill "$VAULT_TOKEN_FAKE_PID"; unset ` + command.EnvDNS + " " + command.EnvCAFile + " " + command.EnvLoginHost + " " +
	command.EnvUsername + " " + command.EnvPassword + " VAULT_TOKEN_FAKE_PID"

// fakeIdPTokenLifetime is how long the identity provider tokens fake prints last: a day of
// integration tests.
const fakeIdPTokenLifetime = 24 * time.Hour

// fake serves the fake Vault on loopback until interrupted.
func (a *app) fake(ctx context.Context, addr, certOut, output string, lenient bool, faults []string) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return command.UsageErrorf("--addr must be a loopback address with a port, such as 127.0.0.1:8443")
	}
	fake, err := vaulttest.NewServer(vaulttest.Config{
		Addr:    addr,
		Lenient: lenient,
		Report:  func(v string) { fmt.Fprintf(a.stderr, name+": SPEC VIOLATION: %s\n", v) },
	})
	if err != nil {
		return fmt.Errorf("fake: %w", err)
	}
	defer fake.Close()
	if err := injectFaults(fake, faults); err != nil {
		return fmt.Errorf("fake: %w", err)
	}
	//nolint:gosec // a certificate is public: curl and other users' programs must read it
	if err := replaceFile(certOut, fake.CertificatePEM(), 0o644); err != nil {
		return fmt.Errorf("fake: --cert-out: %w", err)
	}
	if err := a.printFake(output, fake.DNS, certOut); err != nil {
		return fmt.Errorf("fake: %w", err)
	}
	fmt.Fprintf(a.stderr, name+": serving a fake Vault at https://%s (certificate in %s). Users:\n", fake.DNS, certOut)
	for _, u := range vaulttest.DefaultUsers() {
		note := ""
		switch {
		case u.VeevaID:
			note = " (VeevaID: tokens refused)"
		case u.SSO:
			note = " (SSO: a password is refused; log in with OAuth)"
		case u.DefaultsElsewhere:
			note = " (auth defaulting: sessions for another Vault)"
		case u.Admin:
			note = " (may create tokens for others)"
		}
		fmt.Fprintf(a.stderr, "  %d  %-28s password %s%s\n", u.ID, u.Username, u.Password, note)
	}
	fmt.Fprintf(a.stderr, "OAuth 2.0 / OpenID Connect: --oauth-profile %s --oauth-login-host %s, with these identity\n", vaulttest.DefaultOAuthProfileID, fake.DNS)
	fmt.Fprintf(a.stderr, "provider tokens (VEEVA_VAULT_IDP_TOKEN), valid %v:\n", fakeIdPTokenLifetime)
	for _, u := range vaulttest.DefaultUsers() {
		tok, err := fake.IdPToken(vaulttest.DefaultOAuthProfileID, u.Username, fakeIdPTokenLifetime)
		if err != nil {
			return fmt.Errorf("fake: %w", err)
		}
		fmt.Fprintf(a.stderr, "  %-28s %s\n", u.Username, tok)
	}
	for _, f := range faults {
		fmt.Fprintf(a.stderr, "Fault %s: %s.\n", f, fakeFaults[f].about)
	}
	fmt.Fprintln(a.stderr, `Sandboxes: "VeePharm Sandbox" and "R&D/QA Sandbox". Stop with Ctrl-C.`)
	<-ctx.Done()
	fmt.Fprintln(a.stderr, name+": stopped")
	return nil
}

// replaceFile writes data to a temporary file beside path and renames it over path: a
// symbolic link or a device at path is replaced, never written through (os.WriteFile would
// follow a link to /dev/null, or to another user's file).
func replaceFile(path string, data []byte, perm os.FileMode) error {
	if info, err := os.Lstat(path); err == nil && info.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".vault-token-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after a rename; removed after a failure
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
