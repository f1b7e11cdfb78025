package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/acme/vault-token/client"
)

// locked is a rotation under the lock: recover, then (when due) create, commit pending,
// check, promote. Every write is fenced; a step that would call Vault first checks the
// lease.
func (r *Rotator) locked(ctx context.Context, h *held, opts RotateOptions) (*Report, error) {
	rec, err := h.read(ctx)
	if err != nil {
		return nil, err
	}
	userID, err := r.userID(ctx)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		rec = &Record{Format: recordFormat, Vault: r.Vault.VaultDNS(), UserID: userID, Name: r.Name}
	}
	if rec.Vault != r.Vault.VaultDNS() || rec.UserID != userID || rec.Name != r.Name {
		return nil, fmt.Errorf("%w: it holds user %s's token %q of %s", ErrRecordMismatch, rec.UserID, rec.Name, rec.Vault)
	}
	rep := &Report{Key: r.Key}
	pending, currentActive, err := r.recover(ctx, h, rec, userID, rep)
	if err != nil {
		return nil, err
	}
	now := r.clock().Now()
	if inGrace(rec, now) {
		// Another rotator promoted while this one waited for the lock. A promotion now
		// would push out a previous token consumers may still hold.
		if opts.IfDue {
			return r.merge(rep, rec, false), nil
		}
		return nil, &GraceError{Until: rec.PreviousRevocableAt}
	}
	if pending == nil && opts.IfDue && !r.due(rec, now) {
		return r.merge(rep, rec, false), nil
	}
	if pending == nil {
		if pending, err = r.create(ctx, h, rec, userID); err != nil {
			return nil, err
		}
	}
	if err := r.check(ctx, h, rec, pending, userID); err != nil {
		return nil, err
	}
	if err := r.promote(ctx, h, rec, pending, currentActive); err != nil {
		return nil, err
	}
	return r.merge(rep, rec, true), nil
}

func (r *Rotator) merge(rep *Report, rec *Record, rotated bool) *Report {
	out := r.report(rec, rotated)
	out.AdoptedPending, out.ClearedPending = rep.AdoptedPending, rep.ClearedPending
	out.RevokedPrevious, out.RevokedUnknown = rep.RevokedPrevious, rep.RevokedUnknown
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

// recover cleans up what earlier runs left, from one listing of the name's active tokens:
// a pending token is adopted if active (and returned, to be checked and promoted) or
// forgotten if not; a previous token past its grace is revoked; an active token the record
// does not know (a rotator died between creating and committing it) is revoked. A
// revocation that fails fails the run, with the token still in the record (or still
// active and unknown), so the next run tries again. It also reports whether the current
// token is still active.
func (r *Rotator) recover(ctx context.Context, h *held, rec *Record, userID string, rep *Report) (pending *Entry, currentActive bool, err error) {
	if err := h.check(); err != nil {
		return nil, false, err
	}
	list, err := r.Vault.ListAPIAccessTokens(ctx, r.filter(userID))
	if err != nil {
		return nil, false, fmt.Errorf("fleet: list the tokens named %q: %w", r.Name, err)
	}
	active := map[string]client.TokenInfo{}
	for _, t := range list.Tokens {
		active[t.ID] = t
	}
	changed := false
	if p := rec.Pending; p != nil {
		if _, ok := active[p.ID]; ok {
			pending, rep.AdoptedPending = p, p.ID
		} else {
			rec.Pending, rep.ClearedPending, changed = nil, p.ID, true
		}
	}
	if rec.Current != nil {
		if _, currentActive = active[rec.Current.ID]; !currentActive {
			r.logger().Warn("fleet: the current token is not active in Vault (expired or revoked): rotating", "key", r.Key, "id", rec.Current.ID)
		}
	}
	var revoke []string
	if p := rec.Previous; p != nil && !inGrace(rec, r.clock().Now()) {
		revoke = append(revoke, p.ID)
	}
	for _, t := range list.Tokens {
		if !rec.knows(t.ID) {
			revoke = append(revoke, t.ID)
		}
	}
	if len(revoke) > 0 {
		if err := r.revoke(ctx, h, revoke); err != nil {
			return nil, false, err
		}
		for _, id := range revoke {
			if rec.Previous != nil && id == rec.Previous.ID {
				rec.Previous, rec.PreviousRevocableAt, rep.RevokedPrevious, changed = nil, time.Time{}, id, true
			} else {
				rep.RevokedUnknown = append(rep.RevokedUnknown, id)
			}
		}
	}
	if changed {
		if err := h.write(ctx, rec); err != nil {
			return nil, false, err
		}
	}
	return pending, currentActive, nil
}

// revoke revokes ids; each must end revoked, already revoked, or unknown to Vault.
func (r *Rotator) revoke(ctx context.Context, h *held, ids []string) error {
	if err := r.step(StepRevoking); err != nil {
		return err
	}
	if err := h.check(); err != nil {
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

// create makes the new token and commits it as pending. A token request is never sent
// twice: when its outcome is unknown the run fails, and the next run revokes the token if
// it was made (it is active and the record does not know it).
func (r *Rotator) create(ctx context.Context, h *held, rec *Record, userID string) (*Entry, error) {
	if err := h.check(); err != nil {
		return nil, err
	}
	req := client.TokenRequest{Name: r.Name}
	now := r.clock().Now()
	if r.Lifetime > 0 {
		req.ExpiresAt = now.Add(r.Lifetime)
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
	if err := r.step(StepCreated); err != nil {
		return nil, err
	}
	e, err := newEntry(r.Sealer, r.Key, tok, now, req.ExpiresAt)
	if err != nil {
		return nil, err
	}
	rec.Pending = e
	if err := h.write(ctx, rec); err != nil {
		return nil, err
	}
	return e, r.step(StepPending)
}

// check calls Vault with the pending token (Validate Session User) and reads its expiry
// as Vault holds it. A token Vault refuses, or that authenticates another user, is revoked
// and forgotten.
func (r *Rotator) check(ctx context.Context, h *held, rec *Record, e *Entry, userID string) error {
	if err := h.check(); err != nil {
		return err
	}
	value, err := r.Sealer.open(r.Key, e.ID, e.Sealed)
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
		e.Expires = expiry(infos[i])
	}
	return r.step(StepChecked)
}

// expiry is when a token expires as Vault lists it; a date without a time counts from its
// first instant in UTC, the earliest it could end.
func expiry(t client.TokenInfo) time.Time {
	if !t.ExpiresAt.IsZero() {
		return t.ExpiresAt
	}
	if t.ExpiresOn.IsZero() {
		return time.Time{}
	}
	return time.Date(t.ExpiresOn.Year, t.ExpiresOn.Month, t.ExpiresOn.Day, 0, 0, 0, 0, time.UTC)
}

// promote makes pending current in one fenced commit, keeping the current token as
// previous for the grace period (unless Vault no longer holds it active: then there is
// nothing to keep).
func (r *Rotator) promote(ctx context.Context, h *held, rec *Record, e *Entry, currentActive bool) error {
	prev := rec.Current
	rec.Previous, rec.PreviousRevocableAt = nil, time.Time{}
	if prev != nil && currentActive {
		rec.Previous, rec.PreviousRevocableAt = prev, r.clock().Now().Add(r.Grace)
	}
	rec.Current, rec.Pending = e, nil
	rec.Epoch++
	if err := h.write(ctx, rec); err != nil {
		return err
	}
	return r.step(StepPromoted)
}
