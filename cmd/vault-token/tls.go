package main

import (
	"crypto/tls"
	"net/http"

	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/internal/trust"
)

// caFileEnv names a PEM file of certificates to trust beside the system's, as --ca-file does.
const caFileEnv = "VEEVA_VAULT_CA_FILE"

// httpClient is the HTTP client a command sends with: the system's trusted roots, and the
// certificates in caFile (--ca-file, else $VEEVA_VAULT_CA_FILE) as well, such as the fake
// Vault's. Unlike SSL_CERT_FILE, which replaces the system's roots for the whole shell,
// this adds to them, for vault-token alone.
func (a *app) httpClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		caFile = a.getenv(caFileEnv)
	}
	if caFile == "" {
		return &http.Client{}, nil
	}
	roots, err := trust.Pool(caFile)
	if err != nil {
		return nil, command.UsageErrorf("--ca-file: %v", err)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}, nil
}
