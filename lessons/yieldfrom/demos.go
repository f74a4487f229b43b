// Package yieldfrom is lesson 10: generators as coroutines. A generator
// pipeline with a delegating stage (Python's `yield from`) is built with Go's
// iter.Seq and driven step by step through iter.Pull, and beside it the same
// pipeline runs as goroutines joined by channels.
package yieldfrom

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demo runs from.
//
//go:embed lesson.md demos.go generators.go generators.py
var Files embed.FS

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "generators", Lesson: "yield-from", Title: "生成器流水线：iter.Pull 与 channel 对照",
			Source: "generators.go", Python: "generators.py",
			Params: []runner.Param{
				{Name: "items", Kind: runner.KindInt, Default: "5", Min: "1", Max: "50",
					Help: "生产者产出几个数"},
			},
			Run: generators,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "generators.go", Func: "relay", First: "for v := range sub {"},
		{File: "generators.go", Func: "viaPull", First: "next, stop := iter.Pull(relay(produce(ctx, n, say, ev), say, ev))", Last: "defer stop()"},
		{File: "generators.go", Func: "viaPull", First: "v, ok := next()"},
		{File: "generators.go", Func: "viaChannels", First: "for i := 1; i <= n; i++ {"},
		{File: "generators.py", Func: "relay", First: "total = yield from produce(n, say)"},
		{File: "generators.py", Func: "pull_pipeline", First: "gen = relay(n, say)"},
		{File: "generators.py", Func: "pull_pipeline", First: "value = next(gen)"},
		{File: "generators.py", Func: "producer", First: "await nums.put(i)"},
	}
}
