package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/acme/vault-token/client/vaulttest"
)

const fakeExample = "vault-token fake --addr 127.0.0.1:8443 --cert-out /tmp/fake-vault.pem"

// fake serves the fake Vault on loopback until interrupted.
func (a *app) fake(ctx context.Context, args []string) error {
	fs := newFlagSet("fake", "--addr 127.0.0.1:PORT --cert-out FILE", fakeExample, a.stderr)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	certOut := fs.String("cert-out", "", "write the server's certificate (PEM) here, for curl --cacert or SSL_CERT_FILE (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *certOut == "" {
		return usageErrorf("fake: --cert-out is required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return usageErrorf("fake: --addr must be a loopback address with a port, such as 127.0.0.1:8443")
	}
	fake := vaulttest.NewServer(vaulttest.Config{
		Addr:   *addr,
		Report: func(v string) { fmt.Fprintf(a.stderr, "vault-token fake: SPEC VIOLATION: %s\n", v) },
	})
	defer fake.Close()
	//nolint:gosec // a certificate is public: curl and other users' programs must read it
	if err := os.WriteFile(*certOut, fake.CertificatePEM(), 0o644); err != nil {
		return fmt.Errorf("fake: --cert-out: %w", err)
	}
	fmt.Fprintln(a.stdout, fake.DNS)
	fmt.Fprintf(a.stderr, "vault-token fake: serving a fake Vault at https://%s (certificate in %s). Users:\n", fake.DNS, *certOut)
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
	fmt.Fprintln(a.stderr, `Sandbox: "VeePharm Sandbox". Stop with Ctrl-C.`)
	<-ctx.Done()
	fmt.Fprintln(a.stderr, "vault-token fake: stopped")
	return nil
}
