package flags

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsConcurrent 每面国旗开一个 goroutine，于是第一个应答回来之前，所有
// 请求都已经在路上了：不管有多少面国旗，总耗时都约为一个 latency。getFlag
// 就是顺序版调用的那个函数（见 download.go）。
func flagsConcurrent(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// 国旗网站的地址由服务器告诉我们，学习者改不了。
	baseURL := p.FlagsURL()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	query := flagserver.Config{Latency: p.Duration("latency")}.Query()

	start := time.Now()
	// 许多 goroutine 同时计数，所以计数器必须是原子的。
	var downloaded, failed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range flagserver.Countries()[:p.Int("count")] {
		// wg.Go 在一个新的 goroutine 里运行这个函数，并把它记上一笔；
		// 循环不等它，马上去开下一个国家的。
		wg.Go(func() {
			ev.Start(c.Code)
			_, err := getFlag(ctx, client, baseURL, c.Code, query)
			ev.End(c.Code, status(ctx, err))
			switch {
			case ctx.Err() != nil:
				// 被停止了：什么也不打印
			case err != nil:
				failed.Add(1)
				fmt.Fprintf(out, "%s(%v) ", c.Code, err)
			default:
				downloaded.Add(1)
				// 在这次下载结束时打印，所以国家代码按应答到达的
				// 先后出现。
				fmt.Fprint(out, c.Code+" ")
			}
		})
	}
	wg.Wait() // 相当于 asyncio.gather：等每一次下载都结束
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "%d flags downloaded in %.2fs", downloaded.Load(), time.Since(start).Seconds())
	if n := failed.Load(); n > 0 {
		fmt.Fprintf(out, ", %d failed", n)
	}
	fmt.Fprintln(out)
	return nil
}
