package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/acme/vault-token/client"
)

// locked is a rotation under the lock: recover, then (when there is work) create, commit
// pending, check, promote. Every write is fenced; a step that would call Vault first
// checks the lease. A record another run changed since the look is judged afresh before
// any login or listing: a run that finds the work done does nothing.
func (r *Rotator) locked(ctx context.Context, h *holder, opts RotateOptions, l *look) (*Report, error) {
	rec, err := h.read(ctx)
	if err != nil {
		return nil, err
	}
	if h.version != l.version {
		if l, err = r.look(ctx, rec, h.version, opts); err != nil {
			return nil, err
		}
		if !r.hasWork(l, opts) {
			return r.report(rec, false, l), nil
		}
	}
	if l.blocksRotation(opts) {
		// Another rotator promoted while this one waited for the lock. A promotion now
		// would push out a previous token consumers may still hold.
		return nil, &GraceError{Left: l.grace, Until: rec.PreviousRevocableAt}
	}
	userID, err := r.userID(ctx)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		rec = &record{Format: recordFormat, Vault: r.Vault.VaultDNS(), UserID: userID, Name: r.Name}
	}
	if rec.Vault != r.Vault.VaultDNS() || rec.UserID != userID || rec.Name != r.Name {
		return nil, fmt.Errorf("%w: it holds user %s's token %q of %s", ErrRecordMismatch, rec.UserID, rec.Name, rec.Vault)
	}
	rep := &Report{Key: r.Store.Key(), CurrentAccepted: l.accepted()}
	rc, err := r.recover(ctx, h, rec, userID, rep, l)
	if err != nil {
		return nil, err
	}
	foreign := r.foreign(rep)
	pending := rc.pending
	// A working current token and nothing pending: inside a grace period nothing more to
	// do with IfDue (without it the caller waits); outside one, with IfDue, only when due.
	inGrace := rec.Previous != nil && l.grace > 0
	if pending == nil && rc.currentLive && (inGrace || (opts.IfDue && !opts.ReplaceSealKey && !r.due(rec, r.clock().Now()))) {
		if err := rc.save(ctx, h, rec); err != nil {
			return nil, err
		}
		if inGrace && !opts.IfDue {
			return nil, &GraceError{Left: l.grace, Until: rec.PreviousRevocableAt}
		}
		return r.merge(rep, rec, false), foreign
	}
	if pending == nil {
		// The recovery's changes go out with the intent, in one write.
		if pending, err = r.create(ctx, h, rec, userID, rc.listed); err != nil {
			return nil, err
		}
	} else if err := rc.save(ctx, h, rec); err != nil {
		return nil, err
	}
	if err := r.verify(ctx, h, rec, pending, userID); err != nil {
		return nil, err
	}
	if err := r.promote(ctx, h, rec, pending, rc.currentLive, rec.Current != nil && l.unopened[rec.Current.ID]); err != nil {
		return nil, err
	}
	return r.merge(rep, rec, true), foreign
}

// foreign is the error a run ends with when it found tokens it cannot prove are its own.
func (r *Rotator) foreign(rep *Report) error {
	if len(rep.ForeignTokens) == 0 {
		return nil
	}
	return &ForeignTokensError{Name: r.Name, IDs: rep.ForeignTokens}
}

func (r *Rotator) merge(rep *Report, rec *record, rotated bool) *Report {
	out := r.report(rec, rotated, nil)
	out.CurrentAccepted = rep.CurrentAccepted
	out.AdoptedPending, out.ClearedPending = rep.AdoptedPending, rep.ClearedPending
	out.RevokedPrevious, out.ClearedPrevious, out.RevokedRefused = rep.RevokedPrevious, rep.ClearedPrevious, rep.RevokedRefused
	out.RevokedOrphans, out.ForeignTokens = rep.RevokedOrphans, rep.ForeignTokens
	return out
}

func (r *Rotator) userID(ctx context.Context) (string, error) {
	if r.UserID != "" {
		return r.UserID, nil
	}
	return r.Vault.MyUserID(ctx)
}

func (r *Rotator) filter(userID string) client.TokenFilter {
	return client.TokenFilter{UserID: userID, Name: r.Name}
}

// recovered is what the recovery found: a pending token to promote, whether the current
// token still works, the name's active tokens, and whether the record changed (to be
// written with the run's next write).
type recovered struct {
	pending     *entry
	currentLive bool
	listed      []string
	changed     bool
}

func (rc *recovered) save(ctx context.Context, h *holder, rec *record) error {
	if !rc.changed {
		return nil
	}
	rc.changed = false
	return h.write(ctx, rec)
}

// recover cleans up what earlier runs left, from one listing of the name's active tokens:
// a pending token is adopted if active (and returned, to be checked and promoted) or
// forgotten if not; a previous token past its grace, or a current one Vault refuses, is
// revoked, and one Vault no longer holds active forgotten; an active token the record does
// not know is revoked only when one of the record's intents claims it (a rotator died or
// lost the lock between sending the request and committing the token). Any other unknown
// token is foreign: reported, never revoked. A revocation that fails fails the run, with
// the token still in the record (or its intent kept), so the next run tries again.
func (r *Rotator) recover(ctx context.Context, h *holder, rec *record, userID string, rep *Report, l *look) (*recovered, error) {
	if err := h.stillHolds(); err != nil {
		return nil, err
	}
	list, err := r.Vault.ListAPIAccessTokens(ctx, r.filter(userID))
	if err != nil {
		return nil, fmt.Errorf("fleet: list the tokens named %q: %w", r.Name, err)
	}
	rc := &recovered{}
	active := map[string]client.TokenInfo{}
	for _, t := range list.Tokens {
		active[t.ID] = t
		rc.listed = append(rc.listed, t.ID)
	}
	var revoke []string
	if p := rec.Pending; p != nil {
		_, ok := active[p.ID]
		switch {
		case ok && l.unopened[p.ID]:
			revoke = append(revoke, p.ID)
		case ok:
			rc.pending, rep.AdoptedPending = p, p.ID
		default:
			rec.Pending, rep.ClearedPending, rc.changed = nil, p.ID, true
		}
	}
	if c := rec.Current; c != nil {
		_, listed := active[c.ID]
		rc.currentLive = listed && !l.refused
		if !l.answered {
			rep.CurrentAccepted = &listed
		}
		if listed && l.refused {
			revoke, rep.RevokedRefused = append(revoke, c.ID), c.ID
		} else if !listed {
			r.logger().Warn("fleet: the current token is not active in Vault (expired or revoked): rotating", "key", r.Store.Key(), "id", c.ID)
		}
	}
	if p := rec.Previous; p != nil {
		if _, ok := active[p.ID]; !ok {
			// Vault refuses it already: no grace period to keep, nothing to revoke.
			rec.Previous, rec.PreviousRevocableAt, rec.Grace = nil, time.Time{}, ""
			rep.ClearedPrevious, rc.changed = p.ID, true
		} else if l.grace == 0 || l.unopened[p.ID] {
			revoke = append(revoke, p.ID)
		}
	}
	orphans := r.claim(rec, list.Tokens, rep)
	rc.changed = rc.changed || len(orphans) > 0 || len(rec.Creating) > 0
	revoke = append(revoke, orphans...)
	if len(revoke) == 0 {
		return rc, nil
	}
	if err := r.revoke(ctx, h, revoke); err != nil {
		return nil, err
	}
	rc.changed = true
	if rec.Previous != nil && slices.Contains(revoke, rec.Previous.ID) {
		rep.RevokedPrevious = rec.Previous.ID
		rec.Previous, rec.PreviousRevocableAt, rec.Grace = nil, time.Time{}, ""
	}
	if rec.Pending != nil && slices.Contains(revoke, rec.Pending.ID) {
		rec.Pending = nil
	}
	rep.RevokedOrphans = orphans
	return rc, nil
}

// claim sorts the active tokens the record does not know into the record's own orphans
// (an intent claims each, and no other token) and foreign ones (rep.ForeignTokens). An
// intent that claimed its token is done; one that claimed none has one more miss, and is
// dropped after maxIntentMisses.
func (r *Rotator) claim(rec *record, tokens []client.TokenInfo, rep *Report) (orphans []string) {
	var unknown []client.TokenInfo
	for _, t := range tokens {
		if !rec.knows(t.ID) {
			unknown = append(unknown, t)
		}
	}
	own := map[string]bool{}
	kept := rec.Creating[:0]
	for _, in := range rec.Creating {
		var claimed []string
		for _, t := range unknown {
			if in.claims(t) {
				claimed = append(claimed, t.ID)
			}
		}
		switch {
		case len(claimed) == 1:
			own[claimed[0]] = true
			continue // done
		case len(claimed) == 0:
			in.Misses++
		}
		if in.Misses < maxIntentMisses {
			kept = append(kept, in)
		}
	}
	rec.Creating = kept
	for _, t := range unknown {
		if own[t.ID] {
			orphans = append(orphans, t.ID)
		} else {
			rep.ForeignTokens = append(rep.ForeignTokens, t.ID)
		}
	}
	if len(rep.ForeignTokens) > 0 {
		r.logger().Warn("fleet: active tokens of the fleet's name that the record did not create; not revoked", "key", r.Store.Key(), "ids", rep.ForeignTokens)
	}
	return orphans
}

// revoke revokes ids; each must end revoked, already revoked, or unknown to Vault.
func (r *Rotator) revoke(ctx context.Context, h *holder, ids []string) error {
	if err := r.step(phaseRevoking); err != nil {
		return err
	}
	if err := h.stillHolds(); err != nil {
		return err
	}
	results, err := r.Vault.RevokeAPIAccessTokens(ctx, ids...)
	if err != nil {
		return fmt.Errorf("fleet: revoke %v (the next run tries again): %w", ids, err)
	}
	for _, res := range results {
		if res.Status != client.Revoked && res.Status != client.AlreadyRevoked && res.Status != client.NotFound {
			return fmt.Errorf("fleet: revoke %s (the next run tries again): %s", res.ID, res.Status)
		}
	}
	return nil
}

// create records an intent, fenced, then makes the new token and commits it as pending
// (in the same write that drops the intent). A token request is never sent twice: when its
// outcome is unknown the run fails, and the intent lets the next run revoke the token if
// it was made.
func (r *Rotator) create(ctx context.Context, h *holder, rec *record, userID string, listed []string) (*entry, error) {
	req := client.TokenRequest{Name: r.Name}
	now := r.clock().Now()
	if r.Lifetime > 0 {
		// To the second, as Vault takes it: the intent must name the expiry Vault lists.
		req.ExpiresAt = now.Add(r.Lifetime).UTC().Truncate(time.Second)
	}
	intent := &createIntent{Asked: req.ExpiresAt, Before: listed}
	rec.Creating = append(rec.Creating, intent)
	if n := len(rec.Creating); n > maxIntents {
		rec.Creating = rec.Creating[n-maxIntents:]
	}
	if err := h.write(ctx, rec); err != nil {
		return nil, err
	}
	if err := h.stillHolds(); err != nil {
		return nil, err
	}
	var tok *client.Token
	var err error
	if r.UserID == "" {
		tok, err = r.Vault.GenerateMyAPIAccessToken(ctx, req)
	} else {
		tok, err = r.Vault.GenerateAPIAccessToken(ctx, userID, req)
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: create the token: %w", err)
	}
	if err := r.step(phaseCreated); err != nil {
		return nil, err
	}
	e, err := newEntry(r.Sealer, r.Store.Key(), tok, now, req.ExpiresAt)
	if err != nil {
		return nil, err
	}
	rec.Pending = e
	rec.Creating = slices.DeleteFunc(rec.Creating, func(in *createIntent) bool { return in == intent })
	if err := h.write(ctx, rec); err != nil {
		return nil, err
	}
	return e, r.step(phasePending)
}

// verify calls Vault with the pending token (Validate Session User) and reads its expiry
// as Vault holds it. A token Vault refuses, or that authenticates another user, is revoked
// and forgotten.
func (r *Rotator) verify(ctx context.Context, h *holder, rec *record, e *entry, userID string) error {
	if err := h.stillHolds(); err != nil {
		return err
	}
	value, err := r.Sealer.open(r.Store.Key(), e.ID, e.Sealed)
	if err != nil {
		return err
	}
	c, err := r.Connect(client.AccessToken(value.Reveal()))
	if err != nil {
		return err
	}
	got, err := c.MyUserID(ctx)
	if err == nil && got != userID {
		err = fmt.Errorf("it authenticates user %s, not %s", got, userID)
	}
	// Refused (INVALID_SESSION_ID) or another user's: the token will never work. Any other
	// error (a rate limit, the network) says nothing of it: the next run checks it again.
	if errors.Is(err, client.ErrorTypeInvalidSessionID) || (err != nil && got != "") {
		if rerr := r.revoke(ctx, h, []string{e.ID}); rerr != nil {
			return fmt.Errorf("fleet: the new token %s does not work (%w), and revoking it failed: %w", e.ID, err, rerr)
		}
		rec.Pending = nil
		if werr := h.write(ctx, rec); werr != nil {
			return werr
		}
		return fmt.Errorf("fleet: the new token %s does not work, so it was revoked: %w", e.ID, err)
	}
	if err != nil {
		return fmt.Errorf("fleet: check the new token %s (the next run checks it again): %w", e.ID, err)
	}
	infos, err := r.Vault.LookupAPIAccessTokens(ctx, e.ID)
	if err != nil {
		return fmt.Errorf("fleet: read the new token's expiry: %w", err)
	}
	if i := slices.IndexFunc(infos, func(t client.TokenInfo) bool { return t.ID == e.ID }); i >= 0 {
		e.Expires, _ = infos[i].Expiry() // zero for never
	}
	return r.step(phaseVerified)
}

// promote makes pending current in one fenced commit, keeping the current token as
// previous for the grace period, measured by the store. A current token Vault no
// longer accepts is not kept (there is nothing to keep): a previous token still in its own
// grace period then stays as it is. A current token sealed under a key being replaced
// (unopened) is kept by ID only.
func (r *Rotator) promote(ctx context.Context, h *holder, rec *record, e *entry, currentLive, unopened bool) error {
	if prev := rec.Current; prev != nil && currentLive {
		if err := h.stillHolds(); err != nil {
			return err
		}
		grace, err := r.Store.StartGrace(ctx, r.Grace)
		if err != nil {
			return err
		}
		if unopened {
			kept := *prev
			kept.Sealed = nil
			prev = &kept
		}
		rec.Previous, rec.PreviousRevocableAt, rec.Grace = prev, r.clock().Now().Add(r.Grace), grace
		if grace == "" {
			rec.PreviousRevocableAt = time.Time{}
		}
	}
	e.Promoted = r.clock().Now().UTC()
	rec.Current, rec.Pending = e, nil
	rec.Epoch++
	if err := h.write(ctx, rec); err != nil {
		return err
	}
	return r.step(phasePromoted)
}
