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

// blockingGo needs no loop and no pool. The main goroutine makes real
// blocking system calls: read(2) on a pipe whose far end answers after
// block, then a file write and fsync. A spinner goroutine draws a frame
// every 100 ms meanwhile and never notices: when a goroutine's thread is
// stuck in the kernel, Go's runtime gives the other goroutines another
// thread. The runtime is the event loop and the thread pool at once.
func blockingGo(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	block := p.Duration("block")
	start := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, "[%.2fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	spinCtx, stopSpinner := context.WithCancel(ctx)
	defer stopSpinner()
	var spinner sync.WaitGroup
	var longest time.Duration // written by the spinner, read after spinner.Wait
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

// slowRead makes one long blocking system call and returns what it read.
// The far end of the pipe is a goroutine that writes after d: a stand-in for
// a slow disk, a terminal or another process.
func slowRead(ctx context.Context, d time.Duration, say func(string, ...any), ev runner.Events) ([]byte, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// os.Pipe hands the pipe to Go's network poller, which would merely park
	// the goroutine. Fd() puts the read end back in classic blocking mode, so
	// r.Read below is a plain read(2) that holds its OS thread in the kernel
	// until data arrives: exactly the kind of call that freezes an asyncio loop.
	_ = r.Fd()

	var farEnd sync.WaitGroup
	defer farEnd.Wait()
	farEnd.Go(func() {
		// Closing the write end makes a pending read return, so Stop gets
		// through even though the read itself cannot be cancelled.
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
	n, err := r.Read(buf) // this goroutine and its thread wait in the kernel
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

// saveToDisk writes data to a new file and fsyncs it: more blocking system
// calls, the kind the notes' save_flag makes. Regular files cannot be
// polled at all, so every file write in Go ties up a thread like this.
func saveToDisk(data []byte, say func(string, ...any), ev runner.Events) error {
	dir, err := os.MkdirTemp("", "bingfa-blocking-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir) // leave nothing behind

	ev.Start("write+fsync")
	began := time.Now()
	f, err := os.CreateTemp(dir, "answer-*.txt")
	if err != nil {
		ev.End("write+fsync", "error")
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync() // wait until the disk has the bytes
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

// spinUntil draws a frame every 100 ms until ctx is done and returns the
// longest pause it saw between two frames. (spinEvery and lateAfter are the
// constants at the top of blocking_loop.go, shared by both demos.)
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
