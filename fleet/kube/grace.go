package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GraceLease is the name of the Lease that measures the grace period of the record's
// previous token.
func GraceLease(secret string) string { return secret + "-grace" }

// StartGrace starts a grace period of d (whole seconds) on the API server's clock: it
// writes a new holder identity (the reference) and duration into the Lease NAME-grace,
// and the server stamps the time of that write in the Lease's managedFields. GraceLeft
// compares that stamp, plus d, with the server's time: no rotator's clock decides.
func (s *Store) StartGrace(ctx context.Context, d time.Duration) (string, error) {
	if d <= 0 {
		return "", nil
	}
	secs := seconds(d)
	ref := randomHex(8)
	leases := s.cs.CoordinationV1().Leases(s.namespace)
	name := GraceLease(s.name)
	now := metav1.NewMicroTime(time.Now())
	spec := coordinationv1.LeaseSpec{HolderIdentity: &ref, LeaseDurationSeconds: &secs, AcquireTime: &now}
	l, err := leases.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = leases.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.namespace}, Spec: spec},
			metav1.CreateOptions{FieldManager: FieldManager})
		if err != nil {
			return "", s.refused("create", "Lease", err)
		}
	case err != nil:
		return "", s.refused("get", "Lease", err)
	default:
		l.Spec = spec
		if _, err := leases.Update(ctx, l, metav1.UpdateOptions{FieldManager: FieldManager}); err != nil {
			return "", s.refused("update", "Lease", err)
		}
	}
	return ref, nil
}

// GraceLeft is what is left of the grace period ref: 0 once it ended, or when the Lease
// names another (a later promotion started its own) or is gone. Both times are the
// server's, to the second; a second is added for their rounding.
func (s *Store) GraceLeft(ctx context.Context, ref string) (time.Duration, error) {
	l, err := s.cs.CoordinationV1().Leases(s.namespace).Get(ctx, GraceLease(s.name), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, s.refused("get", "Lease", err)
	}
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != ref {
		return 0, nil
	}
	started, err := stamped(l)
	if err != nil {
		return 0, fmt.Errorf("fleet/kube: the grace period (Lease %s/%s): %w", s.namespace, l.Name, err)
	}
	now, ok := s.clock.now()
	if !ok {
		return 0, errors.New("fleet/kube: the API server's replies carry no Date: the grace period cannot be measured on its clock")
	}
	left := started.Add(leaseDuration(l) + time.Second).Sub(now)
	return max(left, 0), nil
}

// stamped is when the server applied this program's last change of the Lease.
func stamped(l *coordinationv1.Lease) (time.Time, error) {
	for _, m := range l.ManagedFields {
		if m.Manager == FieldManager && m.Time != nil {
			return m.Time.Time, nil
		}
	}
	return time.Time{}, fmt.Errorf("no managedFields entry of %s says when it was written", FieldManager)
}
