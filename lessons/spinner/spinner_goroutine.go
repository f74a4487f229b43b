package spinner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// spinGoroutine 用一个普通的 goroutine 做同一件事。它不靠标志，而是交给
// 指针一个 context：取消它就相当于 Go 版的 Task.cancel()，而且指针马上就
// 有反应，哪怕正处在两帧之间。
func spinGoroutine(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	spinCtx, cancelSpinner := context.WithCancel(ctx)
	finished := make(chan struct{})

	go func() {
		defer close(finished)
		ev.Start("spinner")
		drawUntilDone(spinCtx, out, ev, p.Duration("frame"))
		ev.End("spinner", "cancelled")
	}()

	ev.Start("slow call")
	answer, err := slowCall(ctx, p.Duration("slow"))
	ev.End("slow call", status(err))

	cancelSpinner() // 相当于 spinner_task.cancel()
	<-finished      // 立刻返回：指针正在 select 里等着
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Answer: %d\n", answer)
	return nil
}

// drawUntilDone 转动指针，直到 ctx 被取消。两帧之间的等待是一个 select，
// 所以取消会立刻把它叫醒，而不是等下一帧。
func drawUntilDone(ctx context.Context, out io.Writer, ev runner.Events, frame time.Duration) {
	const label = "thinking..."
	tick := time.NewTicker(frame)
	defer tick.Stop()
	for i := 0; ; i++ {
		text := fmt.Sprintf("%c %s", `|/-\`[i%4], label)
		fmt.Fprint(out, text+strings.Repeat("\b", len(text)))
		ev.Point("spinner", "frame")
		select {
		case <-tick.C:
		case <-ctx.Done():
			fmt.Fprint(out, strings.Repeat(" ", len(text))+strings.Repeat("\b", len(text)))
			return
		}
	}
}
