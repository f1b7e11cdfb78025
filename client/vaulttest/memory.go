package vaulttest

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// InMemoryDNS is the DNS of a fake started with Config.InMemory. The test certificate
// names it, so TLS verifies as it does on loopback; nothing resolves it, so a client that
// is not given Server.Client cannot reach some other server by mistake.
const InMemoryDNS = "example.com"

// memoryListener hands the server the far ends of in-memory connections that dial makes.
// Every wait in it is on a channel, so inside a testing/synctest bubble a client and the
// fake talking over it are durably blocked while they wait for each other, and the
// bubble's fake clock can move on; over loopback TCP it could not.
type memoryListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newMemoryListener() *memoryListener {
	return &memoryListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *memoryListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memoryListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *memoryListener) Addr() net.Addr { return memoryAddr{} }

// dial is a DialContext for an http.Transport: whatever address it is asked for, it
// connects to this server.
func (l *memoryListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := memoryPipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	_ = server.Close()
	_ = client.Close()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
}

type memoryAddr struct{}

func (memoryAddr) Network() string { return "pipe" }
func (memoryAddr) String() string  { return InMemoryDNS + ":443" }

// memoryPipe is a connected pair of in-memory connections. Unlike net.Pipe, a write never
// waits for the peer to read (TCP has a kernel buffer; so does this): closing a connection
// sends TLS's close_notify, and with net.Pipe that write blocked forever, holding the
// server's lock, when the peer was not reading.
func memoryPipe() (net.Conn, net.Conn) {
	a, b := newMemoryBuffer(), newMemoryBuffer()
	return &memoryConn{in: a, out: b}, &memoryConn{in: b, out: a}
}

// memoryConn reads from in and writes to out, the peer's in.
type memoryConn struct {
	in, out   *memoryBuffer
	closeOnce sync.Once
}

func (c *memoryConn) Read(p []byte) (int, error)  { return c.in.read(p) }
func (c *memoryConn) Write(p []byte) (int, error) { return c.out.write(p) }

// Close ends both directions: the peer reads what was written, then io.EOF; a read here
// ends at once.
func (c *memoryConn) Close() error {
	c.closeOnce.Do(func() {
		c.out.closeWriter()
		c.in.closeReader()
	})
	return nil
}

func (c *memoryConn) LocalAddr() net.Addr  { return memoryAddr{} }
func (c *memoryConn) RemoteAddr() net.Addr { return memoryAddr{} }

func (c *memoryConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

// SetReadDeadline is what net/http uses to interrupt a read it no longer wants (a
// deadline in the past), so it must wake a blocked read.
func (c *memoryConn) SetReadDeadline(t time.Time) error { c.in.setDeadline(t); return nil }

// SetWriteDeadline has nothing to do: a write never blocks.
func (c *memoryConn) SetWriteDeadline(time.Time) error { return nil }

// memoryBuffer is one direction of a memoryPipe: bytes written and not yet read.
type memoryBuffer struct {
	mu           sync.Mutex // held only to copy: never while waiting
	data         []byte
	writerClosed bool          // the writer closed: io.EOF once data is read
	readerClosed bool          // the reader closed: reads and writes fail
	ready        chan struct{} // one pending wake-up for the reader
	deadline     time.Time
	expired      chan struct{} // closed when deadline passes
	timer        *time.Timer
}

func newMemoryBuffer() *memoryBuffer {
	return &memoryBuffer{ready: make(chan struct{}, 1), expired: make(chan struct{})}
}

func (b *memoryBuffer) wake() {
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

func (b *memoryBuffer) read(p []byte) (int, error) {
	for {
		b.mu.Lock()
		switch {
		case b.readerClosed:
			b.mu.Unlock()
			return 0, net.ErrClosed
		case len(b.data) > 0:
			n := copy(p, b.data)
			b.data = b.data[n:]
			b.mu.Unlock()
			return n, nil
		case b.writerClosed:
			b.mu.Unlock()
			return 0, io.EOF
		case !b.deadline.IsZero() && !time.Now().Before(b.deadline):
			b.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		expired := b.expired
		b.mu.Unlock()
		select {
		case <-b.ready:
		case <-expired:
		}
	}
}

func (b *memoryBuffer) write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.writerClosed || b.readerClosed {
		return 0, io.ErrClosedPipe
	}
	b.data = append(b.data, p...)
	b.wake()
	return len(p), nil
}

func (b *memoryBuffer) closeWriter() {
	b.mu.Lock()
	b.writerClosed = true
	b.mu.Unlock()
	b.wake()
}

func (b *memoryBuffer) closeReader() {
	b.mu.Lock()
	b.readerClosed = true
	b.data = nil
	b.mu.Unlock()
	b.wake()
}

// setDeadline sets the read deadline; a read waiting wakes when it passes.
func (b *memoryBuffer) setDeadline(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.deadline = t
	b.expired = make(chan struct{})
	b.wake()
	if t.IsZero() {
		return
	}
	expired := b.expired
	wait := time.Until(t)
	if wait <= 0 {
		// Past already, as net/http's "long ago" deadline that aborts a read is: no timer.
		// (A timer of minus thirty years inside a testing/synctest bubble crashed go1.26's
		// runtime under -race, SIGSEGV in timer.modify.)
		close(expired)
		return
	}
	b.timer = time.AfterFunc(wait, func() { close(expired) })
}
