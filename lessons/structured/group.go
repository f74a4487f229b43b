package structured

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// downloads 是这一组下载的个数；第 i 个（从 1 数起）要花 i×step。
const downloads = 4

// errServer 是选中的那个下载得到的错误，好比服务器回了 500。
var errServer = errors.New("server said 500")

// outcome 是一个下载的结局：怎样结束、在什么时候、带着什么错误。
type outcome struct {
	status string // ok、failed、cancelled；没开始的是 not started
	at     time.Duration
	err    error
}

// groupCancel 同时开始一组下载，其中一个会失败，看其余的怎样收场：
// group 时第一个错误取消共用的 context（像 TaskGroup），collect 时谁也
// 不取消谁（像 gather(return_exceptions=True)）。Wait 都要等所有人返回。
func groupCancel(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	step, fail, limit := p.Duration("step"), p.Int("fail"), p.Int("limit")
	start := time.Now()
	outcomes := make([]outcome, downloads) // 每个下载只写自己那一格，Wait 之后才读
	for i := range outcomes {
		outcomes[i].status = "not started" // 没轮到就被取消的，一直是这样
	}

	g, groupCtx := &errgroup.Group{}, ctx // collect：没有 context，谁也不取消谁
	if p.Choice("mode") == "group" {
		g, groupCtx = errgroup.WithContext(ctx) // 第一个返回错误的会取消 groupCtx
	}
	if limit > 0 {
		g.SetLimit(limit) // 同时最多 limit 个；多出来的 g.Go 在这里等空位
	}
	for i := 1; i <= downloads && groupCtx.Err() == nil; i++ { // 组已取消就不再开新的
		g.Go(func() error {
			o := download(groupCtx, ev, i, time.Duration(i)*step, i == fail)
			o.at = time.Since(start)
			outcomes[i-1] = o
			return o.err
		})
	}
	ev.Start("Wait")
	err := g.Wait()       // 等所有人都返回，交回第一个错误
	if ctx.Err() != nil { // 运行被停下了：大家都已收到取消
		ev.End("Wait", "stopped")
		return ctx.Err()
	}
	ev.End("Wait", status(err))

	for i, o := range outcomes {
		switch o.status {
		case "not started":
			fmt.Fprintf(out, "download %d: not started\n", i+1)
		case "failed":
			fmt.Fprintf(out, "download %d: failed (%.2fs): %v\n", i+1, o.at.Seconds(), errServer)
		default:
			fmt.Fprintf(out, "download %d: %s (%.2fs)\n", i+1, o.status, o.at.Seconds())
		}
	}
	first := "none"
	if err != nil {
		first = err.Error()
	}
	fmt.Fprintf(out, "first error: %s (%.2fs)\n", first, time.Since(start).Seconds())
	return nil
}

// download 假装下载第 i 个文件：花 d 的时间，然后成功，或者（fails 时）
// 以服务器错误告终。ctx 被取消时它立刻放弃：在 Go 里这是被“取消”的唯一
// 方式，没有谁能从外面打断一个 goroutine。
func download(ctx context.Context, ev runner.Events, i int, d time.Duration, fails bool) outcome {
	name := fmt.Sprintf("download %d", i)
	ev.Start(name)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		ev.End(name, "cancelled")
		return outcome{status: "cancelled", err: ctx.Err()}
	}
	if fails {
		ev.End(name, "failed")
		return outcome{status: "failed", err: fmt.Errorf("%s: %w", name, errServer)}
	}
	ev.End(name, "ok")
	return outcome{status: "ok"}
}

// status 是时间线上横条的结束状态。
func status(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "error"
}
