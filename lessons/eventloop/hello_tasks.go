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

// helloTasks 为每个时长各开一个 goroutine，同时出发，再等它们全部返回，
// 作用相当于 asyncio.gather。每个任务只是在等（用定时器代替一次慢的网络
// 或磁盘调用），一个在等的时候别的照样能跑，所以总耗时是最长的那个任务，
// 而不是各时长之和。
func helloTasks(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	durations := p.Durations("durations")
	start := time.Now()
	stamp := func() string { return fmt.Sprintf("[%.2fs]", time.Since(start).Seconds()) }

	// 每个任务一格，只由它自己填写：不需要加锁，而且不论谁先完成，
	// 结果都按提交的顺序排列。
	results := make([]string, len(durations))

	var wg sync.WaitGroup
	for i, d := range durations {
		name := fmt.Sprintf("task %d", i+1)
		wg.Go(func() { // 相当于 asyncio.create_task：马上开始，这里不等它
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
	wg.Wait() // 相当于 `await asyncio.gather(...)`：每个任务都已返回
	total := time.Since(start)

	if err := ctx.Err(); err != nil { // 被停止了：任务都已放弃，没有结果可报
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

// sleep 像 asyncio.sleep 那样等 d：等待期间 goroutine 被挂起，不占用线程。
// 和 time.Sleep 不同，运行被停止时它会立刻醒来。
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
