// Package blocking is lesson 6: a blocking call inside a single-threaded
// event loop freezes everything on that loop; handing it to a worker pool
// (run_in_executor) keeps the loop free; and plain goroutines need neither
// trick, because Go's runtime moves other goroutines off a blocked thread.
package blocking

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demos run from.
//
//go:embed lesson.md demos.go blocking_loop.go blocking_go.go blocking_loop.py blocking_go.py
var Files embed.FS

// params: how long the blocking call takes, the same for both demos.
func params() []runner.Param {
	return []runner.Param{
		{Name: "block", Kind: runner.KindDuration, Default: "1s", Min: "100ms", Max: "5s",
			Help: "阻塞调用要占住多久"},
	}
}

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "blocking-loop", Lesson: "blocking", Title: "单线程事件循环：阻塞回调与线程池",
			Source: "blocking_loop.go", Python: "blocking_loop.py",
			Params: params(), Run: blockingLoop,
		},
		{
			ID: "blocking-go", Lesson: "blocking", Title: "goroutine：阻塞的系统调用不拖住别人",
			Source: "blocking_go.go", Python: "blocking_go.py",
			Params: params(), Run: blockingGo,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "blocking_go.go", Func: "blockingGo", First: "spinner.Go(func() { longest = spinUntil(spinCtx, say, ev) })", Last: "data, err := slowRead(ctx, block, say, ev)"},
		{File: "blocking_go.go", Func: "slowRead", First: "_ = r.Fd()"},
		{File: "blocking_go.go", Func: "slowRead", First: "n, err := r.Read(buf)"},
		{File: "blocking_go.py", Func: "slow_read", First: "data = os.read(r, 64)"},
		{File: "blocking_go.py", Func: "main", First: "spinner = pool.submit(spin, stop)", Last: "data = slow_read()"},
		{File: "blocking_loop.go", Func: "spinBesideBlockingCall", First: "if !offload {"},
		{File: "blocking_loop.go", Func: "spinBesideBlockingCall", First: "loop.runInExecutor(workers, func() {"},
		{File: "blocking_loop.go", Func: "eventLoop.run", First: "fn()"},
		{File: "blocking_loop.py", Func: "callback", First: "worker = loop.run_in_executor(None, in_a_worker)", Last: "worker.add_done_callback(result_arrives)"},
		{File: "blocking_loop.py", Func: "callback", First: "blocking_call(BLOCK)"},
	}
}
