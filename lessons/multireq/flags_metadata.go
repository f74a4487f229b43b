package multireq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsMetadata 把每面国旗存成 "China--CN.gif" 这样的文件名。光有图片
// 不够：国名在另一个资源 metadata.json 里。所以每次下载变成两个请求，而
// 所有国家的所有请求共用一个信号量，服务器同时最多只会看到 limit 个。
func flagsMetadata(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// 国旗站点的地址由服务器告诉演示，学习者不能改。
	baseURL := p.FlagsURL()
	limit := p.Int("limit")
	together := p.Choice("pair") == "parallel"
	start := time.Now()
	stamp := func() string { return fmt.Sprintf("[%.2fs]", time.Since(start).Seconds()) }

	// “保存”真的会写文件，写进一个只属于本次运行的目录。Go 这里不需要
	// run_in_executor：一个 goroutine 卡在写文件上，不会拦住别的 goroutine。
	dir, err := os.MkdirTemp("", "flags-metadata-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	tr := &http.Transport{MaxIdleConnsPerHost: limit} // 每个名额留一条空闲连接，好复用
	defer tr.CloseIdleConnections()
	// 延迟总要写明，哪怕是 0s：不写的话，会退回服务器启动时的设置。
	query := url.Values{"latency": {p.Duration("latency").String()}}.Encode()
	f := &fetcher{
		client: &http.Client{Transport: tr},
		base:   baseURL,
		query:  query,
		ev:     ev,
		sem:    make(chan struct{}, limit), // 本次运行唯一的信号量：limit 个名额
	}

	countries := flagserver.Countries()[:20]
	var wg sync.WaitGroup
	var mu sync.Mutex // 保护 failed
	failed := 0
	for _, c := range countries {
		wg.Go(func() {
			name, err := f.downloadOne(ctx, c.Code, together, dir)
			if ctx.Err() != nil {
				return // 已停止：没什么值得打印
			}
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				fmt.Fprintf(out, "%s %s failed: %v\n", stamp(), c.Code, err)
				return
			}
			ev.Point("files", c.Code)
			fmt.Fprintf(out, "%s %s\n", stamp(), name)
		})
	}
	wg.Wait() // Run 返回之前，每个 goroutine 都已结束
	if err := ctx.Err(); err != nil {
		return err
	}

	// 数一数磁盘上真正有的文件，而不是相信某个计数器。
	saved, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d files saved in %.2fs (%d requests, at most %d at a time)",
		len(saved), time.Since(start).Seconds(), 2*len(countries), limit)
	if failed > 0 {
		fmt.Fprintf(out, ", %d failed", failed)
	}
	fmt.Fprintln(out)
	return nil
}

// fetcher 负责一次运行里的所有请求。
type fetcher struct {
	client *http.Client
	base   string        // 例如 http://127.0.0.1:40123
	query  string        // 本次运行给服务器的设置，例如 latency=100ms
	sem    chan struct{} // 信号量：每个在路上的请求占一个名额
	ev     runner.Events
}

// downloadOne 取一个国家的国旗和国名，然后保存文件，返回文件名。
func (f *fetcher) downloadOne(ctx context.Context, cc string, together bool, dir string) (string, error) {
	lower := strings.ToLower(cc)
	var image, meta []byte
	var imageErr, metaErr error
	if together {
		// 两个请求同时出发：每个仍然各自去拿名额。
		var wg sync.WaitGroup
		wg.Go(func() { image, imageErr = f.get(ctx, cc+" gif", "/"+lower+"/"+lower+".gif") })
		meta, metaErr = f.get(ctx, cc+" meta", "/"+lower+"/metadata.json")
		wg.Wait()
	} else {
		// 一个接一个，就像连着写两个 `async with semaphore:` 块。名额在
		// 两个请求之间还了回去，别的国家可能在我们的第二个请求之前插进来。
		image, imageErr = f.get(ctx, cc+" gif", "/"+lower+"/"+lower+".gif")
		if imageErr == nil {
			meta, metaErr = f.get(ctx, cc+" meta", "/"+lower+"/metadata.json")
		}
	}
	if imageErr != nil {
		return "", imageErr
	}
	if metaErr != nil {
		return "", metaErr
	}

	var m struct {
		Country string `json:"country"`
	}
	if err := json.Unmarshal(meta, &m); err != nil || m.Country == "" {
		return "", fmt.Errorf("metadata.json without a country name")
	}
	name := strings.NewReplacer(" ", "_", "/", "-").Replace(m.Country) + "--" + cc + ".gif"
	return name, os.WriteFile(filepath.Join(dir, name), image, 0o644)
}

// get 拿一个名额，发一个请求，再把名额还回去。任务先排队（时间线上灰色
// 的一段），拿到名额后才开始，还回名额之前就结束，所以时间线如实显示
// 信号量允许的情形：同时在走的横条从不超过 limit 根。
func (f *fetcher) get(ctx context.Context, task, path string) ([]byte, error) {
	f.ev.Wait(task)
	select {
	case f.sem <- struct{}{}: // 拿名额：名额用完时在这里等
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-f.sem }() // 还名额，在下面的 End 之后

	f.ev.Start(task)
	body, err := f.fetch(ctx, path)
	f.ev.End(task, status(ctx, err))
	return body, err
}

// httpStatusError 表示服务器的回答不是 200 OK。
type httpStatusError struct{ code int }

func (e httpStatusError) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

func (f *fetcher) fetch(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+path+"?"+f.query, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), httpStatusError{resp.StatusCode})
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// status 是请求结束时时间线上显示的状态。
func status(ctx context.Context, err error) string {
	var he httpStatusError
	switch {
	case err == nil:
		return "ok"
	case ctx.Err() != nil:
		return "stopped"
	case errors.As(err, &he):
		return fmt.Sprint(he.code)
	}
	return "error"
}
