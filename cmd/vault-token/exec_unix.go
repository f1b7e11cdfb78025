//go:build unix

package main

import (
	"os"
	"syscall"
)

// runProgram replaces this process with the program at path: same process ID (so
// VAULT_TOKEN_FAKE_PID names vault-token-fake), same standard streams, signals delivered to it
// directly. It returns only when the exec fails.
func runProgram(_ program, path string, args []string, _ *app) error {
	return syscall.Exec(path, append([]string{path}, args...), os.Environ()) //nolint:gosec // the program is one of ours, found as program.find says
}
