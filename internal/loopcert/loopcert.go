// Package loopcert makes the certificate a loopback test server presents: a fresh key for
// every server, kept in memory only, and a self-signed certificate that names only the
// addresses the server listens on, is not a CA (so trusting it lets nothing else be signed
// for any name), and expires within a day.
//
// It replaces net/http/internal/testcert, whose certificate is a CA for *.example.com and
// 127.0.0.1 until 2084 with its key in every Go installation: a shell that trusted it for a
// test would trust anyone who signs with that key, for any host.
package loopcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Lifetime is how long a certificate is valid from its making.
const Lifetime = 24 * time.Hour

// backdate covers a little clock skew between the server and a client in another process.
const backdate = 5 * time.Minute

// Cert is a server's certificate and key.
type Cert struct {
	TLS  tls.Certificate   // for tls.Config.Certificates; its private key is only here
	Leaf *x509.Certificate // the certificate, to trust
}

// New makes a key and a certificate for hosts: IP addresses and DNS names, at least one.
func New(now time.Time, hosts ...string) (*Cert, error) {
	if len(hosts) == 0 {
		return nil, fmt.Errorf("loopcert: no host to name")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("loopcert: key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("loopcert: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"vault-token test server"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(Lifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  false,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("loopcert: certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("loopcert: certificate: %w", err)
	}
	return &Cert{TLS: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, Leaf: leaf}, nil
}

// ForListener makes a certificate for the address a listener listens on, and for
// "localhost" when that address is a loopback one.
func ForListener(now time.Time, ln net.Listener) (*Cert, error) {
	host, _, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("loopcert: %w", err)
	}
	hosts := []string{host}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		hosts = append(hosts, "localhost")
	}
	return New(now, hosts...)
}

// PEM is the certificate (never the key) in PEM form, for a file a client trusts.
func (c *Cert) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Leaf.Raw})
}

// Pool is a certificate pool that holds this certificate alone.
func (c *Cert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Leaf)
	return p
}
