package futures

import (
	"context"
	"errors"
	"sync"
	"time"
)

// The two ways a read can fail before the result exists. They mirror
// asyncio.InvalidStateError and concurrent.futures.TimeoutError.
var (
	ErrInvalidState = errors.New("invalid state: result is not set yet")
	ErrTimeout      = errors.New("timeout: result still not set")
)

// Future is a placeholder for a value that some task will produce later.
// It is written for this lesson to show both Python futures at once:
// Result never waits (asyncio.Future), ResultWait waits up to a timeout
// (concurrent.futures.Future). In everyday Go a channel does this job.
type Future[T any] struct {
	mu        sync.Mutex
	done      chan struct{} // closed exactly once, when the future completes
	value     T
	err       error
	callbacks []func(*Future[T])
}

// NewFuture returns a pending future.
func NewFuture[T any]() *Future[T] {
	return &Future[T]{done: make(chan struct{})}
}

// Done reports whether the future has a result (or an error) yet. It never
// waits.
func (f *Future[T]) Done() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// SetResult completes the future with v and runs the callbacks. A future
// completes once: a second completion fails with ErrInvalidState.
func (f *Future[T]) SetResult(v T) error { return f.complete(v, nil) }

// SetError completes the future with a failure, like set_exception: every
// read then returns err.
func (f *Future[T]) SetError(err error) error {
	var zero T
	return f.complete(zero, err)
}

func (f *Future[T]) complete(v T, err error) error {
	f.mu.Lock()
	if f.Done() {
		f.mu.Unlock()
		return ErrInvalidState
	}
	f.value, f.err = v, err
	close(f.done) // wakes every ResultWait at once
	cbs := f.callbacks
	f.callbacks = nil
	f.mu.Unlock()

	// Callbacks run outside the lock, so a callback may read the future
	// (or add another callback) without deadlocking. They run in the
	// goroutine that completed the future, in the order they were added.
	for _, cb := range cbs {
		cb(f)
	}
	return nil
}

// AddDoneCallback arranges for cb to run once, with the future, when it
// completes. If it has already completed, cb runs right away.
func (f *Future[T]) AddDoneCallback(cb func(*Future[T])) {
	f.mu.Lock()
	if !f.Done() {
		f.callbacks = append(f.callbacks, cb)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	cb(f)
}

// Result returns the result without waiting, as asyncio.Future.result()
// does: before completion that is ErrInvalidState, not a wait.
func (f *Future[T]) Result() (T, error) {
	if !f.Done() {
		var zero T
		return zero, ErrInvalidState
	}
	// After done is closed value and err never change again, and the close
	// orders their writes before this read.
	return f.value, f.err
}

// ResultWait blocks until the future completes, as
// concurrent.futures.Future.result(timeout) does, but for at most timeout:
// then it gives up with ErrTimeout. The future itself is not affected, and
// the task keeps running. It also gives up when ctx is done.
func (f *Future[T]) ResultWait(ctx context.Context, timeout time.Duration) (T, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-f.done:
		return f.Result()
	case <-t.C:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	var zero T
	return zero, ErrTimeout
}
