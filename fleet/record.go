package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/acme/vault-token/client"
)

// recordFormat is the record's format version; a record of another version is refused
// rather than misread.
const recordFormat = 1

// record is a fleet token's shared state, one etcd key per token: which Vault user and
// token name it is, the token consumers use (Current), the one before it while consumers
// may still hold it (Previous, until PreviousRevocableAt), and one a rotator created but
// has not promoted (Pending). Token values are sealed; Epoch counts promotions.
type record struct {
	Format int    `json:"format"`
	Vault  string `json:"vault"`
	UserID string `json:"userId"`
	Name   string `json:"name"`
	Epoch  int64  `json:"epoch"`

	Current  *entry `json:"current"`
	Previous *entry `json:"previous"`
	Pending  *entry `json:"pending"`
	// PreviousRevocableAt is when the grace period of Previous ends, on the clock of the
	// rotator that promoted: for people (status) only. The rule is Grace.
	PreviousRevocableAt time.Time `json:"previousRevocableAt,omitzero"`
	// Grace is the store's grace period for Previous (Store.StartGrace): while it lasts,
	// Previous is not revoked. The store's clock measures it, so no rotator compares its
	// clock with another's. "" for a record written before stores measured the grace.
	Grace string `json:"grace,omitempty"`
	// GraceLease is how records of earlier versions named an etcd grace lease; decoding
	// moves it to Grace (an etcd store's reference is the lease ID in decimal).
	GraceLease int64 `json:"graceLease,omitempty"`
	// Creating holds the token requests this record's rotators sent (or were about to
	// send) and have not committed as Pending: the proof a later run needs to revoke a
	// token as this record's own orphan.
	Creating []*createIntent `json:"creating,omitempty"`
}

// createIntent is a token request a rotator recorded, fenced, before sending it. A token that
// Vault lists later is the intent's own orphan when it is active, of the record's name,
// unknown to the record, was not active when the intent was recorded (Before), and expires
// when the intent asked (to the second). A token that no intent can claim is never revoked.
type createIntent struct {
	Asked  time.Time `json:"asked,omitzero"` // the expiry asked for; zero for none
	Before []string  `json:"before"`         // the name's active tokens when it was recorded
	// Misses counts the later runs whose listing found no token for it; it is dropped
	// after maxIntentMisses (a request that never reached Vault, or was refused).
	Misses int `json:"misses,omitempty"`
}

// maxIntentMisses is how many listings an unclaimed intent survives: enough for a request
// a stalled rotator still had in flight to land and be claimed by the run after.
const maxIntentMisses = 3

// maxIntents bounds Creating: each entry is a rotator that died or lost the lock with a
// token request in flight.
const maxIntents = 8

// claims reports whether t may be the token the intent asked for.
func (i *createIntent) claims(t client.TokenInfo) bool {
	if slices.Contains(i.Before, t.ID) {
		return false
	}
	switch {
	case i.Asked.IsZero():
		return t.ExpiresAt.IsZero() && t.ExpiresOn.IsZero()
	case !t.ExpiresAt.IsZero():
		return t.ExpiresAt.Truncate(time.Second).Equal(i.Asked.Truncate(time.Second))
	default:
		a := i.Asked.UTC()
		return t.ExpiresOn.Year == a.Year() && t.ExpiresOn.Month == a.Month() && t.ExpiresOn.Day == a.Day()
	}
}

// entry is one token in a record: its record ID in Vault, its value sealed, and when it
// expires (zero for never).
type entry struct {
	ID      string    `json:"id"`
	Sealed  []byte    `json:"sealed"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"`
	// Promoted is when the token became current, by the promoting rotator's clock (for
	// metrics and people; zero in records written before it was kept).
	Promoted time.Time `json:"promoted,omitzero"`
}

// ErrNoRecord is the error for a key that holds no record yet: no rotation has run.
var ErrNoRecord = errors.New("fleet: no record at this key: run a rotation first (vault-token fleet rotate)")

// ErrUnreadableRecord is the error for a key whose value this program cannot read: not
// JSON of a record, truncated, or a format this version does not know. A rotator does not
// overwrite it; a Source keeps the token it had.
var ErrUnreadableRecord = errors.New("fleet: the record cannot be read")

func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: it is not a record's JSON (%w)", ErrUnreadableRecord, err)
	}
	if r.Format != recordFormat {
		return nil, fmt.Errorf("%w: it has format %d; this program reads format %d (a newer version wrote it?)", ErrUnreadableRecord, r.Format, recordFormat)
	}
	if r.GraceLease != 0 && r.Grace == "" {
		r.Grace, r.GraceLease = strconv.FormatInt(r.GraceLease, 10), 0
	}
	return &r, nil
}

func (r *record) encode() ([]byte, error) { return json.Marshal(r) }

// knows reports whether id is one of the record's tokens.
func (r *record) knows(id string) bool {
	for _, e := range []*entry{r.Current, r.Previous, r.Pending} {
		if e != nil && e.ID == id {
			return true
		}
	}
	return false
}

// Token is a token as status shows it: never its value.
type Token struct {
	ID      string     `json:"id"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires"` // null for never
}

// Status is a record without its values: what vault-token fleet status prints.
type Status struct {
	Key                 string     `json:"key"`
	Vault               string     `json:"vault"`
	UserID              string     `json:"userId"`
	Name                string     `json:"name"`
	Epoch               int64      `json:"epoch"`
	Current             *Token     `json:"current"`
	Previous            *Token     `json:"previous"`
	Pending             *Token     `json:"pending"`
	PreviousRevocableAt *time.Time `json:"previousRevocableAt"`
	// CurrentAccepted is whether Vault accepts the current token, when it was asked
	// (vault-token fleet status with the sealing key and the Vault); null otherwise.
	CurrentAccepted *bool `json:"currentAccepted"`
	// Version is the store's version of the record as read: the etcd revision it was
	// last written at, or the Secret's resourceVersion.
	Version string `json:"version"`
}

func (e *entry) view() *Token {
	if e == nil {
		return nil
	}
	t := &Token{ID: e.ID, Created: e.Created}
	if !e.Expires.IsZero() {
		exp := e.Expires
		t.Expires = &exp
	}
	return t
}

func (r *record) status(key, version string) *Status {
	s := &Status{Key: key, Vault: r.Vault, UserID: r.UserID, Name: r.Name, Epoch: r.Epoch,
		Current: r.Current.view(), Previous: r.Previous.view(), Pending: r.Pending.view(), Version: version}
	if r.Previous != nil && !r.PreviousRevocableAt.IsZero() {
		at := r.PreviousRevocableAt
		s.PreviousRevocableAt = &at
	}
	return s
}

// newEntry seals a new token's value into an entry.
func newEntry(s *Sealer, key string, tok *client.Token, created, expires time.Time) (*entry, error) {
	sealed, err := s.seal(key, tok.ID, tok.Value)
	if err != nil {
		return nil, err
	}
	return &entry{ID: tok.ID, Sealed: sealed, Created: created, Expires: expires}, nil
}

// ReadStatus reads the record, without opening any token.
func ReadStatus(ctx context.Context, s Store) (*Status, error) {
	rec, st, err := readRecord(ctx, s)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, ErrNoRecord
	}
	return rec.status(s.Key(), st.Version), nil
}

// CurrentToken reads the record and gives its current token: the value the store keeps
// unsealed, else the sealed one opened (sealer may be nil for a store that keeps it).
func CurrentToken(ctx context.Context, s Store, sealer *Sealer) (client.Secret, error) {
	rec, st, err := readRecord(ctx, s)
	if err != nil {
		return client.Secret{}, err
	}
	if rec == nil || rec.Current == nil {
		return client.Secret{}, ErrNoRecord
	}
	if !st.Token.IsZero() {
		return st.Token, nil
	}
	return sealer.open(s.Key(), rec.Current.ID, rec.Current.Sealed)
}
