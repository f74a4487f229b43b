package yieldfrom

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// step is the pretend work of making one value and of using one value.
// It puts the two pipelines on a clock: one runs a step at a time, the
// other overlaps its stages.
const step = 20 * time.Millisecond

// generators runs the same three-stage pipeline twice, produce → relay →
// consumer: first as generators pulled one value at a time, then as
// goroutines joined by channels.
func generators(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	n := p.Int("items")

	fmt.Fprintln(out, "== 1. iter.Pull: the generators move only when the consumer calls next() ==")
	pulled, pullTook, err := viaPull(ctx, n, out, ev)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n== 2. goroutines + channels: every stage runs on its own ==")
	received, chanTook, err := viaChannels(ctx, n, out, ev)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\npull:     %v in %.2fs, one stage at a time\n", pulled, pullTook.Seconds())
	fmt.Fprintf(out, "channels: %v in %.2fs, stages overlap\n", received, chanTook.Seconds())
	return nil
}

// ---- 1. generators ---------------------------------------------------

// produce is a generator of 1..n. Its body runs only while somebody is
// asking for the next value; at each yield it stops and hands control back.
func produce(ctx context.Context, n int, say func(string, ...any), ev runner.Events) iter.Seq[int] {
	return func(yield func(int) bool) {
		ev.Start("pull: produce")
		defer func() { ev.End("pull: produce", status(ctx)) }()
		for i := 1; i <= n; i++ {
			if !work(ctx) {
				return
			}
			say("  produce: yield %d", i)
			ev.Point("pull: produce", fmt.Sprintf("yield %d", i))
			if !yield(i) { // paused here until the next next()
				return // the consumer stopped early
			}
		}
		say("  produce: return (no more values)")
	}
}

// relay is the `yield from` stage: it passes on every value of sub as it
// comes, then adds one value of its own, the sum of what it passed on.
// The range loop with its early return is all that `yield from sub` does.
func relay(sub iter.Seq[int], say func(string, ...any), ev runner.Events) iter.Seq[int] {
	return func(yield func(int) bool) {
		ev.Start("pull: relay")
		defer ev.End("pull: relay", "returned")
		sum := 0
		for v := range sub { // ≈ yield from sub
			sum += v
			say("  relay:   forward %d", v)
			ev.Point("pull: relay", fmt.Sprintf("forward %d", v))
			if !yield(v) {
				return
			}
		}
		say("  relay:   sub-generator finished, yield own value %d", sum)
		ev.Point("pull: relay", fmt.Sprintf("own %d", sum))
		yield(sum)
	}
}

// viaPull turns the pipeline into a next() function with iter.Pull and
// calls it step by step, printing each call and what it returned.
func viaPull(ctx context.Context, n int, out io.Writer, ev runner.Events) ([]int, time.Duration, error) {
	start := time.Now()
	say := sayer(out, start)
	ev.Start("pull: consumer")
	next, stop := iter.Pull(relay(produce(ctx, n, say, ev), say, ev))
	defer stop() // ends the generators too, wherever they are paused

	var got []int
	for call := 1; ; call++ {
		say("consumer: next() #%d", call)
		v, ok := next() // runs the generators until their next yield
		if ctx.Err() != nil {
			ev.End("pull: consumer", "stopped")
			return nil, 0, ctx.Err()
		}
		if !ok {
			say("consumer: next() says no more values")
			break
		}
		say("consumer: got %d", v)
		ev.Point("pull: consumer", fmt.Sprintf("got %d", v))
		got = append(got, v)
		if !work(ctx) {
			ev.End("pull: consumer", "stopped")
			return nil, 0, ctx.Err()
		}
	}
	ev.End("pull: consumer", "done")
	return got, time.Since(start), nil
}

// ---- 2. goroutines and channels ----------------------------------------

// viaChannels builds the same stages as goroutines. An unbuffered channel
// send waits for its receiver, a little like yield waits for next(), but
// each stage now runs by itself: the producer makes value 2 while the
// consumer is still busy with value 1.
func viaChannels(ctx context.Context, n int, out io.Writer, ev runner.Events) ([]int, time.Duration, error) {
	start := time.Now()
	say := sayer(out, start)
	nums := make(chan int)
	relayed := make(chan int)
	var wg sync.WaitGroup
	defer wg.Wait() // no stage outlives the demo

	wg.Go(func() { // produce
		defer close(nums)
		ev.Start("chan: produce")
		defer func() { ev.End("chan: produce", status(ctx)) }()
		for i := 1; i <= n; i++ {
			if !work(ctx) {
				return
			}
			say("  produce: send %d", i)
			ev.Point("chan: produce", fmt.Sprintf("send %d", i))
			select {
			case nums <- i:
			case <-ctx.Done():
				return
			}
		}
		say("  produce: close channel")
	})

	wg.Go(func() { // relay: forward everything, then its own value
		defer close(relayed)
		ev.Start("chan: relay")
		defer func() { ev.End("chan: relay", status(ctx)) }()
		sum := 0
		for v := range nums {
			sum += v
			say("  relay:   forward %d", v)
			ev.Point("chan: relay", fmt.Sprintf("forward %d", v))
			select {
			case relayed <- v:
			case <-ctx.Done():
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		say("  relay:   input closed, send own value %d", sum)
		ev.Point("chan: relay", fmt.Sprintf("own %d", sum))
		select {
		case relayed <- sum:
		case <-ctx.Done():
		}
	})

	ev.Start("chan: consumer")
	var got []int
	for v := range relayed {
		say("consumer: got %d", v)
		ev.Point("chan: consumer", fmt.Sprintf("got %d", v))
		got = append(got, v)
		if !work(ctx) {
			break
		}
	}
	if ctx.Err() != nil {
		ev.End("chan: consumer", "stopped")
		return nil, 0, ctx.Err()
	}
	say("consumer: channel closed, no more values")
	ev.End("chan: consumer", "done")
	return got, time.Since(start), nil
}

// ---- helpers -------------------------------------------------------------

// work pretends to compute for one step; false when the run was stopped.
func work(ctx context.Context) bool {
	t := time.NewTimer(step)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// sayer prints lines stamped with the time since start, so that each
// pipeline's clock starts at zero.
func sayer(out io.Writer, start time.Time) func(string, ...any) {
	return func(format string, args ...any) {
		at := time.Since(start).Seconds()
		fmt.Fprintf(out, "[%.2fs] %s\n", at, fmt.Sprintf(format, args...))
	}
}

// status names how a stage ended, for the timeline.
func status(ctx context.Context) string {
	if ctx.Err() != nil {
		return "stopped"
	}
	return "done"
}
