package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/acme/vault-token/client"
)

// Defaults of a Rotator.
const (
	DefaultDueShare = 2.0 / 3 // rotate once two thirds of the current token's life have passed
	DefaultLockTTL  = 10 * time.Second
)

// A Rotator rotates a fleet's token: under the fleet's etcd lock, with every write fenced
// on still holding it, it recovers what a rotator that died left, creates a token, commits
// it as pending, checks it works, and promotes it to current in one commit, keeping the
// token before it as previous for the grace period. A later rotation revokes previous once
// the grace period is over. docs/fleet.md gives the protocol and what each failure leaves.
type Rotator struct {
	Etcd   *clientv3.Client
	Key    string // the record's etcd key
	Sealer *Sealer
	// Vault is the rotator's client, with credentials that may create, list and revoke the
	// tokens (a password: one login per rotation run).
	Vault *client.Client
	// Connect makes a client of the same Vault that authenticates with creds: the new
	// token's check uses it.
	Connect func(creds client.Credentials) (*client.Client, error)
	UserID  string // the tokens' user; "" for the user Vault authenticates as
	Name    string // the tokens' name, which belongs to the fleet
	// Lifetime is the life asked for a new token; 0 asks none (the user's security profile
	// decides). The schedule runs from the expiry Vault reports, not from this.
	Lifetime time.Duration
	// Grace is how long the previous token stays valid after a promotion: at least the
	// longest time a consumer may take to see the new one, plus clock skew.
	Grace time.Duration
	// DueShare is the share of the current token's life after which an IfDue rotation
	// rotates (default DefaultDueShare).
	DueShare float64
	// LockTTL is the lease of the lock: a rotator that stops renewing it (dead, cut off)
	// loses the lock after this long (default DefaultLockTTL; etcd rounds up small values).
	LockTTL time.Duration
	Clock   Clock        // default: the system's
	Logger  *slog.Logger // default: discards

	// AfterStep, when set, runs after each step of a rotation; an error ends the rotation
	// there. It is for tests and demonstrations of a rotator failing at a given point (a
	// failpoint): to leave the lock as a process that died would, close Etcd before
	// returning, so the lease is not renewed and the lock not released.
	AfterStep func(Step) error
}

// Step names a point in a rotation, for tests that stop a rotator there.
type Step string

// The steps of a rotation, in order.
const (
	StepCreated  Step = "created"  // the new token exists in Vault, nowhere else
	StepPending  Step = "pending"  // the record holds it as pending
	StepChecked  Step = "checked"  // the new token authenticated a call
	StepPromoted Step = "promoted" // the record holds it as current
	StepRevoking Step = "revoking" // a revocation is about to be sent
)

// Clock tells the time and waits, so tests can run rotations on a clock they control.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RotateOptions change what a rotation does.
type RotateOptions struct {
	// IfDue rotates only when the schedule says so (no current token, or DueShare of its
	// life passed); the recovery runs either way. For a job that runs often.
	IfDue bool
}

// Report is what a rotation did.
type Report struct {
	Key     string `json:"key"`
	Rotated bool   `json:"rotated"`
	Current *Token `json:"current"` // the current token after the run
	Epoch   int64  `json:"epoch"`
	// DueAt is when the current token is due for rotation (null for never).
	DueAt *time.Time `json:"dueAt"`
	// GraceEndsAt is when the previous token may be revoked (null when there is none).
	GraceEndsAt *time.Time `json:"graceEndsAt"`
	// Recovery.
	AdoptedPending  string   `json:"adoptedPending,omitempty"`  // a dead rotator's token, active, promoted
	ClearedPending  string   `json:"clearedPending,omitempty"`  // a dead rotator's token, not active, forgotten
	RevokedPrevious string   `json:"revokedPrevious,omitempty"` // the previous token, its grace over
	RevokedUnknown  []string `json:"revokedUnknown,omitempty"`  // active tokens of the name the record did not know
}

// GraceError is the error of a rotation refused because the previous token's grace period
// has not ended: a rotation now would make a fourth token, or revoke one consumers may hold.
type GraceError struct{ Until time.Time }

func (e *GraceError) Error() string {
	return fmt.Sprintf("fleet: the previous token's grace period runs until %s: a rotation before then would revoke a token consumers may still use; run again after it (or with a timeout that reaches it)", e.Until.UTC().Format(time.RFC3339))
}

// ErrRecordMismatch is the error of a rotator whose Vault, user or token name differs
// from what the record at its key holds.
var ErrRecordMismatch = errors.New("fleet: the record at this key is for another Vault, user or token name")

func (r *Rotator) clock() Clock {
	if r.Clock == nil {
		return systemClock{}
	}
	return r.Clock
}

func (r *Rotator) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func (r *Rotator) step(s Step) error {
	r.logger().Debug("fleet rotation", "key", r.Key, "step", string(s))
	if r.AfterStep != nil {
		return r.AfterStep(s)
	}
	return nil
}

func (r *Rotator) validate() error {
	switch {
	case r.Etcd == nil || r.Vault == nil || r.Sealer == nil || r.Connect == nil:
		return errors.New("fleet: a Rotator needs Etcd, Vault, Connect and Sealer")
	case r.Key == "" || r.Name == "":
		return errors.New("fleet: a Rotator needs Key and Name")
	case r.Grace < 0 || r.Lifetime < 0:
		return errors.New("fleet: Grace and Lifetime cannot be negative")
	case r.DueShare < 0 || r.DueShare > 1:
		return errors.New("fleet: DueShare is a share of a token's life, between 0 and 1")
	}
	return nil
}

// dueAt is when the record's current token is due: DueShare of its life after it was
// created; zero for a token that never expires.
func (r *Rotator) dueAt(rec *Record) time.Time {
	if rec == nil || rec.Current == nil || rec.Current.Expires.IsZero() {
		return time.Time{}
	}
	share := r.DueShare
	if share == 0 {
		share = DefaultDueShare
	}
	life := rec.Current.Expires.Sub(rec.Current.Created)
	return rec.Current.Created.Add(time.Duration(float64(life) * share))
}

func (r *Rotator) due(rec *Record, now time.Time) bool {
	if rec == nil || rec.Current == nil {
		return true
	}
	at := r.dueAt(rec)
	return !at.IsZero() && !now.Before(at)
}

// inGrace reports whether rec's previous token is still inside its grace period.
func inGrace(rec *Record, now time.Time) bool {
	return rec != nil && rec.Previous != nil && now.Before(rec.PreviousRevocableAt)
}

// needsRecovery reports whether rec holds something a run must clean up.
func needsRecovery(rec *Record, now time.Time) bool {
	return rec != nil && (rec.Pending != nil || (rec.Previous != nil && !inGrace(rec, now)))
}

func (r *Rotator) lockTTL() int {
	ttl := r.LockTTL
	if ttl <= 0 {
		ttl = DefaultLockTTL
	}
	return int((ttl + time.Second - 1) / time.Second)
}

// Rotate runs one rotation (with IfDue, only when due) and the recovery before it. Inside
// the previous token's grace period it waits for the period to end if ctx lasts that long
// (with IfDue it does not rotate and does not wait); else it returns a *GraceError.
func (r *Rotator) Rotate(ctx context.Context, opts RotateOptions) (*Report, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	for {
		// A look without the lock: a job that runs often decides without taking it, and a
		// rotation inside the grace period waits here, not while holding the lock.
		rec, _, err := read(ctx, r.Etcd, r.Key)
		if err != nil {
			return nil, err
		}
		now := r.clock().Now()
		if opts.IfDue && !r.due(rec, now) && !needsRecovery(rec, now) {
			return r.report(rec, false), nil
		}
		if !opts.IfDue && inGrace(rec, now) {
			if err := r.waitForGrace(ctx, rec.PreviousRevocableAt); err != nil {
				return nil, err
			}
		}
		rep, err := r.lockedRun(ctx, opts)
		var graceErr *GraceError
		if !errors.As(err, &graceErr) {
			return rep, err
		}
		// Another rotator promoted while this one waited for the lock: wait for that
		// promotion's grace period, then look again.
	}
}

// lockedRun takes the lock, runs a rotation under it, and releases it.
func (r *Rotator) lockedRun(ctx context.Context, opts RotateOptions) (*Report, error) {
	h, err := lock(ctx, r.Etcd, r.Key, r.lockTTL())
	if err != nil {
		return nil, err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		h.release(rctx)
	}()
	return r.locked(ctx, h, opts)
}

// waitForGrace waits until the grace period ends, if ctx lasts that long; else it refuses.
func (r *Rotator) waitForGrace(ctx context.Context, until time.Time) error {
	wait := until.Sub(r.clock().Now())
	if deadline, ok := ctx.Deadline(); ok && deadline.Before(time.Now().Add(wait)) {
		return &GraceError{Until: until}
	}
	r.logger().Info("fleet rotation waits for the grace period to end", "key", r.Key, "until", until)
	select {
	case <-r.clock().After(wait):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fleet: waiting for the grace period to end: %w", context.Cause(ctx))
	}
}

// report describes rec after a run.
func (r *Rotator) report(rec *Record, rotated bool) *Report {
	rep := &Report{Key: r.Key, Rotated: rotated}
	if rec == nil {
		return rep
	}
	rep.Current, rep.Epoch = rec.Current.view(), rec.Epoch
	if at := r.dueAt(rec); !at.IsZero() {
		rep.DueAt = &at
	}
	if rec.Previous != nil {
		at := rec.PreviousRevocableAt
		rep.GraceEndsAt = &at
	}
	return rep
}
