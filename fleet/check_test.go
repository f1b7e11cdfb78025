package fleet

import (
	"errors"
	"testing"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/client/vaulttest"
	"github.com/acme/vault-token/openapi"
)

// TestCheckOfTheNewToken: a new token Vault refuses is revoked and forgotten; a check that
// fails for another reason (here a rate limit) leaves the token pending, and the next run
// checks it again and promotes it.
func TestCheckOfTheNewToken(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		w := newWorld(t, nil)
		if err := w.fake.Inject(vaulttest.Fault{Op: openapi.OpValidateSessionUser, Kind: vaulttest.Failure, ErrorType: "INVALID_SESSION_ID", Repeat: true}); err != nil {
			t.Fatal(err)
		}
		_, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
		if !errors.Is(err, client.ErrorTypeInvalidSessionID) {
			t.Fatalf("a rotation whose new token Vault refuses: %v", err)
		}
		if rec := w.record(); rec == nil || rec.Pending != nil || rec.Current != nil {
			t.Errorf("the record keeps the refused token: %+v", rec)
		}
		if n := len(w.active()); n != 0 {
			t.Errorf("%d active tokens of the name, want the refused one revoked", n)
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		w := newWorld(t, nil)
		if err := w.fake.Inject(vaulttest.Fault{Op: openapi.OpValidateSessionUser, Kind: vaulttest.Failure, ErrorType: "API_LIMIT_EXCEEDED"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{}); !errors.Is(err, client.ErrorTypeAPILimitExceeded) {
			t.Fatalf("a rotation whose check is rate limited: %v", err)
		}
		pending := w.record().Pending
		if pending == nil {
			t.Fatal("the new token is not pending after a check that said nothing of it")
		}
		rep, err := w.rotator(nil).Rotate(w.ctx(), RotateOptions{})
		if err != nil || rep.AdoptedPending != pending.ID || rep.Current.ID != pending.ID {
			t.Fatalf("the next run: %+v, %v; want the pending token adopted and promoted", rep, err)
		}
		w.checkInvariants()
	})
}
