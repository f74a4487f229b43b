package callbacks

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// runCallbacks computes alice's order total in callback style. Each stage
// returns at once and, when its answer is ready, calls either onDone or
// onError. Stage 2 needs stage 1's answer, so it can only be started from
// inside stage 1's onDone; stage 3 from inside stage 2's onDone. Read the
// body below from top to bottom: every stage pushes the code one level to
// the right, and every level needs its own error handler.
func runCallbacks(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	shop := &callbackShop{ctx: ctx, latency: p.Duration("latency"), failAt: p.Choice("fail"), ev: ev}
	start := time.Now()
	say := func(depth int, format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s%s\n", time.Since(start).Seconds(),
			strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
	}

	// The chain ends in exactly one of the four callbacks that set these.
	var total float64
	var failure error
	failedAt := 0

	say(0, "stage 1: look up the id of user %q", userName)
	shop.fetchUserID(userName, func(id int) {
		say(1, "stage 1 onDone: user id %d -> stage 2: fetch their order", id)
		shop.fetchOrder(id, func(o order) {
			say(2, "stage 2 onDone: order #%d, %d items -> stage 3: ask for the total", o.id, len(o.items))
			shop.fetchTotal(o, func(t float64) {
				say(3, "stage 3 onDone: total %.2f", t)
				total = t
			}, func(err error) {
				say(3, "stage 3 onError saw: %v", err)
				failure, failedAt = err, 3
			})
		}, func(err error) {
			say(2, "stage 2 onError saw: %v", err)
			failure, failedAt = err, 2
		})
	}, func(err error) {
		say(1, "stage 1 onError saw: %v", err)
		failure, failedAt = err, 1
	})

	// Only stage 1 has been started so far: fetchUserID returned at once and
	// everything else happens later, inside callbacks on other goroutines.
	// Run must not return before the chain has finished, so wait for it.
	shop.wait()

	elapsed := time.Since(start).Seconds()
	if err := ctx.Err(); err != nil {
		return err // stopped by the learner; the runner reports it
	}
	if failure != nil {
		fmt.Fprintf(out, "only stage %d's onError saw the error, at nesting depth %d; no outer handler heard of it (%.2fs)\n",
			failedAt, failedAt, elapsed)
		return failure
	}
	fmt.Fprintf(out, "total %.2f after 3 stages in %.2fs\n", total, elapsed)
	return nil
}

// callbackShop calls the shop the way a callback-based library does: a call
// returns immediately, and the answer is delivered later by calling one of
// the two functions it was given.
type callbackShop struct {
	ctx     context.Context
	latency time.Duration
	failAt  string
	ev      runner.Events
	pending sync.WaitGroup // callbacks not yet delivered
}

func (s *callbackShop) fetchUserID(name string, onDone func(int), onError func(error)) {
	s.call(1, func() { onDone(lookupUserID(name)) }, onError)
}

func (s *callbackShop) fetchOrder(userID int, onDone func(order), onError func(error)) {
	s.call(2, func() { onDone(lookupOrder(userID)) }, onError)
}

func (s *callbackShop) fetchTotal(o order, onDone func(float64), onError func(error)) {
	s.call(3, func() { onDone(priceOrder(o)) }, onError)
}

// call starts stage n and returns. After the latency, on a goroutine of its
// own, it calls answer (which hands the result to onDone) or onError. The
// error cannot be returned to anybody: by the time it happens, the code
// that started the stage has long moved on.
func (s *callbackShop) call(n int, answer func(), onError func(error)) {
	task := fmt.Sprintf("stage %d", n)
	s.ev.Start(task)
	s.pending.Go(func() {
		t := time.NewTimer(s.latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.ctx.Done():
			s.ev.End(task, "stopped")
			s.ev.Point(task, "onError")
			onError(s.ctx.Err())
			return
		}
		if err := injected(s.failAt, n); err != nil {
			s.ev.End(task, "error")
			s.ev.Point(task, "onError")
			onError(err)
			return
		}
		s.ev.End(task, "ok")
		s.ev.Point(task, "onDone")
		answer()
	})
}

// wait returns once every callback has been delivered. A callback that
// starts the next stage registers it before returning, so the count never
// drops to zero in the middle of the chain.
func (s *callbackShop) wait() { s.pending.Wait() }
