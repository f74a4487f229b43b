// Package futures is lesson 2: one small Future type read in the two ways
// Python offers, asyncio.Future.result() that refuses to wait and
// concurrent.futures.Future.result(timeout) that waits, plus a done callback.
package futures

import (
	"embed"

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
