package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/command"
)

// --out-file: where a new token's value goes when it must not reach stdout. Vault shows a
// token once, so the file is settled before the token is created, written durably, and
// moved into place; rotations of one file hold a lock beside it.

// deliver puts a new token's result where it goes: the --out-file prepared for it, or
// stdout.
func (a *app) deliver(tok *client.Token, result []byte, out *outputFile, path string) error {
	if out == nil {
		_, err := a.stdout.Write(result)
		return err
	}
	// The token exists and cannot be shown again, and --out-file says it must not reach
	// stdout (a CI log, say): keep it in the temporary file if that much worked.
	if err := out.write(result); err != nil {
		return fmt.Errorf("token %s was created but could not be written, and is not printed: delete it in Vault and try again: %w", tok.ID, err)
	}
	if err := out.commit(); err != nil {
		out.keep()
		return fmt.Errorf("token %s was created and written to %s (mode 0600), but could not be moved to %s: %w", tok.ID, out.tmp.Name(), path, err)
	}
	fmt.Fprintf(a.stderr, "vault-token: token %s written to %s (execution ID %s)\n", tok.ID, path, tok.Response.ExecutionID)
	return nil
}

// outputFile is a 0600 temporary file beside the target, made before the token is created
// and moved into place after: Vault shows a token once, so where it goes is settled before
// it exists.
type outputFile struct {
	tmp    *os.File
	target string
	force  bool
	done   bool
}

// checkTarget refuses an --out-file that exists (without --force) or that is anything but
// a regular file: a symlink could send the token elsewhere, and replacing a device, a FIFO
// or a directory (/dev/stdout as root, say) is never what was meant.
func checkTarget(target string, force bool) error {
	info, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s is %s, not a regular file: refusing to replace it", target, describeMode(info.Mode()))
	case !force:
		return fmt.Errorf("%s exists: pass --force to replace it", target)
	}
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

func prepareOutputFile(target string, force bool) (*outputFile, error) {
	if err := checkTarget(target, force); err != nil {
		return nil, command.UsageErrorf("--out-file: %v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), ".vault-token-*")
	if err != nil {
		return nil, command.UsageErrorf("--out-file: cannot write in %s: %v", filepath.Dir(target), err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("--out-file: %w", err)
	}
	return &outputFile{tmp: tmp, target: target, force: force}, nil
}

// write puts data in the temporary file, durably.
func (o *outputFile) write(data []byte) error {
	if _, err := o.tmp.Write(data); err != nil {
		return err
	}
	if err := o.tmp.Sync(); err != nil {
		return err
	}
	return o.tmp.Close()
}

// commit moves the written temporary file into place.
func (o *outputFile) commit() error {
	// The target is checked again: it may have changed since the token was asked for.
	if err := checkTarget(o.target, o.force); err != nil {
		return err
	}
	if o.force {
		if err := os.Rename(o.tmp.Name(), o.target); err != nil {
			return err
		}
	} else {
		// A hard link fails if the target appeared meanwhile: never overwrite silently.
		if err := os.Link(o.tmp.Name(), o.target); err != nil {
			return err
		}
		_ = os.Remove(o.tmp.Name())
	}
	o.done = true
	return nil
}

// keep leaves the temporary file in place, holding a token that could not be moved.
func (o *outputFile) keep() { o.done = true }

// discard removes the temporary file unless commit moved it into place or keep kept it.
func (o *outputFile) discard() {
	if o != nil && !o.done {
		_ = o.tmp.Close()
		_ = os.Remove(o.tmp.Name())
	}
}

// lockPollInterval is how often a rotation waiting for another's --out-file lock tries it.
const lockPollInterval = 50 * time.Millisecond

// lockOutputFile takes an exclusive lock on a file beside target (target + ".lock", mode
// 0600, left in place: removing it would let two runs lock two different files), so that
// rotations of one --out-file never interleave. It waits for a lock another run holds
// until ctx ends, saying so once through waiting. The returned function releases it; the
// system releases it too when the process ends, however it ends.
func lockOutputFile(ctx context.Context, target string, waiting func(lock string)) (release func(), err error) {
	path := target + ".lock"
	// What stands at the lock's path is judged as the target is: anything but a regular
	// file is a usage error, the same for both (openLockFile refuses a symbolic link too,
	// should one appear meanwhile).
	if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
		return nil, command.UsageErrorf("--out-file lock %s is %s, not a regular file: remove it", path, describeMode(info.Mode()))
	}
	f, err := openLockFile(path)
	if err != nil {
		return nil, fmt.Errorf("--out-file lock %s: %w", path, err)
	}
	tick := time.NewTicker(lockPollInterval)
	defer tick.Stop()
	for said := false; ; said = true {
		locked, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("--out-file lock %s: %w", path, err)
		}
		if locked {
			return func() { _ = f.Close() }, nil
		}
		if !said {
			waiting(path)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("another run still holds the --out-file lock %s: %w", path, context.Cause(ctx))
		}
	}
}
