// Package rawh2 is a TLS server speaking just enough HTTP/2 (golang.org/x/net/http2's
// framer) to misbehave the way a proxy in front of Vault can: it refuses, resets or
// abandons every request that changes Vault (POST and DELETE) once it has read it whole, and
// counts those requests as it read them. Tests use it to count, from the server's side,
// how often a request reached the wire. It is for tests only.
package rawh2

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/acme/vault-token/internal/loopcert"
)

// Misbehaviour is what the server does with a request that changes Vault.
type Misbehaviour int

const (
	RefuseStream        Misbehaviour = iota // RST_STREAM REFUSED_STREAM: "not processed", which HTTP/2 clients take on trust
	GoAwayZero                              // GOAWAY, last stream 0: "no stream was processed"
	GoAwayLastIsThis                        // GOAWAY naming this stream as processed, then the connection closes
	ProtocolErrorStream                     // RST_STREAM PROTOCOL_ERROR, which net/http also retries
	ResetAfterHeaders                       // the reply's headers, then RST_STREAM INTERNAL_ERROR
)

// Misbehaviours lists them all, for a table test.
var Misbehaviours = []Misbehaviour{RefuseStream, GoAwayZero, GoAwayLastIsThis, ProtocolErrorStream, ResetAfterHeaders}

func (m Misbehaviour) String() string {
	return [...]string{"REFUSED_STREAM", "GOAWAY(0)", "GOAWAY(last=N)", "PROTOCOL_ERROR", "reset after the response headers"}[m]
}

// Server is a running misbehaving HTTP/2 server on loopback.
type Server struct {
	Addr string         // host:port
	Cert *loopcert.Cert // its certificate, to trust

	ln   net.Listener
	mode Misbehaviour
	wg   sync.WaitGroup

	mu      sync.Mutex
	changes []string // "METHOD path" of each request that changes Vault, as read
	conns   []net.Conn
}

// Start starts a server on 127.0.0.1 that answers every request that changes Vault with m,
// and every other request with REFUSED_STREAM.
func Start(m Misbehaviour) (*Server, error) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cert, err := loopcert.ForListener(time.Now(), ln)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), Cert: cert, ln: ln, mode: m}
	s.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, conn)
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(conn) })
		}
	})
	return s, nil
}

// Close stops the server and closes every connection it accepted.
func (s *Server) Close() {
	_ = s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Received returns "METHOD path" for every request that changes Vault the server read.
func (s *Server) Received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.changes...)
}

// Transports are the HTTP/2 transports a service could send with, trusting the server:
// net/http's own and golang.org/x/net/http2's.
func (s *Server) Transports() map[string]http.RoundTripper {
	return map[string]http.RoundTripper{
		"net/http":    &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Cert.Pool()}, ForceAttemptHTTP2: true},
		"x/net/http2": &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Cert.Pool()}},
	}
}

func (s *Server) serve(raw net.Conn) {
	defer func() { _ = raw.Close() }()
	conn := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{s.Cert.TLS}, NextProtos: []string{http2.NextProtoTLS}})
	if err := conn.HandshakeContext(context.Background()); err != nil {
		return
	}
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(conn, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(conn, bufio.NewReader(conn))
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if fr.WriteSettings() != nil {
		return
	}
	type stream struct{ method, path string }
	open := map[uint32]stream{}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() && fr.WriteSettingsAck() != nil {
				return
			}
		case *http2.PingFrame:
			if !f.IsAck() && fr.WritePing(true, f.Data) != nil {
				return
			}
		case *http2.MetaHeadersFrame:
			st := stream{method: f.PseudoValue("method"), path: f.PseudoValue("path")}
			open[f.StreamID] = st
			if f.StreamEnded() && s.act(fr, f.StreamID, st.method, st.path) {
				return
			}
		case *http2.DataFrame:
			if st, ok := open[f.StreamID]; ok && f.StreamEnded() && s.act(fr, f.StreamID, st.method, st.path) {
				return
			}
		}
	}
}

// act answers a whole request; it reports whether the connection is to be closed.
func (s *Server) act(fr *http2.Framer, id uint32, method, path string) (closeConn bool) {
	if method != http.MethodPost && method != http.MethodDelete {
		_ = fr.WriteRSTStream(id, http2.ErrCodeRefusedStream)
		return false
	}
	s.mu.Lock()
	s.changes = append(s.changes, method+" "+path)
	s.mu.Unlock()
	switch s.mode {
	case RefuseStream:
		_ = fr.WriteRSTStream(id, http2.ErrCodeRefusedStream)
	case ProtocolErrorStream:
		_ = fr.WriteRSTStream(id, http2.ErrCodeProtocol)
	case GoAwayZero:
		_ = fr.WriteGoAway(0, http2.ErrCodeNo, nil)
		return true
	case GoAwayLastIsThis:
		_ = fr.WriteGoAway(id, http2.ErrCodeNo, nil)
		return true
	case ResetAfterHeaders:
		var block bytes.Buffer
		enc := hpack.NewEncoder(&block)
		_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
		_ = enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/json"})
		_ = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block.Bytes(), EndHeaders: true})
		_ = fr.WriteRSTStream(id, http2.ErrCodeInternal)
	}
	return false
}
