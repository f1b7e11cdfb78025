package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: what the test writes to the first, the command
// reads from the second as from a keyboard.
func openPTY(t *testing.T) (ptmx, pts *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close() })
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return ptmx, pts
}

// watchedBuffer collects a command's stderr while the test reads it, and closes seen once
// it holds want.
type watchedBuffer struct {
	want string
	seen chan struct{}

	mu     sync.Mutex
	b      bytes.Buffer
	closed bool
}

func newWatchedBuffer(want string) *watchedBuffer {
	return &watchedBuffer{want: want, seen: make(chan struct{})}
}

func (l *watchedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.b.Write(p)
	if !l.closed && strings.Contains(l.b.String(), l.want) {
		l.closed = true
		close(l.seen)
	}
	return n, err
}
func (l *watchedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// waitForState polls for a state no event announces (a terminal's mode), for at most 10
// seconds.
func waitForState(t *testing.T, what string, reached func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	timeout := time.After(10 * time.Second)
	for !reached() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("never reached: %s", what)
		}
	}
}

// TestCtrlCAtThePasswordPrompt: on a real terminal, Ctrl-C at the no-echo prompt stops the
// command at once with exit 130, and the terminal echoes again.
func TestCtrlCAtThePasswordPrompt(t *testing.T) {
	ptmx, pts := openPTY(t)
	cmd := exec.Command(binary, "versions", "--vault", "127.0.0.1:9")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "VEEVA_VAULT_USERNAME=olivia@veepharm.com"}
	cmd.Stdin, cmd.Stdout = pts, pts
	stderr := newWatchedBuffer("Password for olivia@veepharm.com: ")
	cmd.Stderr = stderr
	// A session of its own with the terminal as controlling terminal, as a shell gives it,
	// so that Ctrl-C on the terminal signals the command.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stderr.seen:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("no prompt; stderr %q", stderr.String())
	}
	// The prompt is printed just before the terminal is set to no echo: Ctrl-C must come
	// after that, at the prompt itself.
	waitForState(t, "the terminal set to no echo", func() bool {
		termios, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
		return err == nil && termios.Lflag&unix.ECHO == 0
	})
	if _, err := ptmx.Write([]byte{3}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Errorf("exit %v, want 130; stderr %q", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("Ctrl-C did not stop the command; stderr %q", stderr.String())
	}
	termios, err := unix.IoctlGetTermios(int(pts.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if termios.Lflag&unix.ECHO == 0 {
		t.Error("the terminal was left without echo")
	}
}
