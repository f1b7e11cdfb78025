//go:build !unix

package main

import "os/exec"

// inOwnGroup does nothing where there are no process groups to ask for.
func inOwnGroup(*exec.Cmd) {}

// killGroup kills cmd alone: what it started in the background may outlive it.
func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
