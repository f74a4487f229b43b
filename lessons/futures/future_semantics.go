package futures

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// futureSemantics 趁任务还在计算，用 Python 的两种方式各读一次同一个
// Future（见 future.go），每一步都打上时间：
//
//  1. Result() 只问不等，和 asyncio.Future.result() 一样：完成之前得到
//     “状态不对”的错误。
//  2. ResultWait(timeout) 会等，对应线程池交回的那种 Future 的
//     result(timeout)：任务比超时还慢，就以超时错误放弃。
//  3. 任务完成时回调被触发；此后 Result() 就能拿到结果。
func futureSemantics(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	taskTime, timeout := p.Duration("task"), p.Duration("timeout")
	start := time.Now()
	say := func(format string, args ...any) {
		stamp := fmt.Sprintf("[%.2fs] ", time.Since(start).Seconds())
		fmt.Fprintf(out, stamp+format+"\n", args...)
	}

	f := NewFuture[int]()
	finished := make(chan struct{})
	// 任务：和 executor.submit(...) 或 loop.create_task(...) 一样，现在就
	// 开始，以后再完成这个 Future。它的 goroutine 是生产者，其余各方只读。
	go func() {
		defer close(finished)
		ev.Start("task")
		if err := sleep(ctx, taskTime); err != nil {
			ev.End("task", "cancelled")
			f.SetError(err) // 让读的人知道为什么没有答案
			return
		}
		say("task finishes: SetResult(42)")
		ev.End("task", "ok")
		f.SetResult(42) // 回调就在这里、在这个 goroutine 里执行
	}()
	say("task started (needs %v); Done() = %t", taskTime, f.Done())

	f.AddDoneCallback(func(f *Future[int]) {
		ev.Point("callback", "fired")
		say("callback fired: Done() = %t, Result() → %s", f.Done(), show(f.Result()))
	})
	say("AddDoneCallback: registered, waits for completion")

	// 1. asyncio 的读法：从不阻塞。
	v, err := f.Result()
	ev.Point("Result()", status(err))
	say("Result() → %s", show(v, err))

	// 2. concurrent.futures 的读法：会阻塞，但最多等这么久。
	say("ResultWait(%v) blocks...", timeout)
	ev.Start("ResultWait")
	v, err = f.ResultWait(ctx, timeout)
	ev.End("ResultWait", status(err))
	if err == ErrTimeout {
		say("ResultWait(%v) → %s; the task keeps running", timeout, show(v, err))
	} else {
		say("ResultWait(%v) → %s", timeout, show(v, err))
	}

	// 3. 再读之前先等任务的 goroutine 结束：回调在它里面执行，而且 Go
	// 程序不该把 goroutine 丢下不管。
	<-finished
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err = f.Result()
	ev.Point("Result()", status(err))
	say("Result() → %s, without waiting: Done() = %t", show(v, err), f.Done())
	return nil
}

// show 把一次读取写成控制台里的样子：值，或者错误。
func show(v int, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprint(v)
}

// status 给一次读取在时间线上的结果起个名字。
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

// sleep 代表任务的慢活。和 time.Sleep 不同，运行一被停止它就放弃。
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
