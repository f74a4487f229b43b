// Package rawconn is lesson 8: speaking HTTP by hand over raw TCP
// connections to several hosts at once and reading the answers' header
// lines as they arrive, the Go counterpart of asyncio.open_connection.
package rawconn

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md demos.go wget_headers.go tinyhost.go wget_headers.py
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

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "wget_headers.go", Func: "wgetHeaders", First: "for i, h := range hosts.hosts {", Last: "wg.Wait()"},
		{File: "wget_headers.go", Func: "wget", First: "var d net.Dialer", Last: "defer stop()"},
		{File: "wget_headers.go", Func: "wget", First: "request := \"GET / HTTP/1.0\\r\\nHost: \" + h.name + \"\\r\\n\\r\\n\"", Last: "if _, err := io.WriteString(conn, request); err != nil {"},
		{File: "wget_headers.go", Func: "wget", First: "r := bufio.NewReader(conn)", Last: "for {"},
		{File: "wget_headers.py", Func: "wget", First: "reader, writer = await asyncio.open_connection(\"127.0.0.1\", port)"},
		{File: "wget_headers.py", Func: "wget", First: "request = f\"GET / HTTP/1.0\\r\\nHost: {name}\\r\\n\\r\\n\"", Last: "await writer.drain()"},
		{File: "wget_headers.py", Func: "wget", First: "while True:"},
		{File: "wget_headers.py", Func: "main", First: "took = await asyncio.gather(*(wget(name, port) for name, port in zip(NAMES, ports)))"},
	}
}
