package bench

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
)

// The canned Vault: a session it accepts, and the reply it gives every token call.
const (
	session     = "3B3C45FD240E26F0C3DB4F82BBB0C15C7EFE4B29EF9916F5D42F1EBBE7A6A8DD"
	cannedID    = "0PI000000000001"
	cannedToken = "veeva-vault-5c0e3b2a9d1f4e7c8b6a0d2f4e1c3b5a"
)

var (
	tokenReply = []byte(`{"responseStatus":"SUCCESS","data":{"id":"` + cannedID + `","token__sys":"` + cannedToken + `"}}`)
	// replyHeader is what Vault sends with a reply: JSON, an execution ID, the burst limit
	// (and no X-VaultAPI-ResponseDelay, as when the limit is not reached).
	replyHeader = http.Header{
		"Content-Type":                   {"application/json;charset=UTF-8"},
		"X-Vaultapi-Executionid":         {"1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901"},
		"X-Vaultapi-Burstlimit":          {"2000"},
		"X-Vaultapi-Burstlimitremaining": {"1999"},
		"X-Vaultapi-Vaultid":             {"1776"},
	}
)

// loginReply is the reply to a password login at dns.
func loginReply(dns string) []byte {
	return []byte(`{"responseStatus":"SUCCESS","sessionId":"` + session + `","userId":12021,` +
		`"vaultIds":[{"id":1776,"name":"PromoMats","url":"https://` + dns + `/api"}],"vaultId":1776}`)
}

// replyFor is the canned reply to req: a login or a token call.
func replyFor(req *http.Request) []byte {
	if strings.HasSuffix(req.URL.Path, "/auth") {
		return loginReply(req.Host)
	}
	return tokenReply
}

// inMemory is a RoundTripper that answers with the canned reply without a network: what a
// benchmark through it measures is the client's own cost. It reads the request body, as a
// transport does, and gives each reply its own header and body.
type inMemory struct{}

func (inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body := replyFor(req)
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: replyHeader.Clone(), Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}, nil
}

// inMemoryClient is an HTTP client over inMemory, and the host it pretends to be.
func inMemoryClient() (dns string, hc *http.Client) {
	return "myvault.veevavault.com", &http.Client{Transport: inMemory{}}
}

// loopback starts a TLS server on loopback that answers with the canned reply, and returns
// its host and a client that trusts it and keeps a connection per goroutine.
func loopback() (dns string, hc *http.Client, stop func()) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for k, v := range replyHeader {
			w.Header()[k] = v
		}
		_, _ = w.Write(replyFor(r))
	}))
	hc = srv.Client()
	t := hc.Transport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 100
	hc.Transport = t
	return srv.Listener.Addr().String(), hc, srv.Close
}

// hugeReply is a RoundTripper whose reply is a token reply with a token__sys of size
// bytes, streamed: nothing holds it but the client reading it.
type hugeReply struct{ size int64 }

func (h hugeReply) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body := io.MultiReader(
		strings.NewReader(`{"responseStatus":"SUCCESS","data":{"id":"`+cannedID+`","token__sys":"veeva-vault-`),
		io.LimitReader(repeatByte('a'), h.size),
		strings.NewReader(`"}}`))
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: replyHeader.Clone(), Body: io.NopCloser(body), ContentLength: -1, Request: req,
	}, nil
}

// repeatByte reads as an endless run of one byte.
type repeatByte byte

func (r repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
