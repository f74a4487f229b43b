// Package multireq is lesson 7: a download that needs two requests, the flag
// image and the country's metadata.json, so that the file can be named
// "China--CN.gif"; every request of every country goes through one shared
// semaphore.
package multireq

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md demos.go flags_metadata.go flags_metadata.py
var Files embed.FS

// Demos returns the lesson's demos. They download from the flag site
// whose address Execute hands them (runner.Values.FlagsURL).
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "flags-metadata", Lesson: "multi-request", Title: "每面国旗两个请求：图片加国名",
			Source: "flags_metadata.go", Python: "flags_metadata.py", ShowsFlags: true,
			Cost: runner.CostNetwork,
			Params: []runner.Param{
				{Name: "limit", Kind: runner.KindInt, Default: "5", Min: "1", Max: "100",
					Help: "信号量的名额：同时最多几个请求在路上"},
				{Name: "latency", Kind: runner.KindDuration, Default: "100ms", Min: "0s", Max: "2s",
					Help: "服务器每次应答前的延迟"},
				{Name: "pair", Kind: runner.KindChoice, Default: "serial", Choices: []string{"serial", "parallel"},
					Help: "同一国家的两个请求：serial 先图片后国名，parallel 同时发出"},
			},
			Run: flagsMetadata,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "flags_metadata.go", Func: "flagsMetadata", First: "sem:"},
		{File: "flags_metadata.go", Func: "fetcher.downloadOne", First: "if together {"},
		{File: "flags_metadata.go", Func: "fetcher.get", First: "select {", Last: "defer func() { <-f.sem }()"},
		{File: "flags_metadata.py", Func: "fetch", First: "async with sem:"},
		{File: "flags_metadata.py", Func: "download_one", First: "if PAIR == \"parallel\":"},
	}
}
