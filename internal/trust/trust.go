// Package trust reads a PEM file of certificates to trust beside the system's roots: what
// --ca-file gives vault-token and vault-token-fleet for the Vault, and --etcd-ca-file the
// fleet for etcd. It adds to the system's roots rather than replacing them, as
// SSL_CERT_FILE would for a whole shell.
package trust

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// Pool is the system's roots (none where the system has no pool) with the certificates of
// the PEM file at path added.
func Pool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path) //nolint:gosec // the operator names the file
	if err != nil {
		return nil, err
	}
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return roots, nil
}

// HTTPClient is an HTTP client that trusts the system's roots and, with a caFile, the
// certificates in it as well (TLS 1.2 at least). Without a caFile it is a plain client.
func HTTPClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		return &http.Client{}, nil
	}
	roots, err := Pool(caFile)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}, nil
}
