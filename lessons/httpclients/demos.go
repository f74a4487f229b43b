// Package httpclients is lesson 9: one HTTP client per request against one
// client shared by all requests, counting with net/http/httptrace how many
// connections each way opens and how many it reuses.
package httpclients

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md demos.go client_reuse.go client_reuse.py
var Files embed.FS

// Demos returns the lesson's demos. They request flags from the flag site
// whose address Execute hands them (runner.Values.FlagsURL).
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "client-reuse", Lesson: "http-clients", Title: "每次新建客户端 vs 共用一个客户端",
			Source: "client_reuse.go", Python: "client_reuse.py",
			Cost: runner.CostNetwork,
			Params: []runner.Param{
				{Name: "count", Kind: runner.KindInt, Default: "20", Min: "1", Max: "200",
					Help: "每一轮发多少个请求"},
				{Name: "parallel", Kind: runner.KindInt, Default: "4", Min: "1", Max: "20",
					Help: "同时最多几个请求在路上"},
				// 200 requests, one at a time, each paying 200ms: 40s, still
				// inside the 60s a run may take.
				{Name: "handshake", Kind: runner.KindDuration, Default: "50ms", Min: "0s", Max: "200ms",
					Help: "模拟建立一条新连接（TCP+TLS 握手）要花的时间"},
			},
			Run: clientReuse,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "client_reuse.go", Func: "newTransport", First: "MaxIdleConnsPerHost: conns", Last: "MaxConnsPerHost:"},
		{File: "client_reuse.go", Func: "clientReuse", First: "freshClient := func() (*http.Client, func()) {"},
		{File: "client_reuse.go", Func: "clientReuse", First: "shared := newTransport(ctx, handshake, parallel, &sharedOpened)", Last: "same := func() (*http.Client, func()) { return sharedClient, func() {} }"},
		{File: "client_reuse.go", Func: "get", First: "trace := &httptrace.ClientTrace{"},
		{File: "client_reuse.go", Func: "get", First: "_, err = io.Copy(io.Discard, resp.Body)"},
		{File: "client_reuse.py", Func: "get", First: "await resp.read()"},
		{File: "client_reuse.py", Func: "fresh", First: "async with aiohttp.ClientSession(trace_configs=[counting(fresh_opened)]) as session:"},
		{File: "client_reuse.py", Func: "main", First: "connector = aiohttp.TCPConnector(limit_per_host=PARALLEL)", Last: "async with aiohttp.ClientSession(connector=connector, trace_configs=[counting(shared_opened)]) as shared:"},
	}
}
