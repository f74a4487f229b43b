// Package callbacks is lesson 3: the same three dependent stages written
// twice, once as nested callbacks and once as straight-line calls that
// return errors, to compare how each reads and where a failure ends up.
package callbacks

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demos run from.
//
//go:embed lesson.md demos.go shop.go three_stages_callbacks.go three_stages_sequential.go three_stages_callbacks.py three_stages_sequential.py
var Files embed.FS

// params are shared by both demos so that the two runs can be compared with
// the same settings.
func params() []runner.Param {
	return []runner.Param{
		{Name: "fail", Kind: runner.KindChoice, Default: "none", Choices: []string{"none", "1", "2", "3"},
			Help: "让第几步出错（none 表示都成功）"},
		{Name: "latency", Kind: runner.KindDuration, Default: "200ms", Min: "10ms", Max: "2s",
			Help: "每一步模拟的等待时间"},
	}
}

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "three-stages-callbacks", Lesson: "callbacks", Title: "回调版：一层套一层的三步",
			Source: "three_stages_callbacks.go", Python: "three_stages_callbacks.py", Also: []string{"shop.go"},
			Params: params(), Run: runCallbacks,
		},
		{
			ID: "three-stages-sequential", Lesson: "callbacks", Title: "顺序版：从上往下写的三步",
			Source: "three_stages_sequential.go", Python: "three_stages_sequential.py", Also: []string{"shop.go"},
			Params: params(), Run: runSequential,
		},
	}
}

// Core names the lines of the shown files that carry the lesson's idea, by
// the code itself: the page marks them and "只看核心" folds the rest, with
// no marker in the shown text (see package core).
func Core() []core.Range {
	return []core.Range{
		{File: "three_stages_callbacks.go", Func: "runCallbacks", First: "shop.fetchUserID(userName, func(id int) {"},
		{File: "three_stages_callbacks.go", Func: "callbackShop.call", First: "s.pending.Go(func() {"},
		{File: "three_stages_callbacks.py", Func: "main", First: "def on_user(user_id):", Last: "fetch_user_id(\"alice\", on_user, lambda exc: failed(1, exc))"},
		{File: "three_stages_sequential.go", Func: "runSequential", First: "total, err := threeStages(ctx, shop, say)"},
		{File: "three_stages_sequential.go", Func: "runSequential", First: "if err != nil {"},
		{File: "three_stages_sequential.go", Func: "threeStages"},
		{File: "three_stages_sequential.py", Func: "three_stages", First: "user_id = await fetch_user_id(name)"},
		{File: "three_stages_sequential.py", Func: "three_stages", First: "order = await fetch_order(user_id)"},
		{File: "three_stages_sequential.py", Func: "three_stages", First: "total = await fetch_total(order)"},
		{File: "three_stages_sequential.py", Func: "main", First: "try:"},
	}
}
