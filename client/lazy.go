package client

import "context"

// lazy holds a value that is costly to get (a session, the chosen API version) and that
// many goroutines may need at once: one fetches while the others wait, each on its own
// context, then all share the result. Failures are not cached, so a later call tries again;
// a caller whose context ends stops waiting without disturbing the others.
type lazy[T comparable] struct {
	sem chan struct{} // a lock that can be waited on with a context
	val T
	ok  bool
}

func (l *lazy[T]) lock(ctx context.Context) error {
	if l.sem == nil {
		panic("client: lazy used before init")
	}
	select {
	case l.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *lazy[T]) unlock() { <-l.sem }

func newLazy[T comparable]() lazy[T] { return lazy[T]{sem: make(chan struct{}, 1)} }

// get returns the held value if fresh says it still serves, else fetches a new one.
func (l *lazy[T]) get(ctx context.Context, fresh func(T) bool, fetch func(context.Context) (T, error)) (T, error) {
	if err := l.lock(ctx); err != nil {
		var zero T
		return zero, err
	}
	defer l.unlock()
	if l.ok && fresh(l.val) {
		return l.val, nil
	}
	v, err := fetch(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	l.val, l.ok = v, true
	return v, nil
}

// dropIf forgets the held value if stale says so: the caller learned it no longer works,
// and another caller may already have replaced it.
func (l *lazy[T]) dropIf(ctx context.Context, stale func(T) bool) error {
	if err := l.lock(ctx); err != nil {
		return err
	}
	defer l.unlock()
	if l.ok && stale(l.val) {
		var zero T
		l.val, l.ok = zero, false
	}
	return nil
}
