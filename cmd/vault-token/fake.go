package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/client/vaulttest"
)

const fakeExample = `  vault-token fake --addr 127.0.0.1:8443 --cert-out /tmp/fake-vault.pem &
  curl --cacert /tmp/fake-vault.pem -X POST https://127.0.0.1:8443/api/v26.2/auth \
    -d username=olivia@veepharm.com -d password=demo-password`

func (a *app) fakeCmd() *cobra.Command {
	var addr, certOut string
	cmd := &cobra.Command{
		Use:   "fake --addr 127.0.0.1:PORT --cert-out FILE",
		Short: "Serve the fake Vault on loopback for other teams' integration tests",
		Long: `Serve the fake Vault on loopback until stopped: the same fake the library's tests use,
which checks every request and reply against the spec and prints each violation to stderr.
Its address goes to stdout, its certificate to --cert-out (for curl --cacert or
SSL_CERT_FILE), its users, their passwords and identity provider tokens for OAuth logins
to stderr.`,
		Example: fakeExample,
		Args:    noArgs,
		RunE:    runE(func(cmd *cobra.Command, _ []string) error { return a.fake(cmd.Context(), addr, certOut) }),
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	cmd.Flags().StringVar(&certOut, "cert-out", "", "write the server's certificate (PEM) here")
	markRequired(cmd, "cert-out")
	return cmd
}

// fakeIdPTokenLifetime is how long the identity provider tokens fake prints last: a day of
// integration tests.
const fakeIdPTokenLifetime = 24 * time.Hour

// fake serves the fake Vault on loopback until interrupted.
func (a *app) fake(ctx context.Context, addr, certOut string) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return usageErrorf("--addr must be a loopback address with a port, such as 127.0.0.1:8443")
	}
	fake, err := vaulttest.Start(vaulttest.Config{
		Addr:   addr,
		Report: func(v string) { fmt.Fprintf(a.stderr, "vault-token fake: SPEC VIOLATION: %s\n", v) },
	})
	if err != nil {
		return fmt.Errorf("fake: %w", err)
	}
	defer fake.Close()
	//nolint:gosec // a certificate is public: curl and other users' programs must read it
	if err := replaceFile(certOut, fake.CertificatePEM(), 0o644); err != nil {
		return fmt.Errorf("fake: --cert-out: %w", err)
	}
	fmt.Fprintln(a.stdout, fake.DNS)
	fmt.Fprintf(a.stderr, "vault-token fake: serving a fake Vault at https://%s (certificate in %s). Users:\n", fake.DNS, certOut)
	for _, u := range vaulttest.DefaultUsers() {
		note := ""
		switch {
		case u.VeevaID:
			note = " (VeevaID: tokens refused)"
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
	fmt.Fprintln(a.stderr, `Sandboxes: "VeePharm Sandbox" and "R&D/QA Sandbox". Stop with Ctrl-C.`)
	<-ctx.Done()
	fmt.Fprintln(a.stderr, "vault-token fake: stopped")
	return nil
}
