package docshell

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCalls(t *testing.T) {
	block := `source <(vault-token fake -o env --cert-out /tmp/f.pem)  # serves in the background
TOKEN=$(vault-token generate --me --name 'CI key' \
    --expires 90d) && echo "vault-token is # not a comment"
vault-token list --me | head; go run ./cmd/vault-token-fake demo
`
	got := Calls(block, "vault-token")
	want := [][]string{
		{"fake", "-o", "env", "--cert-out", "/tmp/f.pem"},
		{"generate", "--me", "--name", "CI key", "--expires", "90d"},
		{"list", "--me"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"run", "./cmd/vault-token-fake", "demo"}}, Calls(block, "go")); diff != "" {
		t.Errorf("Calls of go (-want +got):\n%s", diff)
	}
}
