package flags

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsSequential 一面接一面地下载国旗：上一个应答完整到手，才发下一个
// 请求，所以总耗时约为 count × latency。和并发版共用的 getFlag、status 在
// download.go 里。
func flagsSequential(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// 国旗网站的地址由服务器告诉我们，学习者改不了。
	baseURL := p.FlagsURL()
	// 用自己的 Transport，这次运行结束时它开的连接就一起关掉，不会留在
	// 共享的连接池里。
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// 查询字符串让服务器在每次应答前先等一会儿。
	query := flagserver.Config{Latency: p.Duration("latency")}.Query()

	start := time.Now()
	downloaded, failed := 0, 0
	for _, c := range flagserver.Countries()[:p.Int("count")] {
		ev.Start(c.Code)
		_, err := getFlag(ctx, client, baseURL, c.Code, query) // 等到应答到手才往下走
		ev.End(c.Code, status(ctx, err))
		if ctx.Err() != nil {
			return ctx.Err() // 被停止了：马上离开
		}
		if err != nil {
			failed++
			fmt.Fprintf(out, "%s(%v) ", c.Code, err)
			continue
		}
		downloaded++
		fmt.Fprint(out, c.Code+" ") // 一个接一个地打在同一行上
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "%d flags downloaded in %.2fs", downloaded, time.Since(start).Seconds())
	if failed > 0 {
		fmt.Fprintf(out, ", %d failed", failed)
	}
	fmt.Fprintln(out)
	return nil
}
