package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/acme/vault-token/internal/command"
)

// Some commands are programs of their own, run in vault-token's place, found beside this
// one (go install puts them in one folder) or on PATH, as git and kubectl run their
// plugins. Go initializes every package a program links on every start, --help included:
//
//   - vault-token-fake ("vault-token fake", "vault-token demo"): the fake Vault checks
//     every request and reply against the spec with kin-openapi, whose packages take
//     several milliseconds to initialize.
//   - vault-token-fleet ("vault-token fleet"): etcd's client (gRPC, protobuf, zap) is larger
//     still, and lives in a module of its own (fleet/) so that services importing the
//     client library do not carry it.
type program struct {
	name    string
	install string // how to get it, from a clone of the module
}

var (
	fakeProgram  = program{name: "vault-token-fake", install: "install both with go install ./cmd/... (or run go run ./cmd/vault-token-fake instead)"}
	fleetProgram = program{name: "vault-token-fleet", install: "install it beside vault-token with (cd fleet && go install ./cmd/...), the fleet being a module of its own"}
)

// forwardCmd is a command that runs p with prefix and its own arguments, flags and --help
// included.
func (a *app) forwardCmd(p program, use, short, example string, prefix ...string) *cobra.Command {
	return &cobra.Command{
		Use:                use,
		Short:              short,
		Long:               short + ".\n\nIt runs " + p.name + ", installed beside vault-token; \"" + p.name + " --help\" tells more.",
		Example:            example,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			path, err := p.find()
			if err != nil {
				return &command.RanError{Err: err}
			}
			if err := runProgram(p, path, append(prefix, args...), a); err != nil {
				return &command.RanError{Err: err}
			}
			return nil
		},
	}
}

// find is the program beside this one (as run, or with its symbolic links resolved),
// else on PATH.
func (p program) find() (string, error) {
	name := p.name
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
	if path, err := exec.LookPath(p.name); err == nil {
		return path, nil
	}
	return "", errors.New(p.name + " is neither beside vault-token nor on PATH: from a clone of the\nmodule, " + p.install)
}
