package structured

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// deadline 给一件慢工作限时，三种写法：timeout 把期限交给工作本身；
// wait_for 到点时取消工作、等它收尾；shield 到点时只放弃等待，工作照跑。
func deadline(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	how, work, limit := p.Choice("how"), p.Duration("work"), p.Duration("timeout")
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	say("work needs %v, timeout %v (%s)", work, limit, how)

	ev.Start("wait")
	var answer int
	var err error
	var w *task
	if how == "timeout" {
		workCtx, cancel := context.WithTimeout(ctx, limit)
		answer, err = doWork(workCtx, ev, say, work) // 到点时 workCtx 被取消，doWork 自己放弃
		cancel()
	} else {
		w = startWork(ctx, ev, say, work)
		defer w.cancel()
		timer := time.NewTimer(limit)
		select {
		case <-w.done:
			answer, err = w.result.answer, w.result.err
		case <-timer.C:
			err = context.DeadlineExceeded
			if how == "wait_for" {
				w.cancel() // wait_for 的做法：超时就取消它等着的那件工作……
				<-w.done   // ……并等它真的停下，才报超时
			}
		}
		timer.Stop()
	}

	switch {
	case ctx.Err() != nil: // 运行被停下了
		ev.End("wait", "stopped")
		if w != nil {
			<-w.done
		}
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded) && how == "shield":
		ev.End("wait", "timeout")
		say("wait: timed out; the work goes on")
		<-w.done // shield：工作没被取消，照样跑完，最后还是要等它
		if w.result.err != nil {
			return w.result.err
		}
		say("later: the work's answer is %d", w.result.answer)
	case errors.Is(err, context.DeadlineExceeded):
		ev.End("wait", "timeout")
		say("wait: timed out")
	case err != nil:
		return err
	default:
		ev.End("wait", "ok")
		say("wait: got %d", answer)
	}
	return nil
}

type result struct {
	answer int
	err    error
}

// task 是在自己的 goroutine 里跑的一件工作，相当于 asyncio.create_task
// 交回的 Task：cancel 请它停下；它返回时先写好 result 再关闭 done，
// 所以 done 关闭之后 result 才能读，而且等几次都行。
type task struct {
	cancel context.CancelFunc
	done   chan struct{}
	result result
}

func startWork(ctx context.Context, ev runner.Events, say func(string, ...any), d time.Duration) *task {
	ctx, cancel := context.WithCancel(ctx)
	t := &task{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		answer, err := doWork(ctx, ev, say, d)
		t.result = result{answer, err}
	}()
	return t
}

// doWork 是那件慢工作：花 d 的时间算出 42，ctx 被取消时立刻放弃。
func doWork(ctx context.Context, ev runner.Events, say func(string, ...any), d time.Duration) (int, error) {
	ev.Start("work")
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		say("work: done, 42")
		ev.End("work", "ok")
		return 42, nil
	case <-ctx.Done():
		say("work: cancelled")
		ev.End("work", "cancelled")
		return 0, ctx.Err()
	}
}
