//go:build !unix

package main

import (
	"errors"
	"os/exec"

	"github.com/acme/vault-token/internal/command"
)

// runProgram runs the program at path with this process's standard streams and waits
// for it; its exit status becomes this one's (there is no exec to replace the process).
func runProgram(p program, path string, args []string, a *app) error {
	cmd := exec.Command(path, args...) //nolint:gosec // the program is one of ours, found as program.find says
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.stdin, a.stdout, a.stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &command.ExitedError{Program: p.name, Code: exit.ExitCode()}
	}
	return err
}
