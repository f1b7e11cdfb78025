package client

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// sharedValue holds a value that is costly to get and that many goroutines may need at
// once: a session, the Vault's version list. It works the way
// golang.org/x/sync/singleflight shares a call, with two differences that matter for
// logins:
//
//   - The fetch runs on a context of its own (the first caller's values, none of its
//     cancellation), bounded by a timeout. A caller whose deadline passes stops waiting;
//     the fetch goes on and serves the callers still waiting and those that come later.
//   - Every caller that asked while the fetch ran gets its outcome, failure included. Only
//     a success is kept; what a failure teaches (do not send the same password again, pause
//     before the next try) is the fetch function's to remember.
//
// A held value is read without a lock, so the common case costs one atomic load.
type sharedValue[T any] struct {
	op      string // names the fetch in errors: openapi.OpAuthenticate, OpChooseAPIVersion
	timeout time.Duration
	fetch   func(context.Context) (T, error)

	held atomic.Pointer[T]

	mu     sync.Mutex
	flight *flight[T] // the fetch in progress; nil when none
}

type flight[T any] struct {
	done chan struct{} // closed when val and err are set
	val  T
	err  error
}

func newSharedValue[T any](op string, timeout time.Duration, fetch func(context.Context) (T, error)) *sharedValue[T] {
	return &sharedValue[T]{op: op, timeout: timeout, fetch: fetch}
}

// get returns the held value if fresh says it still serves; otherwise it joins the fetch in
// progress, or starts one, and waits for its outcome or for ctx to end.
func (s *sharedValue[T]) get(ctx context.Context, fresh func(T) bool) (T, error) {
	if v := s.held.Load(); v != nil && fresh(*v) {
		return *v, nil
	}
	var zero T
	s.mu.Lock()
	if v := s.held.Load(); v != nil && fresh(*v) {
		s.mu.Unlock()
		return *v, nil
	}
	f := s.flight
	if f == nil {
		// A caller that has already given up starts nothing: a login it would not wait
		// for still counts against Vault's login limit.
		if err := ctx.Err(); err != nil {
			s.mu.Unlock()
			return zero, errorf(s.op, "%w", err)
		}
		f = &flight[T]{done: make(chan struct{})}
		s.flight = f
		go s.run(context.WithoutCancel(ctx), f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return zero, errorf(s.op, "stopped waiting (it goes on for the client's other calls): %w", ctx.Err())
	}
}

func (s *sharedValue[T]) run(ctx context.Context, f *flight[T]) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	f.val, f.err = s.fetch(ctx)
	s.mu.Lock()
	if f.err == nil {
		v := f.val
		s.held.Store(&v)
	}
	s.flight = nil
	s.mu.Unlock()
	close(f.done)
}

// dropIf forgets the held value if stale says so: a caller learned it no longer works.
// Another caller may already have replaced it, which is why stale compares.
func (s *sharedValue[T]) dropIf(stale func(T) bool) {
	if v := s.held.Load(); v != nil && stale(*v) {
		s.held.CompareAndSwap(v, nil)
	}
}
