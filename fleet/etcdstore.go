package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// EtcdStore keeps a fleet's record at one etcd key: the lock is a concurrency.Mutex over
// KEY/lock on a session's lease, every write a transaction conditioned on the mutex key
// and on the record's revision, the grace period an etcd lease.
type EtcdStore struct {
	cli *clientv3.Client
	key string
}

var _ Store = (*EtcdStore)(nil)

// NewEtcdStore is the store of the record at key, reached through cli.
func NewEtcdStore(cli *clientv3.Client, key string) (*EtcdStore, error) {
	if cli == nil || key == "" {
		return nil, errors.New("fleet: an etcd store needs a client and a key")
	}
	return &EtcdStore{cli: cli, key: key}, nil
}

// Key is the record's etcd key.
func (s *EtcdStore) Key() string { return s.key }

// Read is a linearizable read of the record; its version is the revision it was last
// written at.
func (s *EtcdStore) Read(ctx context.Context) (Stored, error) {
	resp, err := s.cli.Get(ctx, s.key)
	if err != nil {
		return Stored{}, fmt.Errorf("fleet: read %s: %w", s.key, err)
	}
	if len(resp.Kvs) == 0 {
		return Stored{}, nil
	}
	return Stored{Record: resp.Kvs[0].Value, Version: revision(resp.Kvs[0].ModRevision)}, nil
}

func revision(rev int64) string { return strconv.FormatInt(rev, 10) }

// lockKey is the prefix of the etcd lock over the record at key.
func lockKey(key string) string { return key + "/lock" }

// Lock takes the mutex over the record, on a session whose lease is ttl rounded up to
// whole seconds.
func (s *EtcdStore) Lock(ctx context.Context, ttl time.Duration) (Hold, error) {
	session, err := concurrency.NewSession(s.cli, concurrency.WithTTL(int((ttl+time.Second-1)/time.Second)), concurrency.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("fleet: etcd session: %w", err)
	}
	m := concurrency.NewMutex(session, lockKey(s.key))
	if err := m.Lock(ctx); err != nil {
		_ = session.Close()
		return nil, fmt.Errorf("fleet: take the lock %s: %w", lockKey(s.key), err)
	}
	return &etcdHold{session: session, mutex: m, key: s.key}, nil
}

// etcdHold is the etcd session whose lease keeps the lock, and the mutex whose key names
// the holder.
type etcdHold struct {
	session *concurrency.Session
	mutex   *concurrency.Mutex
	key     string
}

func (h *etcdHold) Lost() <-chan struct{} { return h.session.Done() }

// Write puts the record in one transaction fenced on this holder still owning the lock
// (the mutex key still exists at the revision it was created at) and on the record being
// at st.Version. A transaction whose outcome etcd could not report (a leader lost
// mid-way: "request timed out") is settled by reading the record: if it holds what was
// written, the write took; if not, the same fenced transaction is sent again, which
// cannot apply twice (the revision it is conditioned on would have moved).
func (h *etcdHold) Write(ctx context.Context, st Stored) (string, error) {
	var rev int64
	if st.Version != "" {
		var err error
		if rev, err = strconv.ParseInt(st.Version, 10, 64); err != nil {
			return "", fmt.Errorf("fleet: %q is not an etcd revision", st.Version)
		}
	}
	kv := h.session.Client()
	for attempt := 1; ; attempt++ {
		resp, err := kv.Txn(ctx).
			If(h.mutex.IsOwner(), clientv3.Compare(clientv3.ModRevision(h.key), "=", rev)).
			Then(clientv3.OpPut(h.key, string(st.Record))).
			Commit()
		if err == nil {
			if !resp.Succeeded {
				return "", ErrLostLock
			}
			return revision(resp.Header.Revision), nil
		}
		if attempt == maxWriteAttempts || ctx.Err() != nil {
			return "", fmt.Errorf("fleet: write %s: %w", h.key, err)
		}
		got, gerr := kv.Get(ctx, h.key)
		if gerr == nil && len(got.Kvs) == 1 && bytes.Equal(got.Kvs[0].Value, st.Record) && got.Kvs[0].ModRevision > rev {
			return revision(got.Kvs[0].ModRevision), nil
		}
	}
}

// maxWriteAttempts bounds the sends of one fenced write whose outcome the store did not
// report.
const maxWriteAttempts = 4

// Release gives the lock up and ends the session.
func (h *etcdHold) Release(ctx context.Context) {
	_ = h.mutex.Unlock(ctx)
	_ = h.session.Close()
}

// StartGrace grants the etcd lease that measures a grace period of d (rounded up to whole
// seconds, as etcd counts). It is not attached to any key: its time to live is the rule,
// on etcd's clock, so a rotator whose clock is wrong cannot end the grace period early.
// The reference is the lease's ID in decimal.
func (s *EtcdStore) StartGrace(ctx context.Context, d time.Duration) (string, error) {
	if d <= 0 {
		return "", nil
	}
	resp, err := s.cli.Grant(ctx, int64((d+time.Second-1)/time.Second))
	if err != nil {
		return "", fmt.Errorf("fleet: start the grace period (an etcd lease): %w", err)
	}
	return strconv.FormatInt(int64(resp.ID), 10), nil
}

// GraceLeft is the time to live of the grace lease ref.
func (s *EtcdStore) GraceLeft(ctx context.Context, ref string) (time.Duration, error) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("fleet: %q is not an etcd lease", ref)
	}
	resp, err := s.cli.TimeToLive(ctx, clientv3.LeaseID(id))
	if err != nil {
		return 0, fmt.Errorf("fleet: read the grace period (etcd lease %x): %w", id, err)
	}
	if resp.TTL <= 0 {
		return 0, nil
	}
	return time.Duration(resp.TTL) * time.Second, nil
}

// rewatchPause is how long Follow waits before it reads and watches again after etcd
// could not answer.
const rewatchPause = 250 * time.Millisecond

// Follow reads the record, then watches it from the revision read. A watch etcd cancels
// (compaction, a member that lost its leader) is followed by a fresh read and a new watch
// from there.
func (s *EtcdStore) Follow(ctx context.Context) <-chan Change {
	out := make(chan Change)
	go func() {
		defer close(out)
		send := func(c Change) bool {
			select {
			case out <- c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for ctx.Err() == nil {
			resp, err := s.cli.Get(ctx, s.key)
			if err != nil {
				if !send(Change{Err: fmt.Errorf("fleet: read %s: %w", s.key, err)}) {
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(rewatchPause):
				}
				continue
			}
			c := Change{}
			if len(resp.Kvs) == 1 {
				c.Record, c.Version = resp.Kvs[0].Value, revision(resp.Kvs[0].ModRevision)
			}
			if !send(c) {
				return
			}
			for wr := range s.cli.Watch(clientv3.WithRequireLeader(ctx), s.key, clientv3.WithRev(resp.Header.Revision+1)) {
				if wr.Err() != nil {
					break
				}
				for _, ev := range wr.Events {
					c := Change{}
					if ev.Type != clientv3.EventTypeDelete {
						c.Record, c.Version = ev.Kv.Value, revision(ev.Kv.ModRevision)
					}
					if !send(c) {
						return
					}
				}
			}
		}
	}()
	return out
}
