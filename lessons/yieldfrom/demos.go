// Package yieldfrom is lesson 10: generators as coroutines. A generator
// pipeline with a delegating stage (Python's `yield from`) is built with Go's
// iter.Seq and driven step by step through iter.Pull, and beside it the same
// pipeline runs as goroutines joined by channels.
package yieldfrom

import (
	"embed"

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
