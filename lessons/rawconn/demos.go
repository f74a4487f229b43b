// Package rawconn is lesson 8: speaking HTTP by hand over raw TCP
// connections to several hosts at once and reading the answers' header
// lines as they arrive, the Go counterpart of asyncio.open_connection.
package rawconn

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md wget_headers.go tinyhost.go wget_headers.py
var Files embed.FS

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "wget-headers", Lesson: "raw-connections", Title: "原始 TCP：同时读几个主机的响应头",
			Source: "wget_headers.go", Python: "wget_headers.py",
			Cost: runner.CostNetwork,
			Params: []runner.Param{
				{Name: "delays", Kind: runner.KindDurations, Default: "300ms,100ms,200ms", Min: "0s", Max: "2s", MaxItems: maxHosts,
					Help: "每个主机逐行发送响应头的间隔，逗号分隔；几个值就是几个主机（1–5 个）"},
			},
			Run: wgetHeaders,
		},
	}
}
