package futures

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// futureSemantics reads one Future (see future.go) in both Python styles
// while a task is still working on it, and stamps every step with the time:
//
//  1. Result() asks without waiting, like asyncio.Future.result():
//     before completion it fails with an invalid-state error.
//  2. ResultWait(timeout) waits, like concurrent.futures.Future.result(timeout):
//     if the task needs longer than the timeout, it gives up with a timeout error.
//  3. When the task completes, the callback fires; after that Result() works.
func futureSemantics(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	taskTime, timeout := p.Duration("task"), p.Duration("timeout")
	start := time.Now()
	say := func(format string, args ...any) {
		stamp := fmt.Sprintf("[%.2fs] ", time.Since(start).Seconds())
		fmt.Fprintf(out, stamp+format+"\n", args...)
	}

	f := NewFuture[int]()
	finished := make(chan struct{})
	// The task: like executor.submit(...) or loop.create_task(...), it starts
	// now and will complete the future later. Its goroutine is the producer;
	// everyone else only reads the future.
	go func() {
		defer close(finished)
		ev.Start("task")
		if err := sleep(ctx, taskTime); err != nil {
			ev.End("task", "cancelled")
			f.SetError(err) // readers learn why there is no answer
			return
		}
		say("task finishes: SetResult(42)")
		ev.End("task", "ok")
		f.SetResult(42) // runs the callback right here, in this goroutine
	}()
	say("task started (needs %v); Done() = %t", taskTime, f.Done())

	f.AddDoneCallback(func(f *Future[int]) {
		ev.Point("callback", "fired")
		say("callback fired: Done() = %t, Result() → %s", f.Done(), show(f.Result()))
	})
	say("AddDoneCallback: registered, waits for completion")

	// 1. asyncio style: a read that never blocks.
	v, err := f.Result()
	ev.Point("Result()", status(err))
	say("Result() → %s", show(v, err))

	// 2. concurrent.futures style: a read that blocks, but only so long.
	say("ResultWait(%v) blocks...", timeout)
	ev.Start("ResultWait")
	v, err = f.ResultWait(ctx, timeout)
	ev.End("ResultWait", status(err))
	if err == ErrTimeout {
		say("ResultWait(%v) → %s; the task keeps running", timeout, show(v, err))
	} else {
		say("ResultWait(%v) → %s", timeout, show(v, err))
	}

	// 3. Wait for the task's goroutine before reading again: the callback
	// ran in it, and no goroutine of a Go program should be left behind.
	<-finished
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err = f.Result()
	ev.Point("Result()", status(err))
	say("Result() → %s, without waiting: Done() = %t", show(v, err), f.Done())
	return nil
}

// show prints a read the way the console shows it: the value, or the error.
func show(v int, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprint(v)
}

// status names a read's outcome on the timeline.
func status(err error) string {
	switch err {
	case nil:
		return "ok"
	case ErrInvalidState:
		return "invalid state"
	case ErrTimeout:
		return "timeout"
	}
	return "stopped"
}

// sleep stands for the task's slow work. Unlike time.Sleep it gives up as
// soon as the run is stopped.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
