package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/internal/command"
)

// The fake Vault is a program of its own, vault-token-fake: the request validation it
// needs (kin-openapi) runs several milliseconds of package initialization, and Go
// initializes every package a program links on every start, --help included. So
// "vault-token fake" and "vault-token demo" run that program, found beside this one
// (go install ./cmd/... puts both in one folder) or on PATH, as git and kubectl run their
// plugins.
const fakeProgram = "vault-token-fake"

// forwardCmd is a command that runs vault-token-fake with prefix and its own arguments,
// flags and --help included.
func (a *app) forwardCmd(use, short, example string, prefix ...string) *cobra.Command {
	return &cobra.Command{
		Use:                use,
		Short:              short,
		Long:               short + ".\n\nIt runs " + fakeProgram + ", installed beside vault-token; \"" + fakeProgram + " --help\" tells more.",
		Example:            example,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			path, err := findFakeProgram()
			if err != nil {
				return &command.RanError{Err: err}
			}
			if err := runProgram(path, append(prefix, args...), a); err != nil {
				return &command.RanError{Err: err}
			}
			return nil
		},
	}
}

// errNoFakeProgram says how to get vault-token-fake.
var errNoFakeProgram = errors.New(fakeProgram + " is neither beside vault-token nor on PATH: from a clone of the\n" +
	"module, install both with go install ./cmd/... (or run go run ./cmd/" + fakeProgram + " instead)")

// findFakeProgram is vault-token-fake beside this program (as run, or with its symbolic
// links resolved), else on PATH.
func findFakeProgram() (string, error) {
	name := fakeProgram
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if self, err := os.Executable(); err == nil {
		dirs := []string{filepath.Dir(self)}
		if real, err := filepath.EvalSymlinks(self); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		for _, dir := range dirs {
			path := filepath.Join(dir, name)
			if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
				return path, nil
			}
		}
	}
	if path, err := exec.LookPath(fakeProgram); err == nil {
		return path, nil
	}
	return "", errNoFakeProgram
}

// exitedError is the exit status of a program vault-token ran in its place: report exits
// with it and prints nothing (the program said what it had to).
type exitedError struct{ code int }

func (e *exitedError) Error() string {
	return fmt.Sprintf("%s exited with status %d", fakeProgram, e.code)
}
