package vaulttest

import (
	"context"
	"net"
	"sync"
)

// InMemoryDNS is the DNS of a fake started with Config.InMemory. The test certificate
// names it, so TLS verifies as it does on loopback; nothing resolves it, so a client that
// is not given Server.Client cannot reach some other server by mistake.
const InMemoryDNS = "example.com"

// memoryListener hands the server the far ends of in-memory connections (net.Pipe) that
// dial makes. Every wait in it is on a channel, so inside a testing/synctest bubble a
// client and the fake talking over it are durably blocked while they wait for each other,
// and the bubble's fake clock can move on; over loopback TCP it could not.
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
	server, client := net.Pipe()
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
