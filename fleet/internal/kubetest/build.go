// Package kubetest runs a real Kubernetes API server (kube-apiserver) and the etcd it
// stores in, as processes on loopback, for the tests of the fleet's Kubernetes store:
// RBAC on, a static token for each identity a test plays, and serving certificates for
// 127.0.0.1. Both programs are built from the Go module proxy by the module in
// ../kubeapi, once per machine: the binaries are kept in the user's cache directory under
// a name that changes with that module's go.mod, go.sum and mains.
package kubetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// Version is the Kubernetes release the module builds (and client-go's in fleet/go.mod).
const Version = "v1.37.2"

// moduleDir is the build module's directory, beside this package's.
func moduleDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("kubetest: cannot tell where the build module is")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "kubeapi")
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("kubetest: the build module: %w", err)
	}
	return dir, nil
}

// Binaries are the two programs' paths.
type Binaries struct{ APIServer, Etcd string }

// Build returns the cached binaries, building them first if this machine has not (about
// 8 to 14 minutes on 2 cores the first time, ~2.5 GiB of memory; seconds when Go's build
// cache holds the packages). Concurrent builds (two test packages at once) wait for one.
func Build() (Binaries, error) {
	dir, err := moduleDir()
	if err != nil {
		return Binaries{}, err
	}
	sum := sha256.New()
	for _, f := range []string{"go.mod", "go.sum", "kube-apiserver/main.go", "etcd/main.go"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return Binaries{}, fmt.Errorf("kubetest: %w", err)
		}
		sum.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return Binaries{}, fmt.Errorf("kubetest: the user's cache directory: %w", err)
	}
	out := filepath.Join(cache, "vault-token", "kubeapi-"+Version+"-"+hex.EncodeToString(sum.Sum(nil))[:16])
	bins := Binaries{APIServer: filepath.Join(out, "kube-apiserver"), Etcd: filepath.Join(out, "etcd")}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return Binaries{}, fmt.Errorf("kubetest: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(out, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return Binaries{}, fmt.Errorf("kubetest: %w", err)
	}
	defer func() { _ = lock.Close() }()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return Binaries{}, fmt.Errorf("kubetest: lock the build: %w", err)
	}
	if exists(bins.APIServer) && exists(bins.Etcd) {
		return bins, nil
	}
	tmp, err := os.MkdirTemp(out, "build-")
	if err != nil {
		return Binaries{}, fmt.Errorf("kubetest: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	pkg := "k8s.io/component-base/version"
	ldflags := fmt.Sprintf("-s -w -X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s", pkg, Version, pkg, pkg, strings.Split(Version, ".")[1])
	cmd := exec.Command("go", "build", "-ldflags", ldflags, "-o", tmp+string(filepath.Separator), "./kube-apiserver", "./etcd")
	cmd.Dir = dir
	// Not the race detector a test run may have asked for: these are the engine, not the
	// code under test, and a race build of kube-apiserver is larger and slower.
	cmd.Env = append(withoutGoFlags(os.Environ()), "GOFLAGS=-mod=readonly", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("kubetest: build kube-apiserver and etcd in %s: %w\n%s", dir, err, b)
	}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(out, name)); err != nil {
			return Binaries{}, fmt.Errorf("kubetest: %w", err)
		}
	}
	return bins, nil
}

func withoutGoFlags(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "GOFLAGS=") {
			out = append(out, e)
		}
	}
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
