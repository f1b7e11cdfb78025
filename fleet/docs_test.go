package fleet_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/internal/etcdtest"
	"github.com/acme/vault-token/internal/docshell"
)

// TestDocsConsumer runs the code docs/fleet.md shows a service owner, against a real etcd
// cluster and the fake Vault, after one rotation; the page shows it verbatim.
func TestDocsConsumer(t *testing.T) {
	if err := docshell.ShowsCode("docs_test.go", "docs consumer", "../docs/fleet.md", "## From the README to a fleet of consumers", "\n## "); err != nil {
		t.Error(err)
	}
	c := etcdtest.Start(t, 3, nil)
	fake := vaulttest.NewTestServer(t, vaulttest.Config{})
	sealKeyFile := filepath.Join(t.TempDir(), "seal")
	key := make([]byte, fleet.SealKeySize)
	_, _ = rand.Read(key)
	if err := os.WriteFile(sealKeyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	sealer, err := fleet.LoadSealKey(sealKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	user := vaulttest.DefaultUsers()[0]
	connect := func(creds client.Credentials) (*client.Client, error) {
		return client.New(fake.DNS, client.WithHTTPClient(fake.Client()), client.WithCredentials(creds))
	}
	vault, err := connect(client.Password(user.Username, user.Password))
	if err != nil {
		t.Fatal(err)
	}
	store, err := fleet.NewEtcdStore(c.Client(t), "/vault-token/myvault/integration")
	if err != nil {
		t.Fatal(err)
	}
	r := &fleet.Rotator{Store: store, Sealer: sealer, Vault: vault, Connect: connect,
		Name: "integration", Lifetime: 90 * 24 * time.Hour, Grace: time.Hour}
	if _, err := r.Rotate(t.Context(), fleet.RotateOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := replica(ctx, c.Endpoints(), sealKeyFile, fake.DNS, fake.Client()); err != nil {
		t.Fatal(err)
	}
	if n := fake.Count("authenticate"); n != 1 {
		t.Errorf("%d logins, want the rotator's one", n)
	}
}

func replica(ctx context.Context, endpoints []string, sealKeyFile, vaultDNS string, httpClient *http.Client) error {
	// docs consumer: a replica of a service, as docs/fleet.md shows it.

	// No password and no login: the token is the fleet's, at this key, kept current by the
	// rotation job; the Source follows it.
	etcd, err := fleet.Connect(fleet.EtcdOptions{Endpoints: endpoints}) // TLS, a user: CAFile, Username, Password
	if err != nil {
		return err
	}
	defer etcd.Close()
	sealer, err := fleet.LoadSealKey(sealKeyFile) // the fleet's 32-byte key, mounted from a secret
	if err != nil {
		return err
	}
	store, err := fleet.NewEtcdStore(etcd, "/vault-token/myvault/integration")
	if err != nil {
		return err
	}
	src, err := fleet.NewSource(ctx, store, sealer)
	if err != nil {
		return err
	}
	defer src.Close()
	vault, err := client.New(vaultDNS, client.WithHTTPClient(httpClient), client.WithCredentials(client.AccessTokenFrom(src)))
	if err != nil {
		return err
	}
	// Every call takes the current token; a rotation switches it as the store reports it.
	list, err := vault.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: "integration"})
	if err != nil {
		return err
	}
	fmt.Println(len(list.Tokens), "active token named integration")
	// docs consumer ends.
	return nil
}

// TestDocsNameRealTests: every test docs/fleet.md and docs/fleet-kubernetes.md name as the
// proof of a claim exists, in this module or the root one, so a renamed or removed test
// cannot leave a claim unbacked.
func TestDocsNameRealTests(t *testing.T) {
	defined := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		for _, m := range regexp.MustCompile(`(?m)^func (Test\w+)\(`).FindAllSubmatch(b, -1) {
			defined[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{"../docs/fleet.md", "../docs/fleet-kubernetes.md"} {
		page, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		named := regexp.MustCompile("`(Test\\w+)`").FindAllSubmatch(page, -1)
		if len(named) < 10 {
			t.Fatalf("%s names %d tests; the search is broken", doc, len(named))
		}
		for _, m := range named {
			if !defined[string(m[1])] {
				t.Errorf("%s names %s, which no test file defines", doc, m[1])
			}
		}
	}
}
