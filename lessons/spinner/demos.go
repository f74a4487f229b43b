// Package spinner is lesson 1: the same spinner beside a slow call, once on
// an OS thread stopped by a shared flag and once as a goroutine cancelled
// through its context; and the flag once more as a plain bool, a data race
// that works in practice and that the race detector finds.
package spinner

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demos run from.
//
//go:embed lesson.md demos.go spinner_thread.go spinner_goroutine.go spinner_flag.go
//go:embed spinner_thread.py spinner_goroutine.py spinner_flag.py
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
		{
			// A data race on purpose (the lesson's 数据竞争 section): its
			// tests run it in-process only in builds without the race
			// detector, and under it in a child that must report the race
			// (race_test.go).
			ID: "spinner-flag", Lesson: "spinner", Title: "数据竞争：普通 bool 当标志",
			Source: "spinner_flag.go", Python: "spinner_flag.py",
			Params: params(), Run: spinPlainFlag,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "spinner_goroutine.py", Func: "draw", First: "await asyncio.sleep(FRAME)"},
		{File: "spinner_goroutine.go", Func: "spinGoroutine", First: "spinCtx, cancelSpinner := context.WithCancel(ctx)", Last: "go func() {"},
		{File: "spinner_goroutine.go", Func: "spinGoroutine", First: "cancelSpinner()", Last: "<-finished"},
		{File: "spinner_goroutine.go", Func: "drawUntilDone", First: "select {"},
		{File: "spinner_goroutine.py", Func: "main", First: "spinner = asyncio.create_task(draw(\"thinking...\"))", Last: "try:"},
		{File: "spinner_thread.go", Func: "spinThread", First: "var stop atomic.Bool", Last: "go func() {"},
		{File: "spinner_thread.go", Func: "spinThread", First: "stop.Store(true)", Last: "<-finished"},
		{File: "spinner_thread.go", Func: "drawUntilFlag", First: "for i := 0; !stop.Load(); i++ {"},
		{File: "spinner_thread.py", Func: "draw", First: "time.sleep(FRAME)", Last: "if stop.is_set():"},
		{File: "spinner_thread.py", Func: "main", First: "stop = threading.Event()", Last: "worker.join()"},
		{File: "spinner_flag.go", Func: "spinPlainFlag", First: "var stop bool", Last: "go func() {"},
		{File: "spinner_flag.go", Func: "spinPlainFlag", First: "stop = true", Last: "<-finished"},
		{File: "spinner_flag.go", Func: "drawUntilPlainFlag", First: "for i := 0; !*stop; i++ {"},
		{File: "spinner_flag.py", Func: "draw", First: `for mark in itertools.cycle("|/-\\"):`},
		{File: "spinner_flag.py", Func: "main", First: "shared = Shared()", Last: "worker.join()"},
	}
}
