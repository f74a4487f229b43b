package blocking

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// blockingGo 既不要事件循环，也不要线程池。主 goroutine 做的是真正的
// 阻塞系统调用：先在管道上 read(2)，另一端过 block 才回答；再写文件并
// fsync。与此同时，指针 goroutine 每 100ms 画一格，丝毫不受影响：一个
// goroutine 的线程陷在内核里时，Go 运行时把 P 交给另一个线程，其余
// goroutine 照常运行。运行时同时扮演了事件循环和线程池。
func blockingGo(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	block := p.Duration("block")
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	spinCtx, stopSpinner := context.WithCancel(ctx)
	defer stopSpinner()
	var spinner sync.WaitGroup
	var longest time.Duration // 指针 goroutine 写入，spinner.Wait 之后才读
	spinner.Go(func() { longest = spinUntil(spinCtx, say, ev) })

	began := time.Now()
	data, err := slowRead(ctx, block, say, ev)
	blocked := time.Since(began)
	if err == nil {
		err = saveToDisk(data, say, ev)
	}

	stopSpinner()
	spinner.Wait()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "longest pause between frames: %.2fs, while main spent %.2fs blocked in read(2)\n",
		longest.Seconds(), blocked.Seconds())
	return nil
}

// slowRead 做一次长时间的阻塞系统调用，返回读到的内容。管道的另一端是
// 一个过 d 才写入的 goroutine，代表慢吞吞的磁盘、终端或另一个进程。
func slowRead(ctx context.Context, d time.Duration, say func(string, ...any), ev runner.Events) ([]byte, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// os.Pipe 把管道交给 Go 的网络轮询器，那样读不到数据时只会挂起
	// goroutine。调用 Fd() 把读端切回传统的阻塞模式，于是下面的 r.Read
	// 就是一次普通的 read(2)：数据到来之前，它所在的系统线程一直陷在内核
	// 里。这正是会冻住 asyncio 事件循环的那种调用。
	_ = r.Fd()

	var farEnd sync.WaitGroup
	defer farEnd.Wait()
	farEnd.Go(func() {
		// 关闭写端会让等着的读返回，所以读本身虽然无法取消，按下停止
		// 照样能生效。
		defer w.Close()
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			w.Write([]byte("Answer: 42"))
		case <-ctx.Done():
		}
	})

	say("main: read(2) on a pipe; the far end answers in %v", d)
	ev.Start("read(2)")
	buf := make([]byte, 64)
	n, err := r.Read(buf) // 这个 goroutine 连同它的线程在内核里等
	switch {
	case ctx.Err() != nil:
		ev.End("read(2)", "stopped")
		return nil, ctx.Err()
	case err != nil:
		ev.End("read(2)", "error")
		return nil, err
	}
	ev.End("read(2)", "ok")
	say("main: read returned %q", buf[:n])
	return buf[:n], nil
}

// saveToDisk 把 data 写进一个新文件并 fsync：又是几次阻塞的系统调用，
// 和笔记里 save_flag 做的是同一类事。普通文件根本无法交给轮询器，所以
// Go 里每次写文件都会像这样占住一个线程。
func saveToDisk(data []byte, say func(string, ...any), ev runner.Events) error {
	dir, err := os.MkdirTemp("", "bingfa-blocking-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) // 什么也不留下

	ev.Start("write+fsync")
	began := time.Now()
	f, err := os.CreateTemp(dir, "answer-*.txt")
	if err != nil {
		ev.End("write+fsync", "error")
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync() // 等磁盘确认收到这些字节
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		ev.End("write+fsync", "error")
		return err
	}
	ev.End("write+fsync", "ok")
	say("main: wrote %d bytes to a temp file and fsynced them in %v", len(data), time.Since(began).Round(time.Microsecond))
	return nil
}

// spinUntil 每 100ms 画一格，直到 ctx 结束，返回它见过的两格之间最长的
// 间隔。（spinEvery 和 lateAfter 是 blocking_loop.go 开头的常量，两个演示
// 共用。）
func spinUntil(ctx context.Context, say func(string, ...any), ev runner.Events) time.Duration {
	tick := time.NewTicker(spinEvery)
	defer tick.Stop()
	var last time.Time
	var longest time.Duration
	for i := 0; ; i++ {
		now := time.Now()
		note, status := "", "frame"
		if i > 0 {
			gap := now.Sub(last)
			longest = max(longest, gap)
			if gap > lateAfter {
				note = fmt.Sprintf("   <- %.2fs since the last frame", gap.Seconds())
				status = "late"
			}
		}
		say("spinner %c%s", `|/-\`[i%4], note)
		ev.Point("spinner", status)
		last = now
		select {
		case <-tick.C:
		case <-ctx.Done():
			return longest
		}
	}
}
