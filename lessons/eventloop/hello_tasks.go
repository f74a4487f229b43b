package eventloop

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// helloTasks starts one goroutine per duration, all at once, and waits for
// every one of them, like asyncio.gather. Each task only waits (a timer
// stands for a slow network or disk call), so while one is waiting the
// others can run: the whole takes as long as the longest task, not the sum.
func helloTasks(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	durations := p.Durations("durations")
	start := time.Now()
	stamp := func() string { return fmt.Sprintf("[%.2fs]", time.Since(start).Seconds()) }

	// One slot per task, filled by that task alone: no lock is needed, and
	// the results stay in submission order whatever order the tasks finish in.
	results := make([]string, len(durations))

	var wg sync.WaitGroup
	for i, d := range durations {
		name := fmt.Sprintf("task %d", i+1)
		wg.Go(func() { // like asyncio.create_task: it starts now, we don't wait here
			ev.Start(name)
			fmt.Fprintf(out, "%s %s starts (sleeps %v)\n", stamp(), name, d)
			if sleep(ctx, d) != nil {
				ev.End(name, "cancelled")
				return
			}
			fmt.Fprintf(out, "%s %s done\n", stamp(), name)
			ev.End(name, "ok")
			results[i] = fmt.Sprintf("%s slept %v", name, d)
		})
	}
	wg.Wait() // like `await asyncio.gather(...)`: every task has returned
	total := time.Since(start)

	if err := ctx.Err(); err != nil { // stopped: the tasks gave up, no results
		return err
	}

	var sum time.Duration
	for _, d := range durations {
		sum += d
	}
	fmt.Fprintf(out, "results in submission order: [%s]\n", strings.Join(results, ", "))
	fmt.Fprintf(out, "total %.2fs — the longest task, not the sum (%.2fs)\n", total.Seconds(), sum.Seconds())
	return nil
}

// sleep waits for d like asyncio.sleep: the goroutine is parked and costs no
// thread while it waits. Unlike time.Sleep it also wakes up at once when the
// run is stopped.
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
