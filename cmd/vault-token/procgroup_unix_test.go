//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// inOwnGroup makes cmd, once started, the leader of a process group of its own, so that
// killGroup ends what it started too (a background fake).
func inOwnGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills cmd's process group.
func killGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
