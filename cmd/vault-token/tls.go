package main

import (
	"net/http"

	"github.com/acme/vault-token/internal/command"
	"github.com/acme/vault-token/internal/trust"
)

// httpClient is the HTTP client a command sends with: the system's trusted roots, and the
// certificates in caFile (--ca-file, else $VEEVA_VAULT_CA_FILE) as well, such as the fake
// Vault's. Unlike SSL_CERT_FILE, which replaces the system's roots for the whole shell,
// this adds to them, for vault-token alone.
func (a *app) httpClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		caFile = a.getenv(command.EnvCAFile)
	}
	hc, err := trust.HTTPClient(caFile)
	if err != nil {
		return nil, command.UsageErrorf("--ca-file: %v", err)
	}
	return hc, nil
}
