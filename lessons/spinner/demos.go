// Package spinner is lesson 1: the same spinner beside a slow call, once on
// an OS thread stopped by a shared flag and once as a goroutine cancelled
// through its context.
package spinner

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demos run from.
//
//go:embed lesson.md spinner_thread.go spinner_goroutine.go spinner_thread.py spinner_goroutine.py
var Files embed.FS

// The parameters both demos share: the slow call's duration and how often
// the spinner draws a frame.
func params() []runner.Param {
	return []runner.Param{
		{Name: "slow", Kind: runner.KindDuration, Default: "3s", Min: "100ms", Max: "10s",
			Help: "慢调用要花多久"},
		// The thread checks its flag once per frame, so a stop can lag by up
		// to one frame (the gap the lesson shows between the two bars). A
		// frame longer than 80ms, plus the time to wake and clear the line,
		// could exceed the 100ms lessons.TestEveryDemoStopsWithin100ms allows.
		{Name: "frame", Kind: runner.KindDuration, Default: "80ms", Min: "20ms", Max: "80ms",
			Help: "指针每转一格的间隔"},
	}
}

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "spinner-thread", Lesson: "spinner", Title: "线程版：靠共享标志停下的指针",
			Source: "spinner_thread.go", Python: "spinner_thread.py",
			// It pins an OS thread for the whole run and wakes it every frame.
			Cost:   runner.CostThread,
			Params: params(), Run: spinThread,
		},
		{
			ID: "spinner-goroutine", Lesson: "spinner", Title: "goroutine 版：用 context 取消的指针",
			Source: "spinner_goroutine.go", Python: "spinner_goroutine.py",
			Params: params(), Run: spinGoroutine,
		},
	}
}
