package semaphore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsSemaphore 一下子为每面国旗开一个 goroutine，但同一时刻最多只让
// `limit` 个去和服务器说话。每个结果一到就打印，最后给出分类统计。
func flagsSemaphore(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// 国旗网站的地址由服务器告诉我们，学习者改不了。
	baseURL := p.FlagsURL()
	limit := p.Int("limit")
	cfg := flagserver.Config{
		Latency:   p.Duration("latency"),
		ErrorRate: p.Float("error_rate"),
		Seed:      int64(p.Int("seed")), // 种子相同，出错的请求也相同：运行可以重现
	}
	if m := p.Choice("missing"); m != "none" {
		cfg.NotFound = strings.Split(m, ",")
	}
	// 每次运行一个 Transport，每个名额留一条连接以便复用；运行结束时
	// 关掉它的闲置连接。
	tr := &http.Transport{MaxIdleConnsPerHost: limit}
	defer tr.CloseIdleConnections()
	d := &downloader{
		client: &http.Client{Transport: tr},
		base:   baseURL,
		query:  cfg.Query(),
		// 信号量就是一个有 `limit` 格缓冲的通道。往里发送就是领一个
		// 名额，格子全满时发送会阻塞；从里面接收就是还一个名额。
		sem: make(chan struct{}, limit),
		ev:  ev,
	}

	start := time.Now()
	countries := flagserver.Countries()[:20]
	// 带缓冲，下载完的 goroutine 就不必等打印的一方来取：每个都能
	// 交了结果马上退出。
	results := make(chan result, len(countries))
	var wg sync.WaitGroup
	for _, c := range countries {
		wg.Go(func() {
			results <- result{code: c.Code, err: d.downloadOne(ctx, c.Code)}
		})
	}

	// 相当于 as_completed 的循环：按完成的先后收结果，而不是按
	// goroutine 开出来的顺序。
	tally := map[string]int{}
	for range countries {
		r := <-results
		if ctx.Err() != nil {
			continue // 被停止了：默默收完，goroutine 都会马上结束
		}
		kind := classify(r.err)
		tally[kind]++
		line := fmt.Sprintf("[%.2fs] %s %s", time.Since(start).Seconds(), r.code, kind)
		if kind == "error" {
			line += fmt.Sprintf(" (%v)", r.err)
		}
		fmt.Fprintln(out, line)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d ok, %d not found, %d errors\n", tally["ok"], tally["not found"], tally["error"])
	fmt.Fprintf(out, "%d flags in %.2fs, at most %d requests in flight (limit %d)\n",
		len(countries), time.Since(start).Seconds(), d.peak, limit)
	return nil
}

// result 是一个下载 goroutine 交回的结果。
type result struct {
	code string
	err  error
}

// downloader 装着一次运行里所有下载共用的东西。
type downloader struct {
	client *http.Client
	base   string        // 比如 http://127.0.0.1:40123
	query  string        // 这次运行对服务器的设置，比如 latency=100ms&seed=1
	sem    chan struct{} // 信号量
	ev     runner.Events

	mu             sync.Mutex // 保护下面两个计数
	inFlight, peak int        // 此刻占着名额的请求数，以及它到过的最大值
}

// downloadOne 等到一个名额，下载一面国旗，再把名额还回去。
func (d *downloader) downloadOne(ctx context.Context, code string) error {
	// 从这里开始排队：时间线上画一段灰色，直到拿到名额。
	d.ev.Wait(code)
	select {
	case d.sem <- struct{}{}: // 领取名额，相当于 `async with semaphore:`
	case <-ctx.Done(): // 还在排队时就被停止了
		return ctx.Err()
	}
	defer func() { <-d.sem }() // 归还名额，不管下面发生什么

	d.enter()
	defer d.leave()
	// 拿到名额之后，这个任务的下载才开始，所以时间线上同时在下载的
	// 正是信号量允许的那些；在这之前它在排队。
	d.ev.Start(code)
	err := d.getFlag(ctx, code)
	d.ev.End(code, timelineStatus(ctx, err))
	return err
}

func (d *downloader) enter() {
	d.mu.Lock()
	d.inFlight++
	d.peak = max(d.peak, d.inFlight)
	d.mu.Unlock()
}

func (d *downloader) leave() {
	d.mu.Lock()
	d.inFlight--
	d.mu.Unlock()
}

// errNotFound 是服务器的 404：这面国旗不存在。它不算下载失败，所以和
// 错误分开计数。
var errNotFound = errors.New("not found")

// getFlag 取回 /{cc}/{cc}.gif，并检查应答的状态码。
func (d *downloader) getFlag(ctx context.Context, code string) error {
	cc := strings.ToLower(code)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/"+cc+"/"+cc+".gif?"+d.query, nil)
	if err != nil {
		return err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // 图片本身
		return err
	case http.StatusNotFound:
		return errNotFound
	}
	return fmt.Errorf("HTTP %d", resp.StatusCode)
}

// classify 把一次下载的结果归入统计里的三类之一。
func classify(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errNotFound):
		return "not found"
	}
	return "error"
}

// timelineStatus 是一次下载在时间线上的横条的结束状态。
func timelineStatus(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return "stopped"
	case errors.Is(err, errNotFound):
		return "404"
	case err != nil:
		return "error"
	}
	return "ok"
}
