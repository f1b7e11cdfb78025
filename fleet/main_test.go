package fleet

import (
	"os"
	"testing"

	"github.com/acme/vault-token/fleet/internal/etcdtest"
)

func startSharedCluster(t testing.TB) *etcdtest.Cluster {
	return etcdtest.Start(&noCleanup{TB: t}, 3, nil)
}

// noCleanup keeps the shared cluster running after the test that started it: TestMain
// stops it.
type noCleanup struct{ testing.TB }

func (n *noCleanup) Cleanup(func())  {}
func (n *noCleanup) TempDir() string { return sharedDir }

var sharedDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fleet-etcd-")
	if err != nil {
		panic(err)
	}
	sharedDir = dir
	code := m.Run()
	if c := sharedCluster.c; c != nil {
		c.StopAll()
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}
