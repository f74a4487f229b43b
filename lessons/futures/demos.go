// Package futures is lesson 2: one small Future type read in the two ways
// Python offers, asyncio.Future.result() that refuses to wait and
// concurrent.futures.Future.result(timeout) that waits, plus a done callback.
package futures

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from;
// future.go is the Future type the demo uses.
//
//go:embed lesson.md demos.go future_semantics.go future.go future_semantics.py
var Files embed.FS

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "future-semantics", Lesson: "futures", Title: "同一个 Future 的两种读法",
			Source: "future_semantics.go", Python: "future_semantics.py", Also: []string{"future.go"},
			Params: []runner.Param{
				{Name: "task", Kind: runner.KindDuration, Default: "500ms", Min: "50ms", Max: "5s",
					Help: "任务要多久才给出结果"},
				{Name: "timeout", Kind: runner.KindDuration, Default: "100ms", Min: "10ms", Max: "5s",
					Help: "阻塞读取最多等多久"},
			},
			Run: futureSemantics,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "future.go", Func: "Future", First: "done"},
		{File: "future.go", Func: "Future.Done", First: "select {"},
		{File: "future.go", Func: "Future.complete", First: "f.value, f.err = v, err", Last: "close(f.done)"},
		{File: "future.go", Func: "Future.ResultWait", First: "select {"},
		{File: "future_semantics.go", Func: "futureSemantics", First: "f := NewFuture[int]()"},
		{File: "future_semantics.go", Func: "futureSemantics", First: "go func() {"},
		{File: "future_semantics.go", Func: "futureSemantics", First: "f.AddDoneCallback(func(f *Future[int]) {"},
		{File: "future_semantics.go", Func: "futureSemantics", First: "v, err := f.Result()"},
		{File: "future_semantics.go", Func: "futureSemantics", First: "v, err = f.ResultWait(ctx, timeout)"},
		{File: "future_semantics.py", Func: "main", First: "fut = loop.create_future()"},
		{File: "future_semantics.py", Func: "work", First: "fut.set_result(42)"},
		{File: "future_semantics.py", Func: "main", First: "task = asyncio.create_task(work())"},
		{File: "future_semantics.py", Func: "main", First: "fut.add_done_callback(on_done)", Last: `say(f"result() → {shown}")`},
		{File: "future_semantics.py", Func: "main", First: "value = await asyncio.wait_for(asyncio.shield(fut), wt.parse_duration(TIMEOUT))"},
	}
}
