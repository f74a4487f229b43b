// Package structured is lesson 11, past the notes: structured
// concurrency and timeouts. A group of downloads where one fails, with
// errgroup beside asyncio.TaskGroup and gather(return_exceptions=True); a
// slow task under a deadline, context.WithTimeout beside asyncio.timeout,
// wait_for and shield; and the first of several replies, the shape a
// goroutine leak hides in, for an exercise in the editor.
package structured

import (
	"embed"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Files are the lesson text and the very sources the demos run from.
//
//go:embed lesson.md demos.go group.go deadline.go first_reply.go
//go:embed group.py deadline.py first_reply.py
var Files embed.FS

// Demos returns the lesson's demos.
func Demos() []runner.Demo {
	return []runner.Demo{
		{
			ID: "group-cancel", Lesson: "structured", Title: "一组下载，一个失败：谁来取消其余的",
			Source: "group.go", Python: "group.py",
			Params: []runner.Param{
				{Name: "mode", Kind: runner.KindChoice, Default: "group", Choices: []string{"group", "collect"},
					Help: "group：一个失败就取消其余；collect：各自跑完"},
				{Name: "fail", Kind: runner.KindInt, Default: "2", Min: "0", Max: "4",
					Help: "第几个下载会失败（0 表示都成功）"},
				{Name: "step", Kind: runner.KindDuration, Default: "200ms", Min: "10ms", Max: "2s",
					Help: "第 i 个下载要花 i×step"},
				{Name: "limit", Kind: runner.KindInt, Default: "0", Min: "0", Max: "4",
					Help: "同时最多几个（0 表示不限）"},
			},
			Run: groupCancel,
		},
		{
			ID: "deadline", Lesson: "structured", Title: "给慢任务限时：超时之后任务还在不在",
			Source: "deadline.go", Python: "deadline.py",
			Params: []runner.Param{
				{Name: "how", Kind: runner.KindChoice, Default: "timeout", Choices: []string{"timeout", "wait_for", "shield"},
					Help: "限时的写法"},
				{Name: "work", Kind: runner.KindDuration, Default: "300ms", Min: "10ms", Max: "5s",
					Help: "任务要花多久"},
				{Name: "timeout", Kind: runner.KindDuration, Default: "200ms", Min: "10ms", Max: "5s",
					Help: "最多等多久"},
			},
			Run: deadline,
		},
		{
			ID: "first-reply", Lesson: "structured", Title: "向几个镜像要同一份数据，用最先到的",
			Source: "first_reply.go", Python: "first_reply.py",
			Params: []runner.Param{
				{Name: "delays", Kind: runner.KindDurations, Default: "300ms,100ms,200ms", Min: "10ms", Max: "2s", MaxItems: 5,
					Help: "每个镜像多久回复"},
			},
			Run: firstReply,
		},
	}
}

// Core declares the lines that carry each demo's idea (see core.Range).
func Core() []core.Range {
	return []core.Range{
		{File: "group.go", Func: "groupCancel", First: "g, groupCtx := &errgroup.Group{}, ctx", Last: "err := g.Wait()"},
		{File: "group.py", Func: "main", First: "try:"},
		{File: "group.py", Func: "main", First: "results = await asyncio.gather(", Last: "first = next((r for r in results if isinstance(r, Exception)), None)"},
		{File: "deadline.go", Func: "deadline", First: "workCtx, cancel := context.WithTimeout(ctx, limit)", Last: "cancel()"},
		{File: "deadline.go", Func: "deadline", First: "timer := time.NewTimer(limit)", Last: "timer.Stop()"},
		{File: "deadline.go", Func: "deadline", First: "<-w.done // shield"},
		{File: "deadline.py", Func: "main", First: `if HOW == "timeout":`},
		{File: "first_reply.go", Func: "firstReply", First: "cancel()", Last: "wg.Wait()"},
		{File: "first_reply.go", Func: "fastest", First: "replies := make(chan reply, len(delays))"},
		{File: "first_reply.go", Func: "fastest", First: "replies <- reply{mirror: i + 1, err: err}"},
		{File: "first_reply.go", Func: "fastest", First: "return <-replies"},
		{File: "first_reply.py", Func: "main", First: "replies: asyncio.Queue = asyncio.Queue(maxsize=len(DELAYS))", Last: "mirror, _ = await replies.get()"},
		{File: "first_reply.py", Func: "main", First: "for t in tasks:", Last: "await asyncio.gather(*tasks, return_exceptions=True)"},
	}
}
