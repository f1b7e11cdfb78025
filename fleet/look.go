package fleet

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/acme/vault-token/client"
)

// look is what a run learns of the record before it decides anything: the record at its
// revision, whether Vault accepts its current token, what is left of the grace period, and
// which tokens this rotator's key does not open (with ReplaceSealKey).
type look struct {
	rec     *record
	version string
	// refused: Vault refused the current token (revoked, expired, restored from an old
	// backup). answered: Vault's answer said something of it (accepted or refused).
	refused, answered bool
	grace             time.Duration   // left of the previous token's grace period, by the store
	unopened          map[string]bool // IDs of the tokens this key does not open
}

// accepted is the look's verdict on the current token for a report: nil when there was
// none or Vault's answer said nothing.
func (l *look) accepted() *bool {
	if !l.answered {
		return nil
	}
	ok := !l.refused
	return &ok
}

// blocksRotation: inside a grace period a rotation waits, unless the current token is
// one Vault refuses (or one a new key replaces): then the fleet has no working token and
// waiting would keep it down.
func (l *look) blocksRotation(opts RotateOptions) bool {
	return !opts.IfDue && !opts.ReplaceSealKey && l.grace > 0 && !l.refused
}

// hasWork reports whether a run has anything to do: without IfDue always (it rotates);
// with it, when the fleet has no working current token, the schedule says so, or the
// record holds something to clean up.
func (r *Rotator) hasWork(l *look, opts RotateOptions) bool {
	return !opts.IfDue || opts.ReplaceSealKey || l.refused || r.scheduled(l)
}

// scheduled reports whether the record alone says there is work: no current token, the
// schedule, something to clean up.
func (r *Rotator) scheduled(l *look) bool {
	rec := l.rec
	return rec == nil || rec.Current == nil || r.due(rec, r.clock().Now()) ||
		rec.Pending != nil || len(rec.Creating) > 0 || (rec.Previous != nil && l.grace == 0)
}

// look opens the record's tokens, reads the grace period's lease and, when nothing else
// would make an IfDue run work, asks Vault whether it accepts the current token (with the
// token itself: Validate Session User, no login). A run that works anyway learns it from
// its listing instead, so a rotation's Vault calls stay four.
func (r *Rotator) look(ctx context.Context, rec *record, version string, opts RotateOptions) (*look, error) {
	l := &look{rec: rec, version: version}
	if rec == nil {
		return l, nil
	}
	unopened, err := r.openAll(rec, opts.ReplaceSealKey)
	if err != nil {
		return nil, err
	}
	l.unopened = unopened
	if l.grace, err = graceLeft(ctx, r.Store, rec, r.clock().Now()); err != nil {
		return nil, err
	}
	if opts.IfDue && !opts.ReplaceSealKey && !r.scheduled(l) && rec.Current != nil {
		l.refused, l.answered = r.accepts(ctx, rec, rec.Current)
		if l.refused {
			r.logger().Warn("fleet: Vault refuses the current token (revoked, expired, or an old record restored): rotating now", "key", r.Store.Key(), "id", rec.Current.ID)
		}
	}
	return l, nil
}

// openAll opens every sealed value of the record with the rotator's key. A value that does
// not open refuses the run (ErrWrongSealKey), unless replace: then it is returned, for the
// run to replace. A previous token whose value was dropped (nil) needs none.
func (r *Rotator) openAll(rec *record, replace bool) (map[string]bool, error) {
	unopened := map[string]bool{}
	for _, slot := range []struct {
		name string
		e    *entry
	}{{"current", rec.Current}, {"previous", rec.Previous}, {"pending", rec.Pending}} {
		if slot.e == nil || slot.e.Sealed == nil {
			continue
		}
		if _, err := r.Sealer.open(r.Store.Key(), slot.e.ID, slot.e.Sealed); err != nil {
			if !replace {
				return nil, fmt.Errorf("%w: the record's %s token %s; this rotator's --seal-key-file is not the fleet's key, and it wrote and sent nothing (to replace a lost key: rotate --replace-seal-key, docs/fleet.md)", ErrWrongSealKey, slot.name, slot.e.ID)
			}
			unopened[slot.e.ID] = true
		}
	}
	return unopened, nil
}

// accepts calls Vault with the token e and reports whether Vault refused it, and whether
// the answer said anything of the token at all: a rate limit or a network error says
// nothing, and the schedule decides as before.
func (r *Rotator) accepts(ctx context.Context, rec *record, e *entry) (refused, answered bool) {
	value, err := r.Sealer.open(r.Store.Key(), e.ID, e.Sealed)
	if err != nil {
		return false, false
	}
	c, err := r.Connect(client.AccessToken(value.Reveal()))
	if err != nil {
		return false, false
	}
	ok, err := Accepts(ctx, c, rec.UserID)
	if err != nil {
		r.logger().Warn("fleet: could not learn whether Vault accepts the current token", "key", r.Store.Key(), "error", err)
		return false, false
	}
	return !ok, true
}

// Accepts asks Vault (Validate Session User) whether it accepts the token c authenticates
// with as userID's ("" for any user's): false for a token Vault refuses
// (INVALID_SESSION_ID) or that authenticates another user. An error is an answer that
// said nothing of the token (the network, a rate limit).
func Accepts(ctx context.Context, c *client.Client, userID string) (bool, error) {
	got, err := c.MyUserID(ctx)
	switch {
	case errors.Is(err, client.ErrorTypeInvalidSessionID):
		return false, nil
	case err != nil:
		return false, err
	}
	return userID == "" || got == userID, nil
}
