// Package blocking is lesson 6: a blocking call inside a single-threaded
// event loop freezes everything on that loop; handing it to a worker pool
// (run_in_executor) keeps the loop free; and plain goroutines need neither
// trick, because Go's runtime moves other goroutines off a blocked thread.
package blocking

import (
	"embed"

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
