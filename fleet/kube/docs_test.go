package kube_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/fleet/kube"
	"github.com/acme/vault-token/internal/docshell"
)

// TestDocsConsumer runs the code docs/fleet-kubernetes.md shows a Go service's owner,
// against the API server with the consumer's Role, after a rotation; the page shows it
// verbatim.
func TestDocsConsumer(t *testing.T) {
	if err := docshell.ShowsCode("docs_test.go", "docs consumer", "../../docs/fleet-kubernetes.md", "## Go services", "\n## "); err != nil {
		t.Error(err)
	}
	kubeconfig, fake := kube.RotatedWorld(t)
	t.Setenv("KUBECONFIG", kubeconfig)
	if err := replica(t.Context(), fake.DNS, fake.Client()); err != nil {
		t.Fatal(err)
	}
}

func replica(ctx context.Context, vaultDNS string, httpClient *http.Client) error {
	// docs consumer: a replica of a Go service, as docs/fleet-kubernetes.md shows it.

	// In a pod: the pod's service account and namespace (elsewhere, the kubeconfig's).
	cfg, namespace, err := kube.LoadConfig("", "")
	if err != nil {
		return err
	}
	store, err := kube.NewStore(cfg, namespace, "vault-token") // the Secret's name
	if err != nil {
		return err
	}
	src, err := fleet.NewSource(ctx, store, nil) // no sealing key: the Secret's token key
	if err != nil {
		return err
	}
	defer src.Close()
	vault, err := client.New(vaultDNS, client.WithHTTPClient(httpClient), client.WithCredentials(client.AccessTokenFrom(src)))
	if err != nil {
		return err
	}
	// Every call takes the current token; a rotation switches it as the watch reports it.
	list, err := vault.ListAPIAccessTokens(ctx, client.TokenFilter{Me: true, Name: "fleet-svc"})
	if err != nil {
		return err
	}
	fmt.Println(len(list.Tokens), "active token named fleet-svc")
	// docs consumer ends.
	return nil
}
