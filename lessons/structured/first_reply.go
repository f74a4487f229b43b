package structured

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// reply 是一个镜像的回复：它是第几个镜像，以及有没有出错。
type reply struct {
	mirror int
	err    error
}

// firstReply 向几个镜像要同一份数据，用最先到的那份，其余的取消。
// 课文的练习要你在编辑里改一处，让它漏掉 goroutine。
func firstReply(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	start := time.Now()
	mirrorsCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup

	r := fastest(mirrorsCtx, ev, p.Durations("delays"), &wg)
	if r.err == nil {
		fmt.Fprintf(out, "[%.2fs] first reply: mirror %d\n", time.Since(start).Seconds(), r.mirror)
	}
	cancel()  // 其余的镜像不必再等了
	wg.Wait() // 本课程的规矩：返回之前，等自己起的每个 goroutine 都结束
	if ctx.Err() != nil {
		return ctx.Err() // 运行被停下了
	}
	fmt.Fprintf(out, "[%.2fs] every mirror has returned\n", time.Since(start).Seconds())
	return nil
}

// fastest 同时问每个镜像，交回最先到的回复，其余的不再理会。
func fastest(ctx context.Context, ev runner.Events, delays []time.Duration, wg *sync.WaitGroup) reply {
	replies := make(chan reply, len(delays)) // 每个镜像一格：没人来收，回复也放得下
	for i, d := range delays {
		name := fmt.Sprintf("mirror %d", i+1)
		wg.Go(func() {
			ev.Start(name)
			err := ask(ctx, d)
			replies <- reply{mirror: i + 1, err: err} // 缓冲够大，这一句从不卡住
			ev.End(name, status(err))
		})
	}
	return <-replies // 提前返回：后到的回复留在缓冲里，没人再看
}

// ask 假装向一个镜像要数据：它要 d 才回复，ctx 被取消时立刻放弃。
func ask(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
