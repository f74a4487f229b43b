// Package httpclients is lesson 9: one HTTP client per request against one
// client shared by all requests, counting with net/http/httptrace how many
// connections each way opens and how many it reuses.
package httpclients

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md client_reuse.go client_reuse.py
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
