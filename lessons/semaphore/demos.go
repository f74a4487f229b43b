// Package semaphore is lesson 5: the flag downloads again, but with at most
// N requests in flight (a semaphore), with the server's 404s and errors
// handled one by one, and with results taken in the order they finish
// (asyncio.as_completed) and tallied into a summary.
package semaphore

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md demos.go flags_semaphore.go flags_semaphore.py
var Files embed.FS

// Demos returns the lesson's demos. They download from the flag site
// whose address Execute hands them (runner.Values.FlagsURL).
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "flags-semaphore", Lesson: "semaphore", Title: "信号量限流，按完成顺序收结果",
			Source: "flags_semaphore.go", Python: "flags_semaphore.py", ShowsFlags: true,
			Cost: runner.CostNetwork,
			Params: []runner.Param{
				{Name: "limit", Kind: runner.KindInt, Default: "5", Min: "1", Max: "1000",
					Help: "信号量的名额：同时最多几个请求在路上"},
				{Name: "error_rate", Kind: runner.KindFloat, Default: "0.1", Min: "0", Max: "1",
					Help: "服务器回答 500 的比例，0 到 1"},
				{Name: "latency", Kind: runner.KindDuration, Default: "100ms", Min: "0s", Max: "2s",
					Help: "服务器每次应答前的延迟"},
				{Name: "missing", Kind: runner.KindChoice, Default: "CD,IR",
					Choices: []string{"none", "CD", "CD,IR", "CD,IR,TR,VN"},
					Help:    "服务器对这些国家回答 404（假装没有这面国旗）"},
				{Name: "seed", Kind: runner.KindInt, Default: "2", Min: "1", Max: "1000",
					Help: "决定哪些请求出错的种子：种子相同，出错的国家也相同"},
			},
			Run: flagsSemaphore,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "flags_semaphore.go", Func: "flagsSemaphore", First: "sem:"},
		{File: "flags_semaphore.go", Func: "flagsSemaphore", First: "results := make(chan result, len(countries))", Last: "for range countries {"},
		{File: "flags_semaphore.go", Func: "downloader.downloadOne", First: "select {", Last: "defer func() { <-d.sem }()"},
		{File: "flags_semaphore.py", Func: "download_one", First: "async with sem:"},
		{File: "flags_semaphore.py", Func: "main", First: "sem = asyncio.Semaphore(LIMIT)"},
		{File: "flags_semaphore.py", Func: "main", First: "for next_done in asyncio.as_completed(jobs):"},
	}
}
