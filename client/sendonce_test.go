package client_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/internal/loopcert"
	"github.com/acme/vault-token/internal/rawh2"
)

// TestSentAtMostOnceOverHTTP2: every request that changes Vault (the three token calls,
// a revoke, End Session) reaches an HTTP/2 server once, however the server answers
// (REFUSED_STREAM, GOAWAY before and after the stream, PROTOCOL_ERROR, a reset after the
// reply's headers), on either HTTP/2 transport; the error is an *UnknownOutcomeError.
// Before the client took GetBody away, net/http sent a refused token request 4 times and
// one under GOAWAY dozens of times.
func TestSentAtMostOnceOverHTTP2(t *testing.T) {
	calls := map[string]func(context.Context, *client.Client) error{
		"generate": func(ctx context.Context, c *client.Client) error {
			_, err := c.GenerateAPIAccessToken(ctx, "1", client.TokenRequest{Name: "k"})
			return err
		},
		"generate mine": func(ctx context.Context, c *client.Client) error {
			_, err := c.GenerateMyAPIAccessToken(ctx, client.TokenRequest{Name: "k"})
			return err
		},
		"generate sandbox": func(ctx context.Context, c *client.Client) error {
			_, err := c.GenerateSandboxAPIAccessToken(ctx, "VeePharm Sandbox", client.TokenRequest{Name: "k"})
			return err
		},
		"revoke": func(ctx context.Context, c *client.Client) error {
			_, err := c.RevokeAPIAccessTokens(ctx, "0PI000000000001")
			return err
		},
	}
	for _, mode := range rawh2.Misbehaviours {
		t.Run(mode.String(), func(t *testing.T) {
			for name, call := range calls {
				s := startRawH2(t, mode)
				for tname, rt := range s.Transports() {
					t.Run(name+" over "+tname, func(t *testing.T) {
						before := len(s.Received())
						c, err := client.New(s.Addr,
							client.WithCredentials(client.AccessToken("veeva-vault-h2-test-token")),
							client.WithHTTPClient(&http.Client{Transport: rt}))
						if err != nil {
							t.Fatal(err)
						}
						ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
						defer cancel()
						err = call(ctx, c)
						if got := s.Received()[before:]; len(got) != 1 {
							t.Errorf("the server received %d requests that change Vault, want 1", len(got))
						}
						var unknown *client.UnknownOutcomeError
						if !errors.As(err, &unknown) {
							t.Errorf("error %v (%T), want an *UnknownOutcomeError", err, err)
						}
					})
				}
			}
		})
	}
}

// TestEndSessionSentAtMostOnceOverHTTP2: End Session has no body, and net/http's HTTP/2
// transport resends a request without a body on REFUSED_STREAM and GOAWAY whatever its
// method: the client gives it an empty one so that it is not.
func TestEndSessionSentAtMostOnceOverHTTP2(t *testing.T) {
	for _, mode := range []rawh2.Misbehaviour{rawh2.RefuseStream, rawh2.GoAwayZero} {
		t.Run(mode.String(), func(t *testing.T) {
			s := startRawH2(t, mode)
			fake := vaulttest.NewTestServer(t, vaulttest.Config{})
			// The login goes to the fake Vault, End Session to the raw server.
			rt := s.Transports()["net/http"]
			hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if r.Method != http.MethodDelete {
					return fake.Client().Transport.RoundTrip(r)
				}
				r2 := r.Clone(r.Context())
				r2.URL.Host, r2.Host = s.Addr, s.Addr
				return rt.RoundTrip(r2)
			})}
			user := vaulttest.DefaultUsers()[0]
			c, err := client.New(fake.DNS, client.WithCredentials(client.Password(user.Username, user.Password)), client.WithHTTPClient(hc))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GenerateMyAPIAccessToken(t.Context(), client.TokenRequest{Name: "k"}); err != nil {
				t.Fatal(err)
			}
			before := len(s.Received())
			err = c.EndSession(t.Context())
			if got := s.Received()[before:]; len(got) != 1 || !strings.HasPrefix(got[0], "DELETE ") {
				t.Errorf("the server received %q, want one DELETE", got)
			}
			var unknown *client.UnknownOutcomeError
			if !errors.As(err, &unknown) {
				t.Errorf("error %v (%T), want an *UnknownOutcomeError", err, err)
			}
		})
	}
}

// startRawH2 starts a misbehaving HTTP/2 server for the test.
func startRawH2(t *testing.T, m rawh2.Misbehaviour) *rawh2.Server {
	t.Helper()
	s, err := rawh2.Start(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// h1Cut is the point of an HTTP/1.1 exchange at which the raw server closes the connection.
type h1Cut int

const (
	cutAfterIdleReply    h1Cut = iota // right after answering the read before it, so the request meets a closed connection
	cutAfterRequestLine               // the request line read, nothing more
	cutAfterHeaders                   // the request's headers read
	cutAfterBody                      // the whole request read, no reply
	cutInStatusLine                   // "HTTP/1.1 2" written
	cutAfterReplyHeaders              // the reply's headers written, no body
	cutInReplyBody                    // half the reply's body written
)

func (c h1Cut) String() string {
	return [...]string{"after the previous reply", "after the request line", "after the headers", "after the body",
		"inside the status line", "after the reply's headers", "inside the reply's body"}[c]
}

// TestSentAtMostOnceOverHTTP1: over HTTP/1.1 a token request reaches the server at most
// once wherever the server closes the connection, on a connection net/http reuses (the one
// case where it resends a request by itself). Counted by the server: the POST request
// lines it read on every connection.
func TestSentAtMostOnceOverHTTP1(t *testing.T) {
	for cut := cutAfterIdleReply; cut <= cutInReplyBody; cut++ {
		t.Run(cut.String(), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cert, err := loopcert.ForListener(time.Now(), ln)
			if err != nil {
				t.Fatal(err)
			}
			var (
				mu    sync.Mutex
				posts int
				wg    sync.WaitGroup
				conns []net.Conn
			)
			t.Cleanup(func() {
				_ = ln.Close()
				mu.Lock()
				for _, c := range conns {
					_ = c.Close()
				}
				mu.Unlock()
				wg.Wait()
			})
			const tokenReply = `{"responseStatus":"SUCCESS","data":{"id":"0PI00000000C003","token__sys":"veeva-vault-h1-token"}}`
			const versions = `{"responseStatus":"SUCCESS","values":{"v26.2":"x"}}`
			writeReply := func(w io.Writer, body string) {
				_, _ = io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+
					strconv.Itoa(len(body))+"\r\n\r\n"+body)
			}
			wg.Go(func() {
				for {
					raw, err := ln.Accept()
					if err != nil {
						return
					}
					mu.Lock()
					conns = append(conns, raw)
					mu.Unlock()
					wg.Go(func() {
						defer func() { _ = raw.Close() }()
						conn := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert.TLS}})
						br := bufio.NewReader(conn)
						for {
							line, err := br.ReadString('\n')
							if err != nil {
								return
							}
							isPost := strings.HasPrefix(line, "POST ")
							cut := cut
							if isPost {
								mu.Lock()
								posts++
								first := posts == 1
								mu.Unlock()
								if !first { // a resend: answer it, so that it shows
									cut = -1
								}
							}
							if isPost && cut == cutAfterRequestLine {
								return
							}
							length := 0
							for {
								h, err := br.ReadString('\n')
								if err != nil {
									return
								}
								if h == "\r\n" {
									break
								}
								if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "Content-Length") {
									length, _ = strconv.Atoi(strings.TrimSpace(v))
								}
							}
							if isPost && cut == cutAfterHeaders {
								return
							}
							if _, err := io.CopyN(io.Discard, br, int64(length)); err != nil {
								return
							}
							if !isPost {
								writeReply(conn, versions)
								if cut == cutAfterIdleReply {
									return
								}
								continue
							}
							switch cut {
							case cutAfterBody:
								return
							case cutInStatusLine:
								_, _ = io.WriteString(conn, "HTTP/1.1 2")
								return
							case cutAfterReplyHeaders, cutInReplyBody:
								_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+
									strconv.Itoa(len(tokenReply))+"\r\n\r\n")
								if cut == cutInReplyBody {
									_, _ = io.WriteString(conn, tokenReply[:len(tokenReply)/2])
								}
								return
							}
							writeReply(conn, tokenReply)
						}
					})
				}
			})
			c, err := client.New(ln.Addr().String(),
				client.WithCredentials(client.AccessToken("veeva-vault-h1-test-token")),
				client.WithHTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool()}}}))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if _, err := c.APIVersions(ctx); err != nil { // opens the connection the token request reuses
				t.Fatal(err)
			}
			_, err = c.GenerateAPIAccessToken(ctx, "1", client.TokenRequest{Name: "k"})
			mu.Lock()
			got := posts
			mu.Unlock()
			if got > 1 {
				t.Errorf("the server read %d token requests, want at most 1", got)
			}
			var unknown *client.UnknownOutcomeError
			if cut != cutAfterIdleReply && !errors.As(err, &unknown) {
				t.Errorf("error %v (%T), want an *UnknownOutcomeError", err, err)
			}
		})
	}
}
