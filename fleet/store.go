package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// ErrLostLock is the error of a rotator that no longer holds the fleet's lock (its etcd
// lease ended: a partition, a pause longer than the lease) or whose record another writer
// changed: etcd refused its write, or it stopped before writing.
var ErrLostLock = errors.New("fleet: this rotator lost the lock (its etcd lease ended) or another rotator changed the record; nothing more was written")

// read gets the record at key and the revision it was last written at (0, and a nil
// record, when there is none). The read is linearizable: it sees every write committed
// before it began.
func read(ctx context.Context, kv clientv3.KV, key string) (*record, int64, error) {
	resp, err := kv.Get(ctx, key)
	if err != nil {
		return nil, 0, fmt.Errorf("fleet: read %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, 0, nil
	}
	r, err := decodeRecord(resp.Kvs[0].Value)
	if err != nil {
		return nil, 0, err
	}
	return r, resp.Kvs[0].ModRevision, nil
}

// lockKey is the prefix of the etcd lock over the record at key.
func lockKey(key string) string { return key + "/lock" }

// holder is a rotator holding the lock: the etcd session whose lease keeps it, and the
// mutex whose key names the holder.
type holder struct {
	session *concurrency.Session
	mutex   *concurrency.Mutex
	key     string
	rev     int64 // the record's revision as this holder last read or wrote it
}

// lock takes the lock over the record at key, waiting for a holder to release it or for
// its lease to end, within ctx.
func lock(ctx context.Context, cli *clientv3.Client, key string, ttlSeconds int) (*holder, error) {
	session, err := concurrency.NewSession(cli, concurrency.WithTTL(ttlSeconds), concurrency.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("fleet: etcd session: %w", err)
	}
	m := concurrency.NewMutex(session, lockKey(key))
	if err := m.Lock(ctx); err != nil {
		_ = session.Close()
		return nil, fmt.Errorf("fleet: take the lock %s: %w", lockKey(key), err)
	}
	return &holder{session: session, mutex: m, key: key}, nil
}

// stillHolds returns ErrLostLock once the lease is known to have ended: a rotator stops before
// its next write or Vault call instead of relying on the fence alone.
func (h *holder) stillHolds() error {
	select {
	case <-h.session.Done():
		return ErrLostLock
	default:
		return nil
	}
}

// read reads the record and remembers its revision for the next write's fence.
func (h *holder) read(ctx context.Context) (*record, error) {
	r, rev, err := read(ctx, h.session.Client(), h.key)
	if err != nil {
		return nil, err
	}
	h.rev = rev
	return r, nil
}

// write puts r in one transaction fenced on this holder still owning the lock (the
// mutex key still exists at the revision it was created at) and on the record being as
// this holder last saw it. A holder whose lease ended, or that another writer overtook,
// is refused: ErrLostLock.
func (h *holder) write(ctx context.Context, r *record) error {
	if err := h.stillHolds(); err != nil {
		return err
	}
	return h.commit(ctx, r)
}

// commit is write without the look at the lease first: the fence alone. A transaction
// whose outcome etcd could not report (a leader lost mid-way: "request timed out") is
// settled by reading the record: if it holds what was written, the write took; if not,
// the same fenced transaction is sent again, which cannot apply twice (the revision it is
// conditioned on would have moved).
func (h *holder) commit(ctx context.Context, r *record) error {
	b, err := r.encode()
	if err != nil {
		return err
	}
	kv := h.session.Client()
	for attempt := 1; ; attempt++ {
		resp, err := kv.Txn(ctx).
			If(h.mutex.IsOwner(), clientv3.Compare(clientv3.ModRevision(h.key), "=", h.rev)).
			Then(clientv3.OpPut(h.key, string(b))).
			Commit()
		if err == nil {
			if !resp.Succeeded {
				return ErrLostLock
			}
			h.rev = resp.Header.Revision
			return nil
		}
		if attempt == maxWriteAttempts || ctx.Err() != nil {
			return fmt.Errorf("fleet: write %s: %w", h.key, err)
		}
		got, gerr := kv.Get(ctx, h.key)
		if gerr == nil && len(got.Kvs) == 1 && bytes.Equal(got.Kvs[0].Value, b) && got.Kvs[0].ModRevision > h.rev {
			h.rev = got.Kvs[0].ModRevision
			return nil
		}
	}
}

// maxWriteAttempts bounds the sends of one fenced write whose outcome etcd did not report.
const maxWriteAttempts = 4

// release gives the lock up and ends the session, on a context of its own: a rotation
// that failed or was cancelled still releases it (else the next waits out the lease).
func (h *holder) release(ctx context.Context) {
	_ = h.mutex.Unlock(ctx)
	_ = h.session.Close()
}

// startGrace grants the etcd lease that measures a grace period of d (rounded up to whole
// seconds, as etcd counts); 0 for no grace period. It is not attached to any key: its time
// to live is the rule, on etcd's clock, so a rotator whose clock is wrong cannot end the
// grace period early.
func startGrace(ctx context.Context, cli *clientv3.Client, d time.Duration) (int64, error) {
	if d <= 0 {
		return 0, nil
	}
	resp, err := cli.Grant(ctx, int64((d+time.Second-1)/time.Second))
	if err != nil {
		return 0, fmt.Errorf("fleet: start the grace period (an etcd lease): %w", err)
	}
	return int64(resp.ID), nil
}

// graceLeft is how long rec's previous token stays in its grace period, measured by etcd:
// the time to live of the record's grace lease (0 once it expired). A record written
// before leases measured the grace (GraceLease 0) falls back on PreviousRevocableAt and
// now.
func graceLeft(ctx context.Context, cli *clientv3.Client, rec *record, now time.Time) (time.Duration, error) {
	if rec == nil || rec.Previous == nil {
		return 0, nil
	}
	if rec.GraceLease == 0 {
		return max(rec.PreviousRevocableAt.Sub(now), 0), nil
	}
	resp, err := cli.TimeToLive(ctx, clientv3.LeaseID(rec.GraceLease))
	if err != nil {
		return 0, fmt.Errorf("fleet: read the grace period (etcd lease %x): %w", rec.GraceLease, err)
	}
	if resp.TTL <= 0 {
		return 0, nil
	}
	return time.Duration(resp.TTL) * time.Second, nil
}
