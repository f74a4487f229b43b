package spinner

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// spinThread 让指针在一个自己专用的操作系统线程上转，主流程同时去等一个慢
// 的结果。线程没法从外面打断，所以双方约定一个标志：主流程把它置位，画指针
// 的一方每画完一帧看它一眼，看到了就自己退出。
func spinThread(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	var stop atomic.Bool // 共享的标志；用原子类型，两边才看得到同一个值
	finished := make(chan struct{})

	go func() {
		// 把这个 goroutine 钉在当前的操作系统线程上，直到它结束，好让它
		// 像 Python 的 threading.Thread 那样独占一个线程。这只是为了像：
		// 去掉这两行，输出、停下的快慢都不会变（见课文）。
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(finished)
		ev.Start("spinner")
		drawUntilFlag(out, ev, p.Duration("frame"), &stop)
		ev.End("spinner", "flag")
	}()

	ev.Start("slow call")
	answer, err := slowCall(ctx, p.Duration("slow"))
	ev.End("slow call", status(err))

	stop.Store(true) // 请指针停下……
	<-finished       // ……再等它真的注意到：最多一帧
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Answer: %d\n", answer)
	return nil
}

// drawUntilFlag 在原地转动指针：每帧写完就用退格符退回去，下一帧正好落在
// 同一个位置。
func drawUntilFlag(out io.Writer, ev runner.Events, frame time.Duration, stop *atomic.Bool) {
	const label = "thinking..."
	for i := 0; !stop.Load(); i++ {
		text := fmt.Sprintf("%c %s", `|/-\`[i%4], label)
		fmt.Fprint(out, text+strings.Repeat("\b", len(text)))
		ev.Point("spinner", "frame")
		time.Sleep(frame) // 线程只能睡；睡醒了才去看标志
	}
	blank := len("| " + label)
	fmt.Fprint(out, strings.Repeat(" ", blank)+strings.Repeat("\b", blank))
}

// slowCall 代表一次慢的网络或磁盘调用：过 d 之后回答 42，运行被停止时
// 提前放弃。
func slowCall(ctx context.Context, d time.Duration) (int, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return 42, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// status 给时间线上的横条起个结束状态。
func status(err error) string {
	if err != nil {
		return "stopped"
	}
	return "ok"
}
