package callbacks

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// runSequential computes the same total with straight-line code: each call
// waits for its answer and returns (value, error), so the three stages read
// top to bottom like the async/await version in Python. An error is not
// handled where it happens; it is returned, and main deals with it once.
func runSequential(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	shop := &blockingShop{latency: p.Duration("latency"), failAt: p.Choice("fail"), ev: ev}
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	total, err := threeStages(ctx, shop, say)

	elapsed := time.Since(start).Seconds()
	if ctx.Err() != nil {
		return ctx.Err() // stopped by the learner; the runner reports it
	}
	if err != nil { // the one place where any stage's error is handled
		ev.Point("main", "error handled")
		say("main's single error check saw: %v", err)
		fmt.Fprintf(out, "the error was returned up to main and handled there, in one place (%.2fs)\n", elapsed)
		return err
	}
	fmt.Fprintf(out, "total %.2f after 3 stages in %.2fs\n", total, elapsed)
	return nil
}

// threeStages is the pipeline. Each stage uses the previous stage's result,
// so they run one after another; with goroutines there is no need to split
// the function into callbacks for that: a call that waits only parks this
// goroutine, and the runtime runs other goroutines meanwhile.
func threeStages(ctx context.Context, shop *blockingShop, say func(string, ...any)) (float64, error) {
	say("stage 1: look up the id of user %q", userName)
	id, err := shop.fetchUserID(ctx, userName)
	if err != nil {
		return 0, err // not handled here: handed back to the caller
	}
	say("stage 1 returned user id %d -> stage 2: fetch their order", id)
	o, err := shop.fetchOrder(ctx, id)
	if err != nil {
		return 0, err
	}
	say("stage 2 returned order #%d, %d items -> stage 3: ask for the total", o.id, len(o.items))
	total, err := shop.fetchTotal(ctx, o)
	if err != nil {
		return 0, err
	}
	say("stage 3 returned total %.2f", total)
	return total, nil
}

// blockingShop calls the shop the straight-line way: a call does not return
// until the answer (or an error) is there.
type blockingShop struct {
	latency time.Duration
	failAt  string
	ev      runner.Events
}

func (s *blockingShop) fetchUserID(ctx context.Context, name string) (int, error) {
	if err := s.call(ctx, 1); err != nil {
		return 0, err
	}
	return lookupUserID(name), nil
}

func (s *blockingShop) fetchOrder(ctx context.Context, userID int) (order, error) {
	if err := s.call(ctx, 2); err != nil {
		return order{}, err
	}
	return lookupOrder(userID), nil
}

func (s *blockingShop) fetchTotal(ctx context.Context, o order) (float64, error) {
	if err := s.call(ctx, 3); err != nil {
		return 0, err
	}
	return priceOrder(o), nil
}

// call waits out stage n's latency and returns its error, if any. The wait
// is a select, so stopping the run wakes it at once.
func (s *blockingShop) call(ctx context.Context, n int) error {
	task := fmt.Sprintf("stage %d", n)
	s.ev.Start(task)
	t := time.NewTimer(s.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		s.ev.End(task, "stopped")
		return ctx.Err()
	}
	if err := injected(s.failAt, n); err != nil {
		s.ev.End(task, "error")
		return err
	}
	s.ev.End(task, "ok")
	return nil
}
