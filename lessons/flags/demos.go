// Package flags is lesson 4: the flags of the 20 most populous countries
// downloaded from the built-in flag server, first one after another, then
// all at once, with the same code for a single download.
package flags

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demos run from.
//
//go:embed lesson.md demos.go flags_sequential.go flags_concurrent.go download.go flags_sequential.py flags_concurrent.py
var Files embed.FS

// params are shared by both demos, so the two can be compared directly.
func params() []runner.Param {
	return []runner.Param{
		{Name: "count", Kind: runner.KindInt, Default: "20", Min: "1", Max: "20",
			Help: "下载几面国旗（按人口从多到少取前几个国家）"},
		{Name: "latency", Kind: runner.KindDuration, Default: "100ms", Min: "0s", Max: "2s",
			Help: "服务器每次应答前的延迟，模拟网络的慢"},
	}
}

// Demos returns the lesson's demos. They download from the flag site
// whose address Execute hands them (runner.Values.FlagsURL).
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "flags-sequential", Lesson: "flags", Title: "顺序下载：一面接一面",
			Source: "flags_sequential.go", Python: "flags_sequential.py", Also: []string{"download.go"}, ShowsFlags: true,
			Cost:   runner.CostNetwork,
			Params: params(), Run: flagsSequential,
		},
		{
			ID: "flags-concurrent", Lesson: "flags", Title: "并发下载：一起发出去",
			Source: "flags_concurrent.go", Python: "flags_concurrent.py", Also: []string{"download.go"}, ShowsFlags: true,
			Cost:   runner.CostNetwork,
			Params: params(), Run: flagsConcurrent,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "flags_concurrent.go", Func: "flagsConcurrent", First: "var wg sync.WaitGroup", Last: "for _, c := range flagserver.Countries()[:p.Int(\"count\")] {"},
		{File: "flags_concurrent.go", Func: "flagsConcurrent", First: "wg.Wait()"},
		{File: "flags_concurrent.py", Func: "download_one", First: "await get_flag(session, cc)"},
		{File: "flags_concurrent.py", Func: "main", First: "async with aiohttp.ClientSession() as session:"},
		{File: "flags_sequential.go", Func: "flagsSequential", First: "for _, c := range flagserver.Countries()[:p.Int(\"count\")] {"},
		{File: "flags_sequential.py", Func: "main", First: "for cc in COUNTRIES[:COUNT]:"},
	}
}
