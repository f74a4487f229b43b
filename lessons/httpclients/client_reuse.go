package httpclients

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// clientReuse 把同样的请求发两轮。第一轮每个请求都拿一个全新的客户端
// （一个新的 http.Transport，相当于新建一个 aiohttp.ClientSession），所以
// 每个请求都得自己开一条连接。第二轮由一个客户端服务所有请求，用完的连接
// 交给下一个请求。httptrace 告诉我们每个请求走的是哪条路。
func clientReuse(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// 国旗站点的地址由服务器告诉演示，学习者不能改。
	baseURL := p.FlagsURL()
	count, parallel := p.Int("count"), p.Int("parallel")
	handshake := p.Duration("handshake")
	// 服务器不加延迟：这个演示讲的是请求发出之前的事。
	query := url.Values{"latency": {"0s"}}.Encode()

	// 两轮用同一串 URL：20 面国旗，轮着来。
	countries := flagserver.Countries()[:20]
	urls := make([]string, count)
	for i := range urls {
		cc := strings.ToLower(countries[i%len(countries)].Code)
		urls[i] = baseURL + "/" + cc + "/" + cc + ".gif?" + query
	}
	fmt.Fprintf(out, "%d requests, %d at a time; opening a connection takes %v\n\n", count, parallel, handshake)

	// 第一轮：每个请求一个新的 Transport，用完马上扔掉。
	var freshOpened atomic.Int64 // 这一轮一共拨了几次号，即打开了几条连接
	freshClient := func() (*http.Client, func()) {
		tr := newTransport(ctx, handshake, 1, &freshOpened)
		return &http.Client{Transport: tr}, tr.CloseIdleConnections
	}
	perRequest, err := round(ctx, "new client per request", "fresh", urls, parallel, freshClient, out, ev)
	if err != nil {
		return err
	}

	// 第二轮：整轮只用一个 Transport。它把用完的连接留在空闲池里，下一个
	// 请求就省掉了拨号。
	var sharedOpened atomic.Int64
	shared := newTransport(ctx, handshake, parallel, &sharedOpened)
	defer shared.CloseIdleConnections() // 空闲连接不会比本次运行活得更久
	sharedClient := &http.Client{Transport: shared}
	same := func() (*http.Client, func()) { return sharedClient, func() {} }
	oneClient, err := round(ctx, "one shared client", "shared", urls, parallel, same, out, ev)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n%-24s %8s %9s %7s %8s\n", "client", "requests", "new conns", "reused", "time")
	for _, t := range []tally{perRequest, oneClient} {
		fmt.Fprintf(out, "%-24s %8d %9d %7d %7.3fs\n", t.label, count, t.newConns, t.reused, t.elapsed.Seconds())
	}
	if n := perRequest.failed + oneClient.failed; n > 0 {
		fmt.Fprintf(out, "%d requests failed\n", n)
	}
	fmt.Fprintf(out, "\nshared client: %.1fx as fast; connections opened: %d instead of %d\n",
		perRequest.elapsed.Seconds()/oneClient.elapsed.Seconds(), sharedOpened.Load(), freshOpened.Load())
	return nil
}

// newTransport 返回一个拨号要多花 handshake 的 Transport。本机回环上开一条
// 连接只要几微秒；隔着互联网，TCP 和 TLS 要先来回几趟，请求的第一个字节
// 才能出发，这段等待就代表它们。每开始拨一条连接，opened 加一：这是这个
// Transport 真正打开的连接数。它可能比“用上新连接的请求”多，因为拨号
// 完成之前，等着的请求也许已经从池子里拿到了别人还回来的连接，这条新
// 连接就直接进了池子。
func newTransport(runCtx context.Context, handshake time.Duration, conns int, opened *atomic.Int64) *http.Transport {
	var d net.Dialer
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			opened.Add(1)
			t := time.NewTimer(handshake)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done(): // Transport 放弃了这次拨号
				return nil, ctx.Err()
			case <-runCtx.Done(): // 学习者按了停止
				return nil, runCtx.Err()
			}
			return d.DialContext(ctx, network, addr)
		},
		// 默认每个主机只留 2 条空闲连接；同时在路上的请求比这多时，好好的
		// 连接会被关掉再重新拨号。每个在路上的请求留一条，最多也只开这么多。
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
	}
}

// tally 是一轮的统计结果。
type tally struct {
	label                    string
	newConns, reused, failed int
	elapsed                  time.Duration
}

// round 发出所有请求，同时最多 parallel 个，每个请求用 clientFor 给的
// 客户端（请求结束后调用它一并返回的收尾函数）。每完成一个请求打印一个
// 记号："+" 表示用上了一条新连接，"." 表示用的是池子里的连接，"x" 表示
// 失败；每行 50 个。
func round(ctx context.Context, label, task string, urls []string, parallel int,
	clientFor func() (*http.Client, func()), out io.Writer, ev runner.Events) (tally, error) {
	fmt.Fprintf(out, "%-24s ", label)
	t := tally{label: label}
	marks := 0        // 已经打印的记号数，用来换行
	var mu sync.Mutex // 保护 t 和 marks
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	start := time.Now()
	for i, url := range urls {
		name := fmt.Sprintf("%s %02d", task, i+1)
		ev.Wait(name) // 时间线上从这里排队，直到拿到名额
		select {
		case sem <- struct{}{}: // 等一个空名额
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			client, done := clientFor()
			defer done()
			ev.Start(name)
			reused, err := get(ctx, client, url, func() { ev.Point(name, "conn") })
			mark, status := "+", "new"
			switch {
			case err != nil:
				mark, status = "x", "error"
			case reused:
				mark, status = ".", "reused"
			}
			ev.End(name, status)
			mu.Lock()
			defer mu.Unlock()
			switch mark {
			case "+":
				t.newConns++
			case ".":
				t.reused++
			default:
				t.failed++
			}
			if marks > 0 && marks%50 == 0 {
				fmt.Fprintf(out, "\n%-24s ", "")
			}
			marks++
			fmt.Fprint(out, mark)
		})
	}
	wg.Wait()
	t.elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		fmt.Fprintln(out)
		return t, err
	}
	fmt.Fprintf(out, "  %.3fs\n", t.elapsed.Seconds())
	return t, nil
}

// get 发一个请求，并报告它用的连接是否来自池子。Transport 把连接交给请求
// 的那一刻（不论新旧），httptrace 调用 GotConn。连接只要进过池子，Reused
// 就是真，哪怕在它之前还没有哪个请求用过它。
func get(ctx context.Context, client *http.Client, url string, gotConn func()) (reused bool, err error) {
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			reused = info.Reused
			gotConn()
		},
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	// 把响应体读到结尾：只有这样，Transport 才会把连接放回池里留给下一个
	// 请求。
	_, err = io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return reused, err
}
