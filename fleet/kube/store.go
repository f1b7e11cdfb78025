// Package kube is the fleet's store on the Kubernetes API: the record is one Secret, the
// lock a coordination.k8s.io/v1 Lease. It is for a fleet that runs on Kubernetes and has
// no etcd of its own; the rotation protocol and the consumer are the fleet package's.
//
// The Secret's data key token holds the current token, unsealed, so that any pod mounts
// it as a file (items: [{key: token, path: token}]) and any language reads it; the key
// record holds the rest of the record (IDs, expiries, epoch, pending, previous, grace),
// its token values sealed as in every store. What protects the Secret is RBAC on its name
// and the cluster's encryption of Secrets at rest: docs/fleet-kubernetes.md.
//
// Every write of the Secret is an update conditioned on the resourceVersion the holder
// last read or wrote, so a holder whose Lease another took cannot write once the other
// has: and a rotation's first write (its intent) comes before it asks Vault for a token.
// Lease renewals touch only the Lease.
//
// Services that import the fleet package alone link no client-go: only this package does.
package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"

	"github.com/acme/vault-token/client"
	"github.com/acme/vault-token/fleet"
)

// The Secret's data keys.
const (
	TokenKey  = "token"  // the current token, unsealed: what pods mount
	RecordKey = "record" // the record's JSON, its token values sealed
)

// FieldManager is the name the store's writes carry (metadata.managedFields).
const FieldManager = "vault-token-fleet"

// Store is the record in the Secret Name of Namespace, with its lock the Lease NAME-lock
// and its grace period the Lease NAME-grace.
type Store struct {
	cs              kubernetes.Interface
	namespace, name string
	identity        string
	clock           *serverClock

	mu   sync.Mutex
	last *corev1.Secret // the Secret as last read or written: a write keeps what else it holds
}

var _ fleet.Store = (*Store)(nil)

// NewStore is the store of the Secret name in namespace, reached as cfg says (LoadConfig
// makes one as kubectl does).
func NewStore(cfg *rest.Config, namespace, name string) (*Store, error) {
	if cfg == nil || namespace == "" || name == "" {
		return nil, errors.New("fleet/kube: a store needs a configuration, a namespace and a Secret's name")
	}
	clock := &serverClock{}
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(clock.wrap)
	if cfg.UserAgent == "" {
		cfg.UserAgent = FieldManager
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("fleet/kube: %w", err)
	}
	host, _ := os.Hostname()
	return &Store{cs: cs, namespace: namespace, name: name, identity: host + "_" + randomHex(4), clock: clock}, nil
}

// Key is NAMESPACE/NAME.
func (s *Store) Key() string { return s.namespace + "/" + s.name }

func (s *Store) secrets() typedcorev1.SecretInterface { return s.cs.CoreV1().Secrets(s.namespace) }

// Read gets the Secret (a quorum read: the API server reads etcd). A Secret that does not
// exist, or holds no record yet, gives no record.
func (s *Store) Read(ctx context.Context) (fleet.Stored, error) {
	sec, err := s.secrets().Get(ctx, s.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return fleet.Stored{}, nil
	}
	if err != nil {
		return fleet.Stored{}, s.refused("get", "Secret", err)
	}
	s.keep(sec)
	return stored(sec), nil
}

func (s *Store) keep(sec *corev1.Secret) {
	s.mu.Lock()
	s.last = sec
	s.mu.Unlock()
}

func stored(sec *corev1.Secret) fleet.Stored {
	st := fleet.Stored{Record: sec.Data[RecordKey], Version: sec.ResourceVersion}
	if t := sec.Data[TokenKey]; len(t) > 0 {
		st.Token = client.NewSecret(string(t))
	}
	return st
}

// write is a hold's Write: an update conditioned on st.Version ("" : a create). A write
// whose outcome the API server did not report (the connection broke) is settled by a read.
func (s *Store) write(ctx context.Context, st fleet.Stored) (string, error) {
	for attempt := 1; ; attempt++ {
		sec, err := s.send(ctx, st)
		switch {
		case err == nil:
			s.keep(sec)
			return sec.ResourceVersion, nil
		case apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || (st.Version != "" && apierrors.IsNotFound(err)):
			return "", fleet.ErrLostLock
		case final(err):
			verb := "update"
			if st.Version == "" {
				verb = "create"
			}
			return "", s.refused(verb, "Secret", err)
		}
		if attempt == maxWriteAttempts || ctx.Err() != nil {
			return "", fmt.Errorf("fleet/kube: write Secret %s: %w", s.Key(), err)
		}
		got, gerr := s.secrets().Get(ctx, s.name, metav1.GetOptions{})
		if gerr == nil && bytes.Equal(got.Data[RecordKey], st.Record) && got.ResourceVersion != st.Version {
			s.keep(got)
			return got.ResourceVersion, nil
		}
		if gerr == nil && got.ResourceVersion != st.Version {
			return "", fleet.ErrLostLock
		}
	}
}

// final reports whether the API server answered err for good: a refusal (forbidden,
// invalid, not found), not a failure to answer (a timeout, an overload, the network).
func final(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return false
	}
	code := status.Status().Code
	return code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusRequestTimeout
}

// maxWriteAttempts bounds the sends of one write whose outcome the server did not report.
const maxWriteAttempts = 4

// send creates the Secret or updates it from the Secret as last seen at st.Version, so that
// its other keys, labels and annotations stay as the operator made them.
func (s *Store) send(ctx context.Context, st fleet.Stored) (*corev1.Secret, error) {
	if st.Version == "" {
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": FieldManager}}, Type: corev1.SecretTypeOpaque}
		setData(sec, st)
		return s.secrets().Create(ctx, sec, metav1.CreateOptions{FieldManager: FieldManager})
	}
	s.mu.Lock()
	base := s.last
	s.mu.Unlock()
	if base == nil || base.ResourceVersion != st.Version {
		got, err := s.secrets().Get(ctx, s.name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if got.ResourceVersion != st.Version {
			return nil, apierrors.NewConflict(corev1.Resource("secrets"), s.name, errors.New("the record changed"))
		}
		base = got
	}
	sec := base.DeepCopy()
	setData(sec, st)
	return s.secrets().Update(ctx, sec, metav1.UpdateOptions{FieldManager: FieldManager})
}

func setData(sec *corev1.Secret, st fleet.Stored) {
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	sec.Data[RecordKey] = st.Record
	if st.Token.IsZero() {
		delete(sec.Data, TokenKey)
	} else {
		sec.Data[TokenKey] = []byte(st.Token.Reveal())
	}
}

// refused words a refusal by the API server as one line: the verb, the resource, and what
// the server said (it names the identity it refused).
func (s *Store) refused(verb, resource string, err error) error {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return fmt.Errorf("fleet/kube: %s %s %s: the API server refused: %s", verb, resource, s.Key(), status.Status().Message)
	}
	return fmt.Errorf("fleet/kube: %s %s %s: %w", verb, resource, s.Key(), err)
}

// Follow's pause before it asks again after the API server could not answer, or refused:
// doubled after each failure in a row, up to the most, so that a consumer without its
// Role's rights does not ask four times a second for ever.
const (
	rewatchPause    = 250 * time.Millisecond
	rewatchPauseMax = 15 * time.Second
)

// Follow gets the Secret, then watches it (fieldSelector=metadata.name=NAME) from the
// resourceVersion read: get, list and watch on the one name is all it needs. A watch the
// server ends is resumed from the last version seen; one whose version expired (410) is
// followed by a fresh get.
func (s *Store) Follow(ctx context.Context) <-chan fleet.Change {
	out := make(chan fleet.Change)
	go func() {
		defer close(out)
		send := func(c fleet.Change) bool {
			select {
			case out <- c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		wait := rewatchPause
		pause := func() {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, rewatchPauseMax)
		}
		from, fresh := "", true
		for ctx.Err() == nil {
			if fresh {
				st, err := s.Read(ctx)
				if err != nil {
					if !send(fleet.Change{Err: err}) {
						return
					}
					pause()
					continue
				}
				if !send(fleet.Change{Stored: st}) {
					return
				}
				from = st.Version
			}
			watchedAt := time.Now()
			w, err := s.secrets().Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + s.name,
				ResourceVersion: from, AllowWatchBookmarks: true})
			fresh = err != nil
			if err != nil {
				if ctx.Err() == nil && !send(fleet.Change{Err: s.refused("watch", "Secret", err)}) {
					return
				}
				pause()
				continue
			}
			var ok bool
			from, fresh, ok = s.drain(ctx, w, from, send)
			w.Stop()
			if !ok {
				return
			}
			if time.Since(watchedAt) > rewatchPauseMax {
				wait = rewatchPause // a watch that lasted: the server is well again
			}
		}
	}()
	return out
}

// drain delivers a watch's events until it ends; it returns the last version seen, whether
// the next watch needs a fresh get first, and false once ctx ended.
func (s *Store) drain(ctx context.Context, w watch.Interface, from string, send func(fleet.Change) bool) (string, bool, bool) {
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Added, watch.Modified:
			sec, ok := ev.Object.(*corev1.Secret)
			if !ok {
				continue
			}
			from = sec.ResourceVersion
			if !send(fleet.Change{Stored: stored(sec)}) {
				return from, false, false
			}
		case watch.Deleted:
			if sec, ok := ev.Object.(*corev1.Secret); ok {
				from = sec.ResourceVersion
			}
			if !send(fleet.Change{}) {
				return from, false, false
			}
		case watch.Bookmark:
			if sec, ok := ev.Object.(*corev1.Secret); ok {
				from = sec.ResourceVersion
			}
		case watch.Error:
			// Mostly 410 Gone: the version is too old to resume from.
			return from, true, ctx.Err() == nil
		}
	}
	return from, false, ctx.Err() == nil
}

// serverClock tells the API server's time from the Date header of its last reply, so that
// a grace period is measured on the server's clock, not a rotator's.
type serverClock struct {
	mu       sync.Mutex
	date     time.Time // the last reply's Date
	received time.Time // when it came, on this process's monotonic clock
}

func (c *serverClock) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil {
			if d, derr := http.ParseTime(resp.Header.Get("Date")); derr == nil {
				c.mu.Lock()
				c.date, c.received = d, time.Now()
				c.mu.Unlock()
			}
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// now is the server's time as of its last reply, moved on by the time since; false before
// any reply with a Date.
func (c *serverClock) now() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.date.IsZero() {
		return time.Time{}, false
	}
	return c.date.Add(time.Since(c.received)), true
}
