package futures

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestResultBeforeDoneIsInvalidState(t *testing.T) {
	f := NewFuture[string]()
	if f.Done() {
		t.Fatal("a new future says it is done")
	}
	if _, err := f.Result(); err != ErrInvalidState {
		t.Fatalf("Result() on a pending future: err = %v, want ErrInvalidState", err)
	}
	if err := f.SetResult("ok"); err != nil {
		t.Fatal(err)
	}
	if v, err := f.Result(); v != "ok" || err != nil || !f.Done() {
		t.Fatalf("after SetResult: %q, %v, done=%t", v, err, f.Done())
	}
}

func TestCompletesOnlyOnce(t *testing.T) {
	f := NewFuture[int]()
	if err := f.SetResult(1); err != nil {
		t.Fatal(err)
	}
	if err := f.SetResult(2); err != ErrInvalidState {
		t.Errorf("second SetResult: err = %v, want ErrInvalidState", err)
	}
	if err := f.SetError(errors.New("late")); err != ErrInvalidState {
		t.Errorf("SetError after SetResult: err = %v, want ErrInvalidState", err)
	}
	if v, err := f.Result(); v != 1 || err != nil {
		t.Errorf("Result() = %d, %v; want the first result 1", v, err)
	}
}

func TestSetErrorReachesEveryRead(t *testing.T) {
	boom := errors.New("boom")
	f := NewFuture[int]()
	var seen error
	f.AddDoneCallback(func(f *Future[int]) { _, seen = f.Result() })
	if err := f.SetError(boom); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Result(); err != boom {
		t.Errorf("Result() err = %v, want boom", err)
	}
	if _, err := f.ResultWait(t.Context(), time.Second); err != boom {
		t.Errorf("ResultWait err = %v, want boom", err)
	}
	if seen != boom {
		t.Errorf("callback saw %v, want boom", seen)
	}
}

func TestCallbackAfterCompletionRunsImmediately(t *testing.T) {
	f := NewFuture[int]()
	_ = f.SetResult(7)
	ran := false
	f.AddDoneCallback(func(g *Future[int]) {
		if g != f {
			t.Error("callback got another future")
		}
		ran = true
	})
	// Not "soon": before AddDoneCallback returns, in this goroutine.
	if !ran {
		t.Fatal("callback added to a done future did not run before AddDoneCallback returned")
	}
}

func TestCallbacksRunInOrderOnceAndMayReenter(t *testing.T) {
	f := NewFuture[int]()
	var order []string
	f.AddDoneCallback(func(f *Future[int]) {
		v, err := f.Result() // reading inside a callback must not deadlock
		if v != 3 || err != nil {
			t.Errorf("Result() inside callback = %d, %v", v, err)
		}
		order = append(order, "a")
		f.AddDoneCallback(func(*Future[int]) { order = append(order, "nested") })
	})
	f.AddDoneCallback(func(*Future[int]) { order = append(order, "b") })
	_ = f.SetResult(3)
	_ = f.SetResult(4) // must not run anything again
	if want := []string{"a", "nested", "b"}; !slices.Equal(order, want) {
		t.Errorf("callbacks ran as %v, want %v", order, want)
	}
}

// Many goroutines race to complete, register callbacks and read; run with
// -race. Exactly one completion wins, every callback runs exactly once and
// sees the winner's value.
func TestConcurrentCompletion(t *testing.T) {
	for range 50 {
		const n = 32
		f := NewFuture[int]()
		var wins atomic.Int32
		calls := make([]atomic.Int32, n)
		seen := make([]atomic.Int64, n)
		var wg sync.WaitGroup
		release := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-release
				f.AddDoneCallback(func(f *Future[int]) {
					calls[i].Add(1)
					v, _ := f.Result()
					seen[i].Store(int64(v))
				})
			})
			wg.Go(func() {
				<-release
				if f.SetResult(i+1) == nil {
					wins.Add(1)
				}
			})
			wg.Go(func() {
				<-release
				if v, err := f.ResultWait(context.Background(), time.Second); err != nil || v < 1 || v > n {
					t.Errorf("ResultWait = %d, %v", v, err)
				}
			})
		}
		close(release)
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Fatalf("%d SetResult calls succeeded, want exactly 1", got)
		}
		winner, _ := f.Result()
		for i := range n {
			if c := calls[i].Load(); c != 1 {
				t.Fatalf("callback %d ran %d times, want once", i, c)
			}
			if v := seen[i].Load(); v != int64(winner) {
				t.Fatalf("callback %d saw %d, want the winner %d", i, v, winner)
			}
		}
	}
}

// The waits below run inside a synctest bubble: the clock is fake, so how
// long a wait took is exact, not "about".

func TestResultWaitTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := NewFuture[int]()
		start := time.Now()
		_, err := f.ResultWait(t.Context(), 30*time.Millisecond)
		waited := time.Since(start)
		if err != ErrTimeout {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
		if waited != 30*time.Millisecond {
			t.Errorf("waited %v, want the 30ms timeout", waited)
		}
		if f.Done() {
			t.Error("a timed-out wait changed the future")
		}
	})
}

func TestResultWaitWakesOnCompletion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := NewFuture[int]()
		time.AfterFunc(20*time.Millisecond, func() { _ = f.SetResult(42) })
		start := time.Now()
		v, err := f.ResultWait(t.Context(), 5*time.Second)
		if v != 42 || err != nil {
			t.Fatalf("ResultWait = %d, %v; want 42", v, err)
		}
		if waited := time.Since(start); waited != 20*time.Millisecond {
			t.Errorf("waited %v, want to wake at the completion at 20ms", waited)
		}
	})
}

func TestResultWaitHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := NewFuture[int]()
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		if _, err := f.ResultWait(ctx, 5*time.Second); err != context.Canceled {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if waited := time.Since(start); waited != 20*time.Millisecond {
			t.Errorf("took %v to notice the context cancelled at 20ms", waited)
		}
	})
}
