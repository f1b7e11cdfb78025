package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/fleet/internal/kubetest"
	"github.com/acme/vault-token/internal/command"
)

// statusKeys are the fields of status -o json, the same for both stores.
var statusKeys = []string{"currentAccepted", "current", "epoch", "key", "name", "pending", "previous", "previousRevocableAt", "userId", "vault", "version"}

// kubeHarness is the program's harness on the Kubernetes store: an API server, a namespace,
// a kubeconfig for the administrator whose context names the namespace, and no etcd.
func kubeHarness(t *testing.T, api *kubetest.Server, fake *vaulttest.Server, ns string) *harness {
	t.Helper()
	cs, err := kubernetes.NewForConfig(api.Config(kubetest.Admin))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := api.Kubeconfig(kubetest.Admin, ns)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, fake, nil)
	delete(h.env, command.EnvEtcd)
	delete(h.env, command.EnvFleetKey)
	h.env[command.EnvFleetSecret] = "vault-token"
	h.env["KUBECONFIG"] = kubeconfig
	return h
}

// TestKubernetesStore: rotate, status and token on a Secret of a real API server, found
// through $KUBECONFIG (its context's namespace, or --namespace); status -o json has the
// etcd store's shape; the token command needs no sealing key (the Secret holds the token);
// a refusal by the API server is one line naming the verb, the resource and the
// identity, exit 1; mixing the two stores' flags is a usage error.
func TestKubernetesStore(t *testing.T) {
	api := kubetest.StartTB(t, kubetest.User{Name: "someone"})
	h := kubeHarness(t, api, vaulttest.NewTestServer(t, vaulttest.Config{}), "fleet")
	r := h.run("rotate", "--me", "--name", "fleet-svc", "--grace", "30m")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "rotated: ") {
		t.Fatalf("rotate --secret: %+v", r)
	}
	r = h.run("status", "-o", "json")
	var st map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil {
		t.Fatalf("status -o json: %+v", r)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(statusKeys)), slices.Sorted(maps.Keys(st))); diff != "" {
		t.Errorf("status -o json's fields (-want +got):\n%s", diff)
	}
	if st["key"] != "fleet/vault-token" || st["currentAccepted"] != true {
		t.Errorf("status -o json: key %v, currentAccepted %v", st["key"], st["currentAccepted"])
	}
	cur, _ := st["current"].(map[string]any)

	seal := h.env[command.EnvSealKeyFile]
	delete(h.env, command.EnvSealKeyFile)
	r = h.run("token")
	value := strings.TrimSuffix(r.stdout, "\n")
	h.printed.Reset() // the token, printed as asked
	if tok, ok := activeTokens(h.fake)[cur["id"].(string)]; r.code != 0 || !ok || tok.Value != value {
		t.Errorf("token without a sealing key: exit %d, stderr %q", r.code, r.stderr)
	}
	h.env[command.EnvSealKeyFile] = seal

	if r := h.run("status", "--namespace", "elsewhere"); r.code != 1 || !strings.Contains(r.stderr, "no record") {
		t.Errorf("status --namespace of an empty namespace: %+v", r)
	}

	kubeconfig, err := api.Kubeconfig("someone", "fleet")
	if err != nil {
		t.Fatal(err)
	}
	r = h.run("rotate", "--me", "--name", "fleet-svc", "--kubeconfig", kubeconfig)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != command.ExitVault || len(lines) != 1 || !strings.Contains(r.stderr, "get") || !strings.Contains(r.stderr, "Secret") || !strings.Contains(r.stderr, `"someone"`) {
		t.Errorf("a rotation the API server refuses: %+v", r)
	}

	for _, args := range [][]string{
		{"status", "--etcd", "http://127.0.0.1:1"},
		{"status", "--key", "/vault-token/x"},
	} {
		if r := h.run(args...); r.code != command.ExitUsage || !strings.Contains(r.stderr, "not both") {
			t.Errorf("%v with --secret: %+v", args, r)
		}
	}
	delete(h.env, command.EnvFleetSecret)
	h.env[command.EnvEtcd] = "http://127.0.0.1:1"
	h.env[command.EnvFleetKey] = "/vault-token/x"
	if r := h.run("status", "--namespace", "fleet"); r.code != command.ExitUsage || !strings.Contains(r.stderr, "--secret") {
		t.Errorf("--namespace without --secret: %+v", r)
	}
}

// TestAgentOnTheKubernetesStore: the agent follows the Secret (get and watch of the one
// name) with no sealing key, and keeps --out-file holding the current token alone across
// a rotation.
func TestAgentOnTheKubernetesStore(t *testing.T) {
	api := kubetest.StartTB(t)
	h := kubeHarness(t, api, vaulttest.NewTestServer(t, vaulttest.Config{}), "fleet")
	h.rotate(t, "0s")
	out := filepath.Join(t.TempDir(), "token")
	env := []string{command.EnvSealKeyFile + "="} // the agent needs none on this store
	ag := h.startAgent(t, env, "--out-file", out)
	for n := 1; n <= 2; n++ {
		ag.stderr.waitFor(t, "the file holds the current token", n)
		if b, err := os.ReadFile(out); err != nil || string(b) != h.current(t) {
			t.Fatalf("after %d rotations the file does not hold the current token alone (%v)", n, err)
		}
		if n == 1 {
			h.rotate(t, "0s")
		}
	}
}
