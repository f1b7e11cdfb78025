package kube

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/acme/vault-token/fleet"
)

// LockLease is the name of the Lease that is the record's lock.
func LockLease(secret string) string { return secret + "-lock" }

// Lock takes the Lease NAME-lock, as client-go's leader election does: a Lease that
// another holds is taken once it has gone unrenewed for its duration, measured on this
// process's clock from when this process saw it change (no clocks are compared); every
// change is an update conditioned on the Lease's resourceVersion. The holder renews it
// every ttl/3 and knows it lost it once no renewal succeeded for 2/3 of ttl, before any
// other may take it. The Lease does not fence the Secret: the Secret's own
// resourceVersion does (the package doc).
func (s *Store) Lock(ctx context.Context, ttl time.Duration) (fleet.Hold, error) {
	secs := seconds(ttl)
	ttl = time.Duration(secs) * time.Second
	leases := s.cs.CoordinationV1().Leases(s.namespace)
	name := LockLease(s.name)
	var seen struct {
		version string
		at      time.Time
	}
	retry := min(max(ttl/8, 100*time.Millisecond), time.Second)
	for {
		now := metav1.NewMicroTime(time.Now())
		l, err := leases.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			l = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.namespace},
				Spec: coordinationv1.LeaseSpec{HolderIdentity: &s.identity, LeaseDurationSeconds: &secs, AcquireTime: &now, RenewTime: &now}}
			if l, err = leases.Create(ctx, l, metav1.CreateOptions{FieldManager: FieldManager}); err == nil {
				return s.hold(l, ttl), nil
			}
			if !apierrors.IsAlreadyExists(err) {
				return nil, s.refused("create", "Lease", err)
			}
		case err != nil:
			if ctx.Err() != nil {
				return nil, s.waited(ctx)
			}
			if final(err) {
				return nil, s.refused("get", "Lease", err)
			}
		default:
			free := l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == ""
			if l.ResourceVersion != seen.version {
				seen.version, seen.at = l.ResourceVersion, time.Now()
			}
			if free || time.Since(seen.at) > leaseDuration(l) {
				taken := l.DeepCopy()
				taken.Spec.HolderIdentity, taken.Spec.LeaseDurationSeconds = &s.identity, &secs
				taken.Spec.AcquireTime, taken.Spec.RenewTime = &now, &now
				transitions := int32(0)
				if l.Spec.LeaseTransitions != nil {
					transitions = *l.Spec.LeaseTransitions
				}
				transitions++
				taken.Spec.LeaseTransitions = &transitions
				got, err := leases.Update(ctx, taken, metav1.UpdateOptions{FieldManager: FieldManager})
				if err == nil {
					return s.hold(got, ttl), nil
				}
				if final(err) && !apierrors.IsConflict(err) {
					return nil, s.refused("update", "Lease", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, s.waited(ctx)
		case <-time.After(retry):
		}
	}
}

func (s *Store) waited(ctx context.Context) error {
	return fmt.Errorf("fleet/kube: take the lock (Lease %s/%s): %w", s.namespace, LockLease(s.name), context.Cause(ctx))
}

// seconds is d in whole seconds, rounded up, as a Lease holds it (at most a year).
func seconds(d time.Duration) int32 {
	const year = 365 * 24 * 60 * 60
	return int32(min((d+time.Second-1)/time.Second, year)) //nolint:gosec // bounded above
}

func leaseDuration(l *coordinationv1.Lease) time.Duration {
	if l.Spec.LeaseDurationSeconds == nil {
		return 0
	}
	return time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
}

// hold renews the Lease until released or lost.
func (s *Store) hold(l *coordinationv1.Lease, ttl time.Duration) *kubeHold {
	h := &kubeHold{store: s, lease: l, deadline: ttl * 2 / 3, renewed: time.Now(), lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go h.renew(ttl / 3)
	return h
}

type kubeHold struct {
	store    *Store
	deadline time.Duration // lost once no renewal succeeded for this long
	lost     chan struct{}
	stop     chan struct{}
	done     chan struct{}

	mu       sync.Mutex
	lease    *coordinationv1.Lease
	renewed  time.Time // when the last renewal that succeeded was sent
	lostOnce sync.Once
}

// Lost also looks at the renewal's deadline itself, so that a process paused past it (and
// whose renewing goroutine has not run since) knows at once.
func (h *kubeHold) Lost() <-chan struct{} {
	h.mu.Lock()
	late := time.Since(h.renewed) > h.deadline
	h.mu.Unlock()
	if late {
		h.lose()
	}
	return h.lost
}

func (h *kubeHold) lose() { h.lostOnce.Do(func() { close(h.lost) }) }

func (h *kubeHold) Write(ctx context.Context, st fleet.Stored) (string, error) {
	return h.store.write(ctx, st)
}

func (h *kubeHold) renew(every time.Duration) {
	defer close(h.done)
	leases := h.store.cs.CoordinationV1().Leases(h.store.namespace)
	for {
		select {
		case <-h.stop:
			return
		case <-h.lost:
			return
		case <-time.After(every):
		}
		if h.Lost(); isClosed(h.lost) {
			return
		}
		sent := time.Now()
		h.mu.Lock()
		l := h.lease.DeepCopy()
		h.mu.Unlock()
		now := metav1.NewMicroTime(sent)
		l.Spec.RenewTime = &now
		ctx, cancel := context.WithTimeout(context.Background(), h.deadline)
		got, err := leases.Update(ctx, l, metav1.UpdateOptions{FieldManager: FieldManager})
		if apierrors.IsConflict(err) {
			// Another wrote the Lease: ours still only if a renewal of ours, whose reply
			// was lost, did.
			if cur, gerr := leases.Get(ctx, l.Name, metav1.GetOptions{}); gerr == nil && cur.Spec.HolderIdentity != nil && *cur.Spec.HolderIdentity == h.store.identity {
				got, err = cur, nil
			} else if gerr == nil || apierrors.IsNotFound(gerr) {
				cancel()
				h.lose()
				return
			}
		}
		cancel()
		if err == nil {
			h.mu.Lock()
			h.lease, h.renewed = got, sent
			h.mu.Unlock()
		}
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Release stops renewing and frees the Lease (no holder), so the next rotator takes it at
// once; a release the server does not answer is given up: the Lease ends by itself.
func (h *kubeHold) Release(ctx context.Context) {
	close(h.stop)
	<-h.done
	if isClosed(h.Lost()) {
		return
	}
	h.mu.Lock()
	l := h.lease.DeepCopy()
	h.mu.Unlock()
	empty := ""
	l.Spec.HolderIdentity = &empty
	_, _ = h.store.cs.CoordinationV1().Leases(h.store.namespace).Update(ctx, l, metav1.UpdateOptions{FieldManager: FieldManager})
	h.lose()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
