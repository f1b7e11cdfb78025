package etcdtest

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/internal/loopcert"
)

// NewTLSFiles writes a fresh loopback certificate (internal/loopcert: a key for this test
// only, naming 127.0.0.1, not a CA) and its key for the members' client side, and returns
// them with the certificate's file, which clients trust.
func NewTLSFiles(t testing.TB) (files *TLSFiles, caFile string) {
	t.Helper()
	cert, err := loopcert.New(time.Now(), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.TLS.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files = &TLSFiles{CertFile: filepath.Join(dir, "etcd.pem"), KeyFile: filepath.Join(dir, "etcd-key.pem")}
	if err := os.WriteFile(files.CertFile, cert.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	return files, files.CertFile
}

// EnableAuth turns etcd's authentication on with a root user and a user that may read and
// write only under prefix, as a fleet's operator would set it up.
func EnableAuth(t testing.TB, cli *clientv3.Client, rootPassword, user, password, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	steps := []func() error{
		func() error { _, err := cli.UserAdd(ctx, "root", rootPassword); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := cli.RoleAdd(ctx, "fleet"); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, "fleet", prefix, clientv3.GetPrefixRangeEnd(prefix), clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := cli.UserAdd(ctx, user, password); return err },
		func() error { _, err := cli.UserGrantRole(ctx, user, "fleet"); return err },
		func() error { _, err := cli.AuthEnable(ctx); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("enable etcd authentication, step %d: %v", i+1, err)
		}
	}
}
