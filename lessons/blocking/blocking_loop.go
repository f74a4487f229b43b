package blocking

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

const (
	spinEvery  = 100 * time.Millisecond // the spinner wants a frame this often
	blockAfter = 250 * time.Millisecond // when the blocking call starts, between two frames
	lateAfter  = 150 * time.Millisecond // a frame this long after the last one is called late
	framesPast = 3                      // frames drawn after the call is over, then stop
)

// blockingLoop runs the same little program twice on a home-made event loop:
// a spinner callback that reschedules itself every 100 ms, and, at 0.25 s,
// a callback that needs a slow blocking call. First the callback makes the
// call itself; then it hands the call to a worker pool and returns at once.
func blockingLoop(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	block := p.Duration("block")
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	fmt.Fprintln(out, "1) the callback makes the blocking call itself")
	inLoop, err := spinBesideBlockingCall(ctx, say, ev, block, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "longest pause between frames: %.2fs: the loop was stuck inside one callback\n\n", inLoop.Seconds())

	fmt.Fprintln(out, "2) the callback hands the call to a worker pool (like run_in_executor)")
	offloaded, err := spinBesideBlockingCall(ctx, say, ev, block, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "longest pause between frames: %.2fs: the loop stayed free\n", offloaded.Seconds())
	return nil
}

// spinBesideBlockingCall is one round of the demo. It returns the longest
// pause between two spinner frames.
func spinBesideBlockingCall(ctx context.Context, say func(string, ...any), ev runner.Events,
	block time.Duration, offload bool) (time.Duration, error) {
	loop := newLoop()
	workers := newPool(2)
	defer workers.close()

	// These variables are only touched by callbacks, and callbacks only run
	// on the loop's goroutine, one at a time: no locks needed. That is the
	// comfort a single-threaded loop offers.
	var (
		callDone   bool
		framesLeft = framesPast
		frame      int
		last       time.Time
		longest    time.Duration
		next       = time.Now()
	)
	var spin func()
	spin = func() {
		now := time.Now()
		note, status := "", "frame"
		if frame > 0 {
			gap := now.Sub(last)
			longest = max(longest, gap)
			if gap > lateAfter {
				note = fmt.Sprintf("   <- %.2fs since the last frame: the loop was frozen", gap.Seconds())
				status = "late"
			}
		}
		say("spinner %c%s", `|/-\`[frame%4], note)
		ev.Point("spinner", status)
		frame, last = frame+1, now
		if callDone {
			if framesLeft--; framesLeft == 0 {
				loop.stop()
				return
			}
		}
		// Ask the loop to run this callback again at the next tick. If the
		// loop was frozen, the missed ticks are skipped, not caught up.
		if next = next.Add(spinEvery); next.Before(now) {
			next = now.Add(spinEvery)
		}
		loop.callAt(next, spin)
	}
	loop.callSoon(spin)

	loop.callAt(time.Now().Add(blockAfter), func() {
		if !offload {
			ev.Point("loop", "calls blockingCall")
			say("loop: a callback calls blockingCall(%v) itself", block)
			ev.Start("blocking call (in the loop)")
			if err := blockingCall(ctx, block); err != nil {
				ev.End("blocking call (in the loop)", "stopped")
				return
			}
			ev.End("blocking call (in the loop)", "ok")
			say("loop: blockingCall returned; only now can the loop run other callbacks")
			callDone = true
			return
		}
		ev.Point("loop", "hands off blockingCall")
		say("loop: a callback hands blockingCall(%v) to the pool and returns", block)
		loop.runInExecutor(workers, func() {
			// This runs on a worker goroutine, not on the loop.
			ev.Start("blocking call (worker)")
			if err := blockingCall(ctx, block); err != nil {
				ev.End("blocking call (worker)", "stopped")
				return
			}
			ev.End("blocking call (worker)", "ok")
		}, func() {
			// And this runs back on the loop, as a new callback.
			ev.Point("loop", "result arrives")
			say("loop: the worker is done; its result arrives as a new callback")
			callDone = true
		})
	})

	err := loop.run(ctx)
	return longest, err
}

// blockingCall stands for time.Sleep, a disk write or requests.get: it does
// not return until d has passed, and the goroutine that called it can do
// nothing else meanwhile. One difference from a real time.Sleep: it gives up
// when the run is stopped, only so that the Stop button works within 100 ms.
// For the loop that changes nothing: until the call returns, the loop is
// inside the callback and cannot run a single other callback.
func blockingCall(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// eventLoop is a tiny event loop written for this lesson. One goroutine, the
// one that calls run, does all the work: it takes the next callback that is
// due, runs it to the end, and only then looks for the next one. Nothing can
// interrupt a callback, so one that does not return freezes all the others.
// asyncio's loop works the same way.
type eventLoop struct {
	ready    []func()    // due now, in order
	timers   []loopTimer // due later, sorted by time
	stopping bool

	// Other goroutines must not touch the fields above. They hand callbacks
	// over through posted instead, like asyncio's call_soon_threadsafe.
	mu     sync.Mutex
	posted []func()
	wake   chan struct{} // holds one token when something was posted
}

type loopTimer struct {
	when time.Time
	fn   func()
}

func newLoop() *eventLoop { return &eventLoop{wake: make(chan struct{}, 1)} }

// callSoon schedules fn to run as soon as possible. Loop goroutine only.
func (l *eventLoop) callSoon(fn func()) { l.ready = append(l.ready, fn) }

// callAt schedules fn to run at when (or later, if the loop is busy).
// Loop goroutine only.
func (l *eventLoop) callAt(when time.Time, fn func()) {
	i := slices.IndexFunc(l.timers, func(t loopTimer) bool { return t.when.After(when) })
	if i < 0 {
		i = len(l.timers)
	}
	l.timers = slices.Insert(l.timers, i, loopTimer{when, fn})
}

// callSoonThreadsafe may be called from any goroutine.
func (l *eventLoop) callSoonThreadsafe(fn func()) {
	l.mu.Lock()
	l.posted = append(l.posted, fn)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // a token is already waiting
	}
}

// stop makes run return once the current callback is over.
func (l *eventLoop) stop() { l.stopping = true }

// run is the loop itself: run one due callback, then look again; when
// nothing is due, sleep until the next timer or until a callback is posted.
func (l *eventLoop) run(ctx context.Context) error {
	for !l.stopping {
		l.collectDue()
		if len(l.ready) > 0 {
			fn := l.ready[0]
			l.ready = l.ready[1:]
			fn() // the loop is inside this call until it returns
			if err := ctx.Err(); err != nil {
				return err
			}
			continue
		}
		if err := l.sleep(ctx); err != nil {
			return err
		}
	}
	return nil
}

// collectDue moves timers whose time has come and posted callbacks to ready.
func (l *eventLoop) collectDue() {
	now := time.Now()
	for len(l.timers) > 0 && !l.timers[0].when.After(now) {
		l.ready = append(l.ready, l.timers[0].fn)
		l.timers = l.timers[1:]
	}
	l.mu.Lock()
	l.ready = append(l.ready, l.posted...)
	l.posted = nil
	l.mu.Unlock()
}

// sleep waits for the next timer, a posted callback, or the end of the run.
func (l *eventLoop) sleep(ctx context.Context) error {
	var alarm <-chan time.Time
	if len(l.timers) > 0 {
		t := time.NewTimer(time.Until(l.timers[0].when))
		defer t.Stop()
		alarm = t.C
	}
	select {
	case <-alarm:
	case <-l.wake:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// pool is a fixed set of worker goroutines, like the ThreadPoolExecutor
// behind asyncio's run_in_executor: blocking work goes there so that the
// loop's own goroutine stays free.
type pool struct {
	jobs chan func()
	wg   sync.WaitGroup
}

func newPool(workers int) *pool {
	p := &pool{jobs: make(chan func(), 16)}
	for range workers {
		p.wg.Go(func() {
			for job := range p.jobs {
				job()
			}
		})
	}
	return p
}

// close lets the workers finish what they hold and waits for them.
func (p *pool) close() {
	close(p.jobs)
	p.wg.Wait()
}

// runInExecutor hands work to the pool and returns at once. When the work is
// over, then runs on the loop as an ordinary callback.
func (l *eventLoop) runInExecutor(p *pool, work, then func()) {
	p.jobs <- func() {
		work()
		l.callSoonThreadsafe(then)
	}
}
