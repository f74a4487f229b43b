package spinner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// spinPlainFlag 和 spinThread 只差一处：标志是一个普通的 bool，就像笔记里
// 线程版用的那个对象属性。两个 goroutine 一个写它、一个读它，中间没有任何
// 同步，这就是一场数据竞争。它多半照样能停下来，问题恰恰在这里：肉眼看不出
// 毛病。在编辑里勾上“检测数据竞争”再运行，竞争检测器会把这两处指出来。
func spinPlainFlag(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	var stop bool // 普通的 bool：写和读之间什么同步也没有
	finished := make(chan struct{})

	go func() {
		defer close(finished)
		ev.Start("spinner")
		drawUntilPlainFlag(out, ev, p.Duration("frame"), &stop)
		ev.End("spinner", "flag")
	}()

	ev.Start("slow call")
	answer, err := slowCall(ctx, p.Duration("slow"))
	ev.End("slow call", status(err))

	stop = true // 写：和指针那边的读没有先后关系，内存模型不保证它被看见
	<-finished  // 这一句是同步，但它在写之后、等的是对方，救不了上面那一行
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Answer: %d\n", answer)
	return nil
}

// drawUntilPlainFlag 就是 drawUntilFlag，只是标志换成了 *bool。
func drawUntilPlainFlag(out io.Writer, ev runner.Events, frame time.Duration, stop *bool) {
	const label = "thinking..."
	for i := 0; !*stop; i++ { // 读：每一帧看一次，和主流程的写同时发生
		text := fmt.Sprintf("%c %s", `|/-\`[i%4], label)
		fmt.Fprint(out, text+strings.Repeat("\b", len(text)))
		ev.Point("spinner", "frame")
		time.Sleep(frame)
	}
	blank := len("| " + label)
	fmt.Fprint(out, strings.Repeat(" ", blank)+strings.Repeat("\b", blank))
}
