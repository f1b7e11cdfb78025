package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/acme/vault-token/internal/command"
)

// envTokenFile names the token file in the child's environment.
const envTokenFile = "VEEVA_VAULT_TOKEN_FILE" //nolint:gosec // a variable's name, not a token

// child is the program the agent runs with --exec: started once the file holds a token,
// told of a new one by a signal (or restarted), and stopped by the signal that stops the
// agent.
type child struct {
	argv           []string
	env            []string
	stdout, stderr io.Writer
	notify         syscall.Signal // 0: restart instead
	cmd            *exec.Cmd
	exited         chan struct{} // closed when cmd ends; err is then its end
	err            error
}

func (c *child) start() error {
	// Not CommandContext: a context would kill the child; the agent passes on the signal
	// that stops it instead, and waits.
	cmd := exec.Command(c.argv[0], c.argv[1:]...) //nolint:gosec,noctx // the operator's own command line
	cmd.Env = c.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.stdout, c.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("--exec %s: %w", c.argv[0], err)
	}
	c.cmd, c.exited = cmd, make(chan struct{})
	go func() { c.err = cmd.Wait(); close(c.exited) }()
	return nil
}

// restartGrace is how long a child told to stop for a restart has before it is killed.
const restartGrace = 10 * time.Second

// tokenChanged tells the child: its --signal, or a restart (SIGTERM, SIGKILL after
// restartGrace, then a new start).
func (c *child) tokenChanged() error {
	if c.notify != 0 {
		return c.cmd.Process.Signal(c.notify)
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-c.exited:
	case <-time.After(restartGrace):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	return c.start()
}

// stop passes the signal that stopped the agent on to the child and waits for it.
func (c *child) stop(sig syscall.Signal) {
	_ = c.cmd.Process.Signal(sig)
	<-c.exited
}

// status is how the child ended, as the agent's exit: its code, or 128+N for a signal.
func (c *child) status() error {
	var exit *exec.ExitError
	switch {
	case c.err == nil:
		return nil
	case errors.As(c.err, &exit):
		code := exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &command.ExitedError{Program: c.argv[0], Code: code}
	}
	return c.err
}
