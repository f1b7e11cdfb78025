package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/internal/bound"
)

// Defaults of a Rotator.
const (
	DefaultDueShare = 2.0 / 3 // rotate once two thirds of the current token's life have passed
	DefaultLockTTL  = 10 * time.Second
)

// A Rotator rotates a fleet's token: under the store's lock, with every write fenced
// on still holding it, it recovers what a rotator that died left, creates a token, commits
// it as pending, checks it works, and promotes it to current in one commit, keeping the
// token before it as previous for the grace period. A later rotation revokes previous once
// the grace period is over. docs/fleet.md gives the protocol and what each failure leaves.
type Rotator struct {
	Store  Store // where the record and the lock are: NewEtcdStore, or the kube package's
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
	// loses the lock after this long (default DefaultLockTTL; etcd rounds it up to whole
	// seconds).
	LockTTL time.Duration
	Clock   Clock        // default: the system's
	Logger  *slog.Logger // default: discards

	// afterPhase, when a test sets it, runs after each phase of a rotation; an error ends
	// the rotation there (a failpoint). To leave the lock as a process that died would,
	// the test closes the store's client before returning, so the lease is neither renewed
	// nor released.
	afterPhase func(phase) error
}

// phase names a point in a rotation, for tests that stop a rotator there.
type phase string

// The steps of a rotation, in order.
const (
	phaseCreated  phase = "created"  // the new token exists in Vault, nowhere else
	phasePending  phase = "pending"  // the record holds it as pending
	phaseVerified phase = "verified" // the new token authenticated a call
	phasePromoted phase = "promoted" // the record holds it as current
	phaseRevoking phase = "revoking" // a revocation is about to be sent
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
	// IfDue rotates only when there is something to do: no current token, a current token
	// Vault refuses, the schedule says so (DueShare of its life passed), or something to
	// clean up. For a job that runs often.
	IfDue bool
	// ReplaceSealKey lets a rotator whose key does not open the record's tokens replace
	// them: the current token is kept as previous for the grace period (by ID: its value
	// cannot be opened), a pending or previous one is revoked, and a new current token is
	// sealed with this rotator's key. Without it such a rotator is refused
	// (ErrWrongSealKey) before it writes or calls Vault. For an operator replacing a lost
	// key; docs/fleet.md has the steps.
	ReplaceSealKey bool
}

// Report is what a rotation did.
type Report struct {
	Key     string `json:"key"`
	Rotated bool   `json:"rotated"`
	Current *Token `json:"current"` // the current token after the run
	Epoch   int64  `json:"epoch"`
	// CurrentAccepted says whether Vault accepted the current token the run found (a
	// Validate Session User call with the token itself); null when Vault's answer said
	// nothing of the token (the network, a rate limit) or there was none.
	CurrentAccepted *bool `json:"currentAccepted"`
	// DueAt is when the current token is due for rotation (null for never).
	DueAt *time.Time `json:"dueAt"`
	// GraceEndsAt is when the previous token may be revoked (null when there is none), as
	// the rotator that promoted saw its clock; the rule is the store's grace period.
	GraceEndsAt *time.Time `json:"graceEndsAt"`
	// Recovery.
	AdoptedPending  string   `json:"adoptedPending,omitempty"`  // a dead rotator's token, active, promoted
	ClearedPending  string   `json:"clearedPending,omitempty"`  // a dead rotator's token, not active, forgotten
	RevokedPrevious string   `json:"revokedPrevious,omitempty"` // the previous token, its grace over
	ClearedPrevious string   `json:"clearedPrevious,omitempty"` // the previous token, which Vault no longer holds active
	RevokedRefused  string   `json:"revokedRefused,omitempty"`  // the current token, which Vault refuses but listed active
	RevokedOrphans  []string `json:"revokedOrphans,omitempty"`  // tokens this record's rotators made and never committed
	// ForeignTokens are active tokens of the name that this record cannot prove it made:
	// never revoked; the run fails with a *ForeignTokensError naming them.
	ForeignTokens []string `json:"foreignTokens,omitempty"`
}

// GraceError is the error of a rotation refused because the previous token's grace period
// has not ended: a rotation now would make a fourth token, or revoke one consumers may hold.
type GraceError struct {
	Left  time.Duration // what is left of it, by the store's clock
	Until time.Time     // when it ends, by the clock of the rotator that promoted
}

func (e *GraceError) Error() string {
	return fmt.Sprintf("fleet: the previous token's grace period runs for another %s (until about %s): a rotation before then would revoke a token consumers may still use; run again after it (or with a timeout that reaches it)", e.Left, e.Until.UTC().Format(time.RFC3339))
}

// ForeignTokensError is the error of a run that found active tokens of the fleet's name
// that the record did not create: another record naming the same token, a token made by
// hand, tokens made after a backup of the store was restored. They are not revoked: an
// operator decides (docs/fleet.md, "Tokens the record did not create").
type ForeignTokensError struct {
	Name string
	IDs  []string
}

func (e *ForeignTokensError) Error() string {
	return fmt.Sprintf("fleet: %d active token(s) named %q that this record did not create: %s; they were not revoked: if they are this fleet's (a backup of its store was restored), revoke them (vault-token revoke ID...); if another fleet or a person uses the name, give one of them another name", len(e.IDs), e.Name, strings.Join(e.IDs, ", "))
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

func (r *Rotator) step(s phase) error {
	r.logger().Debug("fleet rotation", "key", r.Store.Key(), "step", string(s))
	if r.afterPhase != nil {
		return r.afterPhase(s)
	}
	return nil
}

func (r *Rotator) validate() error {
	switch {
	case r.Store == nil || r.Vault == nil || r.Sealer == nil || r.Connect == nil:
		return errors.New("fleet: a Rotator needs Store, Vault, Connect and Sealer")
	case r.Name == "":
		return errors.New("fleet: a Rotator needs Name")
	case r.Grace < 0 || r.Lifetime < 0:
		return errors.New("fleet: Grace and Lifetime cannot be negative")
	case r.DueShare < 0 || r.DueShare > 1:
		return errors.New("fleet: DueShare is a share of a token's life, between 0 and 1")
	}
	return nil
}

// dueAt is when the record's current token is due: DueShare of its life after it was
// created; zero for a token that never expires.
func (r *Rotator) dueAt(rec *record) time.Time {
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

func (r *Rotator) due(rec *record, now time.Time) bool {
	if rec == nil || rec.Current == nil {
		return true
	}
	at := r.dueAt(rec)
	return !at.IsZero() && !now.Before(at)
}

func (r *Rotator) lockTTL() time.Duration {
	if r.LockTTL <= 0 {
		return DefaultLockTTL
	}
	return r.LockTTL
}

// Rotate runs one rotation (with IfDue, only when there is something to do) and the
// recovery before it. Inside the previous token's grace period it waits for the period to
// end if ctx lasts that long (with IfDue it does not rotate and does not wait), unless Vault
// refuses the current token: then it rotates at once. Else it returns a *GraceError.
//
// Before it writes anything or calls Vault it opens every sealed value of the record, and
// refuses (ErrWrongSealKey) when its key does not open them. A run that finds active tokens
// of the name the record did not create returns its report and a *ForeignTokensError.
func (r *Rotator) Rotate(ctx context.Context, opts RotateOptions) (*Report, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	for {
		// A look without the lock: a job that runs often decides without taking it, and a
		// rotation inside the grace period waits here, not while holding the lock.
		rec, st, err := readRecord(ctx, r.Store)
		if err != nil {
			return nil, err
		}
		l, err := r.look(ctx, rec, st.Version, opts)
		if err != nil {
			return nil, err
		}
		if !r.hasWork(l, opts) {
			return r.report(rec, false, l), nil
		}
		if l.blocksRotation(opts) {
			if err := r.waitForGrace(ctx, l); err != nil {
				return nil, err
			}
			continue
		}
		rep, err := r.lockedRun(ctx, opts, l)
		var graceErr *GraceError
		if !errors.As(err, &graceErr) {
			return rep, err
		}
		// Another rotator promoted while this one waited for the lock: wait for that
		// promotion's grace period, then look again.
	}
}

// lockedRun takes the lock, runs a rotation under it, and releases it.
func (r *Rotator) lockedRun(ctx context.Context, opts RotateOptions, l *look) (*Report, error) {
	h, err := lockStore(ctx, r.Store, r.Sealer, r.lockTTL())
	if err != nil {
		return nil, err
	}
	defer func() {
		rctx, cancel := bound.Cleanup(ctx, releaseAllowance)
		defer cancel()
		h.release(rctx)
	}()
	return r.locked(ctx, h, opts, l)
}

// releaseAllowance is how long the lock's release may run past the run's deadline: the
// lease ends by itself anyway, so a release the store does not answer is given up.
const releaseAllowance = 500 * time.Millisecond

// waitForGrace waits until the grace period ends, if ctx lasts that long; else it refuses.
func (r *Rotator) waitForGrace(ctx context.Context, l *look) error {
	until := l.rec.PreviousRevocableAt
	if deadline, ok := ctx.Deadline(); ok && deadline.Before(time.Now().Add(l.grace)) {
		return &GraceError{Left: l.grace, Until: until}
	}
	r.logger().Info("fleet rotation waits for the grace period to end", "key", r.Store.Key(), "left", l.grace)
	select {
	case <-r.clock().After(l.grace):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fleet: waiting for the grace period to end: %w", context.Cause(ctx))
	}
}

// report describes rec after a run.
func (r *Rotator) report(rec *record, rotated bool, l *look) *Report {
	rep := &Report{Key: r.Store.Key(), Rotated: rotated}
	if l != nil && !rotated {
		rep.CurrentAccepted = l.accepted()
	}
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
