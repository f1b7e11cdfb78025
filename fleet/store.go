package fleet

import (
	"context"
	"errors"
	"time"

	"github.com/acme/vault-token/client"
)

// A Store keeps a fleet's record and the lock over it. The rotation protocol (Rotator) and
// the consumer (Source) are written once against it; EtcdStore is one implementation and
// the kube package's Store (a Secret and a Lease) another. A store holds the record as
// bytes it does not read, and versions it alone compares.
//
// A new store must give what the protocol relies on: Read is linearizable (it sees every
// write that completed before it began); a Hold's Write is refused, by the store itself,
// once the record changed since the version it names, so that a holder another overtook
// cannot write (the protocol writes the record under a new holder before any token is
// made); Follow delivers every change in order; the grace period runs on the store's
// clock, not a rotator's.
type Store interface {
	// Key names the record: in messages, reports, and the sealing's associated data
	// (a token sealed under one key does not open under another).
	Key() string
	// Read returns the record as it is now (Stored.Record nil when there is none).
	Read(ctx context.Context) (Stored, error)
	// Lock takes the lock, waiting for a holder to release it or to lose it, within ctx.
	// A holder that stops renewing it (dead, cut off) loses it after about ttl.
	Lock(ctx context.Context, ttl time.Duration) (Hold, error)
	// Follow delivers the record as it is, then each change of it, until ctx ends. When
	// the store cannot be reached it delivers a Change with Err and goes on trying; a
	// later Change carries the record again.
	Follow(ctx context.Context) <-chan Change
	// StartGrace starts a grace period of d, measured by the store, and returns what
	// GraceLeft asks about ("" for d <= 0).
	StartGrace(ctx context.Context, d time.Duration) (string, error)
	// GraceLeft is what is left of the grace period ref (0 once it ended).
	GraceLeft(ctx context.Context, ref string) (time.Duration, error)
}

// A Hold is a store's lock, held.
type Hold interface {
	// Lost is closed once the holder knows it no longer holds the lock.
	Lost() <-chan struct{}
	// Write writes s.Record (and s.Token) conditioned, by the store, on the record still
	// being at s.Version, and returns the new version. A write another writer overtook is
	// refused: ErrLostLock. It does not look at Lost: the protocol does, before it writes.
	Write(ctx context.Context, s Stored) (version string, err error)
	// Release gives the lock up; a release the store does not answer is given up (the
	// lock ends by itself).
	Release(ctx context.Context)
}

// Stored is the record as a store holds it.
type Stored struct {
	// Record is the record's JSON, its token values sealed; nil when there is none.
	Record []byte
	// Token is the current token's value, for a store that keeps it unsealed where any
	// process reads it (a Secret's token key, which pods mount); zero in a store that
	// does not (etcd), and when there is no current token.
	Token client.Secret
	// Version is the store's version of the record ("" when the store holds nothing).
	Version string
}

// A Change is what Follow delivers: the record as it now is, or why the store could not
// be followed for a while.
type Change struct {
	Stored
	Err error
}

// ErrLostLock is the error of a rotator that no longer holds the fleet's lock (its lease
// ended: a partition, a pause longer than the lease) or whose record another writer
// changed: the store refused its write, or it stopped before writing.
var ErrLostLock = errors.New("fleet: this rotator lost the lock (its lease ended) or another rotator changed the record; nothing more was written")

// holder is a rotator holding the store's lock, with the version of the record it last
// read or wrote (the next write's fence) and the token value the store gave with it.
type holder struct {
	store   Store
	hold    Hold
	sealer  *Sealer
	version string
	token   client.Secret
}

func lockStore(ctx context.Context, s Store, sealer *Sealer, ttl time.Duration) (*holder, error) {
	h, err := s.Lock(ctx, ttl)
	if err != nil {
		return nil, err
	}
	return &holder{store: s, hold: h, sealer: sealer}, nil
}

// stillHolds returns ErrLostLock once the lock is known to be lost: a rotator stops before
// its next write or Vault call instead of relying on the fence alone.
func (h *holder) stillHolds() error {
	select {
	case <-h.hold.Lost():
		return ErrLostLock
	default:
		return nil
	}
}

// read reads the record and remembers its version for the next write's fence.
func (h *holder) read(ctx context.Context) (*record, error) {
	rec, st, err := readRecord(ctx, h.store)
	if err != nil {
		return nil, err
	}
	h.version, h.token = st.Version, st.Token
	return rec, nil
}

// write writes rec, fenced, once the lock is known to be still held. The current token's
// value goes with it (for a store that keeps it unsealed): opened from rec, or, for a
// current token this key does not open (a key being replaced), the value the store gave.
func (h *holder) write(ctx context.Context, rec *record) error {
	if err := h.stillHolds(); err != nil {
		return err
	}
	b, err := rec.encode()
	if err != nil {
		return err
	}
	token := client.Secret{}
	if c := rec.Current; c != nil {
		token = h.token
		if v, err := h.sealer.open(h.store.Key(), c.ID, c.Sealed); err == nil {
			token = v
		}
	}
	v, err := h.hold.Write(ctx, Stored{Record: b, Token: token, Version: h.version})
	if err != nil {
		return err
	}
	h.version, h.token = v, token
	return nil
}

func (h *holder) release(ctx context.Context) { h.hold.Release(ctx) }

// readRecord reads and decodes the record (nil when there is none).
func readRecord(ctx context.Context, s Store) (*record, Stored, error) {
	st, err := s.Read(ctx)
	if err != nil {
		return nil, Stored{}, err
	}
	if st.Record == nil {
		return nil, st, nil
	}
	rec, err := decodeRecord(st.Record)
	return rec, st, err
}

// graceLeft is how long rec's previous token stays in its grace period, measured by the
// store. A record written before stores measured the grace (no Grace) falls back on
// PreviousRevocableAt and now.
func graceLeft(ctx context.Context, s Store, rec *record, now time.Time) (time.Duration, error) {
	if rec == nil || rec.Previous == nil {
		return 0, nil
	}
	if rec.Grace == "" {
		return max(rec.PreviousRevocableAt.Sub(now), 0), nil
	}
	return s.GraceLeft(ctx, rec.Grace)
}
