package fleet

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/acme/vault-token/client"
)

// A Source gives a fleet's current token to a client (client.AccessTokenFrom): it reads
// the record once, then follows it (Store.Follow) and switches to a new token as soon as
// the store reports the promotion. When Vault refuses the token it gave, it reads the record afresh (once per
// refused token) before the client asks again, so a consumer whose watch lagged catches up
// instead of failing. A consumer needs no password and never logs in.
//
// A record it cannot use (not a record, a format it does not read, sealed under another
// key, deleted) does not take away a token it holds: it goes on giving the last token it
// opened, reports the problem through Err (and its logger, WithLogger), and takes the
// record again once it can read it. Only a source that never opened a token fails calls.
//
// It is safe for concurrent use. Close stops the watch.
type Source struct {
	store  Store
	sealer *Sealer
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	id       string
	epoch    int64
	expires  time.Time
	promoted time.Time
	value    client.Secret
	has      bool   // value holds a token opened from the record
	err      error  // why the record last read gave no token; nil when it gave one
	stale    bool   // Vault refused value: read afresh before giving it again
	gen      uint64 // counts the changes of what the source gives (id, epoch, err)
	changed  chan struct{}
	log      *slog.Logger
}

// A Snapshot is what a Source gives at one moment: the record ID and epoch of its token
// (empty before the first rotation), when it expires (zero: never) and became current, and
// Err. Wait returns one.
type Snapshot struct {
	ID       string
	Epoch    int64
	Expires  time.Time
	Promoted time.Time // when the token became current (its creation, in older records)
	Err      error
	gen      uint64
}

// SourceOption changes a Source.
type SourceOption func(*Source)

// WithLogger logs what a Source cannot use (a record it cannot read or open) at warning
// level, and the token it takes at debug level. Never a token's value.
func WithLogger(l *slog.Logger) SourceOption { return func(s *Source) { s.log = l } }

var _ client.RefusalAware = (*Source)(nil)

// NewSource reads the store's record and starts following it. A store with no record yet
// is not an error: Secret reports ErrNoRecord until a rotation writes one. sealer opens
// the current token; it may be nil for a store that keeps the token unsealed (the kube
// package's).
func NewSource(ctx context.Context, store Store, sealer *Sealer, opts ...SourceOption) (*Source, error) {
	if store == nil {
		return nil, errors.New("fleet: a Source needs a store")
	}
	s := &Source{store: store, sealer: sealer, done: make(chan struct{}), changed: make(chan struct{}),
		log: slog.New(slog.DiscardHandler), gen: 1} // the zero Snapshot is older than any
	for _, o := range opts {
		o(s)
	}
	if err := s.reread(ctx); err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	go s.follow(wctx)
	return s, nil
}

// Secret returns the current token.
func (s *Source) Secret(ctx context.Context) (client.Secret, error) {
	s.mu.Lock()
	stale := s.stale
	s.mu.Unlock()
	if stale {
		if err := s.reread(ctx); err != nil {
			return client.Secret{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stale = false
	if !s.has {
		return client.Secret{}, s.err
	}
	return s.value, nil
}

// Err is why the record, as last read, gave no token (ErrNoRecord, ErrUnreadableRecord,
// ErrWrongSealKey), while the source goes on giving the last token it had; nil when the
// record gave the token the source gives.
func (s *Source) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Refused marks the token Vault refused, so that the next Secret reads the record afresh.
func (s *Source) Refused(used client.Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if used.Equal(s.value) {
		s.stale = true
	}
}

// Wait returns what the source gives as soon as it differs from last: at once when it
// already does (the zero Snapshot is older than any), else at the next change of its
// token (a promotion) or of Err. It returns early, with the cause, when ctx ends.
func (s *Source) Wait(ctx context.Context, last Snapshot) (Snapshot, error) {
	for {
		s.mu.Lock()
		now := Snapshot{ID: s.id, Epoch: s.epoch, Expires: s.expires, Promoted: s.promoted, Err: s.err, gen: s.gen}
		changed := s.changed
		s.mu.Unlock()
		if now.gen != last.gen {
			return now, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return now, context.Cause(ctx)
		}
	}
}

// Close stops the watch.
func (s *Source) Close() error {
	s.cancel()
	<-s.done
	return nil
}

// reread reads the record afresh.
func (s *Source) reread(ctx context.Context) error {
	st, err := s.store.Read(ctx)
	if err != nil {
		return err
	}
	s.apply(st)
	return nil
}

// apply takes the record as the store gave it. A record that gives no token keeps the
// token held, and says why in err. The store delivers changes in order; a read after a
// refusal may race with one, and the next change (or read) settles it.
func (s *Source) apply(st Stored) {
	cur, epoch, value, err := s.decode(st)
	id := ""
	if cur != nil {
		id = cur.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err != nil && s.err.Error() == err.Error() {
			return
		}
		s.log.Warn("fleet: the record gives no token; the source keeps the one it had", "key", s.store.Key(), "version", st.Version, "error", err, "holds", s.id)
		s.err = err
		if !s.has {
			s.id, s.epoch = id, epoch
		}
		s.notify()
		return
	}
	recovered := s.err != nil
	s.err = nil
	if s.has && id == s.id && !recovered {
		return
	}
	if recovered && s.has {
		s.log.Info("fleet: the record gives a token again", "key", s.store.Key(), "id", id)
	}
	s.id, s.epoch, s.value, s.has = id, epoch, value, true
	s.expires, s.promoted = cur.Expires, cur.Promoted
	if s.promoted.IsZero() {
		s.promoted = cur.Created
	}
	s.notify()
}

// notify wakes whoever Waits; s.mu is held.
func (s *Source) notify() {
	s.gen++
	close(s.changed)
	s.changed = make(chan struct{})
}

// decode gives the record's current token: the entry, the epoch and the value (the one
// the store keeps unsealed, else the sealed one opened).
func (s *Source) decode(st Stored) (*entry, int64, client.Secret, error) {
	if st.Record == nil {
		return nil, 0, client.Secret{}, ErrNoRecord
	}
	rec, err := decodeRecord(st.Record)
	if err != nil {
		return nil, 0, client.Secret{}, err
	}
	if rec.Current == nil {
		return nil, rec.Epoch, client.Secret{}, ErrNoRecord
	}
	if !st.Token.IsZero() {
		return rec.Current, rec.Epoch, st.Token, nil
	}
	v, err := s.sealer.open(s.store.Key(), rec.Current.ID, rec.Current.Sealed)
	return rec.Current, rec.Epoch, v, err
}

// follow applies what the store delivers; a Change with Err is logged once, and the store
// goes on trying.
func (s *Source) follow(ctx context.Context) {
	defer close(s.done)
	var last string
	for c := range s.store.Follow(ctx) {
		if c.Err != nil {
			if text := c.Err.Error(); text != last {
				s.log.Warn("fleet: the store cannot be followed for now; the source keeps its token", "key", s.store.Key(), "error", c.Err)
				last = text
			}
			continue
		}
		last = ""
		s.apply(c.Stored)
	}
}
