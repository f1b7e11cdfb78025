package kube

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/acme/vault-token/fleet"
	"github.com/acme/vault-token/openapi"
)

// TestRotationOnTheAPIServer: a rotation on a real API server writes the Secret at most
// three times and calls Vault at most four times (counted by the API server's watch and by
// the fake); a consumer with no sealing key follows the Secret to the new token; an
// --if-due run with nothing to do writes nothing; the Secret's token key holds the
// current token as it is, for pods that mount it.
func TestRotationOnTheAPIServer(t *testing.T) {
	w := newWorld(t)
	writes := w.countWrites()
	r := w.rotator(nil)
	calls := w.fake.Count("")
	first, err := r.Rotate(ctx(t), fleet.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := writes.count(); n > 3 {
		t.Errorf("the first rotation wrote the Secret %d times, want at most 3", n)
	}
	if n := w.fake.Count("") - calls; n > 5 {
		t.Errorf("the first rotation made %d Vault calls, want at most 5 (a login, a listing, a create, a check, a lookup)", n)
	}
	c := w.consumer(nil)
	c.waitFor(t, first.Current.ID)
	if err := c.call(ctx(t)); err != nil {
		t.Fatal(err)
	}

	calls = w.fake.Count("")
	logins := w.fake.Count(openapi.OpAuthenticate)
	second, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := writes.count(); n > 3 {
		t.Errorf("a rotation wrote the Secret %d times, want at most 3", n)
	}
	if n := w.fake.Count("") - calls - (w.fake.Count(openapi.OpAuthenticate) - logins); n > 4 {
		t.Errorf("a rotation made %d Vault calls besides its login, want at most 4", n)
	}
	c.waitFor(t, second.Current.ID)
	if err := c.call(ctx(t)); err != nil {
		t.Fatal(err)
	}

	rep, err := w.rotator(nil).Rotate(ctx(t), fleet.RotateOptions{IfDue: true})
	if err != nil || rep.Rotated {
		t.Fatalf("an --if-due run with nothing due: %+v, %v", rep, err)
	}
	if n := writes.count(); n != 0 {
		t.Errorf("an --if-due run with nothing to do wrote the Secret %d times", n)
	}

	sec, err := w.admin.CoreV1().Secrets(w.ns).Get(ctx(t), w.name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(sec.Data[TokenKey]), w.active()[second.Current.ID].Value; got != want {
		t.Errorf("the Secret's token key holds %q, want the current token", got)
	}
	w.checkInvariants()
}
