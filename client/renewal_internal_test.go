package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSessionIsRenewedBefore48Hours moves the client's clock: a session 46 hours old is
// reused, one 47 hours old is replaced before Vault's 48-hour limit ends it.
func TestSessionIsRenewedBefore48Hours(t *testing.T) {
	var logins atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/auth") {
			n := logins.Add(1)
			fmt.Fprintf(w, `{"responseStatus":"SUCCESS","sessionId":"s%d","vaultId":1,"vaultIds":[{"id":1,"url":"https://%s/api"}]}`, n, srv.Listener.Addr())
			return
		}
		fmt.Fprint(w, `{"responseStatus":"SUCCESS","data":{"id":"1","token__sys":"veeva-vault-t"}}`)
	}))
	defer srv.Close()
	c, err := New(srv.Listener.Addr().String(), WithHTTPClient(srv.Client()), WithCredentials(Password("u", "p")))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	call := func() {
		t.Helper()
		if _, err := c.GenerateMyAPIAccessToken(context.Background(), TokenRequest{Name: "k"}); err != nil {
			t.Fatal(err)
		}
	}
	call()
	now = now.Add(46 * time.Hour)
	call()
	if n := logins.Load(); n != 1 {
		t.Fatalf("logins after 46h = %d, want 1", n)
	}
	now = now.Add(time.Hour)
	call()
	if n := logins.Load(); n != 2 {
		t.Fatalf("logins after 47h = %d, want 2", n)
	}
}
