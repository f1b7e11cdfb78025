//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// openLockFile opens (or makes) a lock file, refusing a symbolic link at its path.
func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600) //nolint:gosec // the operator's own --out-file path, by design
}

// tryLock takes an exclusive flock on f without waiting; false if another holds it.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) //nolint:gosec // a file descriptor fits an int
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
