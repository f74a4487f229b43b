// Package eventloop is lesson 0: three tasks that wait at the same time
// finish in the time of the longest one, because while one waits the
// runtime runs the others: the event loop of asyncio, which Go hides in its
// scheduler and network poller.
package eventloop

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md demos.go hello_tasks.go hello_tasks.py
var Files embed.FS

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "hello-tasks", Lesson: "event-loop", Title: "三个同时等待的任务",
			Source: "hello_tasks.go", Python: "hello_tasks.py",
			Params: []runner.Param{
				{Name: "durations", Kind: runner.KindDurations, Default: "1s,2s,3s", Min: "10ms", Max: "5s",
					Help: "每个任务睡多久，用逗号分隔，一个值一个任务"},
			},
			Run: helloTasks,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "hello_tasks.go", Func: "helloTasks", First: "var wg sync.WaitGroup", Last: "for i, d := range durations {"},
		{File: "hello_tasks.go", Func: "helloTasks", First: "wg.Wait()"},
		{File: "hello_tasks.go", Func: "sleep", First: "select {"},
		{File: "hello_tasks.py", Func: "task", First: "await asyncio.sleep(seconds)"},
		{File: "hello_tasks.py", Func: "main", First: "results = await asyncio.gather(*jobs)"},
	}
}
