package fleet

import (
	"fmt"
	"os"
	"testing"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
)

// shared is the cluster tests that do not stop members share, each with a key of its own:
// starting three members takes a second or two.
var shared *etcdtest.Cluster

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fleet-etcd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	shared, err = etcdtest.NewCluster(etcdtest.Config{Members: 3, Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer shared.Close()
	return m.Run()
}
