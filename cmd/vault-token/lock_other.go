//go:build !unix

package main

import (
	"errors"
	"os"
)

// openLockFile: only Unix systems have the flock that --out-file's lock uses.
func openLockFile(string) (*os.File, error) {
	return nil, errors.New("rotating into an --out-file needs flock, which this system lacks")
}

func tryLock(*os.File) (bool, error) { return false, errors.New("no flock on this system") }
