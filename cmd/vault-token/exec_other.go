//go:build !unix

package main

import (
	"errors"
	"os/exec"
)

// runProgram runs the program at path with this process's standard streams and waits
// for it; its exit status becomes this one's (there is no exec to replace the process).
func runProgram(path string, args []string, a *app) error {
	cmd := exec.Command(path, args...) //nolint:gosec // the program is vault-token-fake, found as findFakeProgram says
	cmd.Stdin, cmd.Stdout, cmd.Stderr = a.stdin, a.stdout, a.stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &exitedError{exit.ExitCode()}
	}
	return err
}
