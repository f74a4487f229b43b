package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Limits bound what anonymous learners can ask of the server.
type Limits struct {
	RunTime      time.Duration // wall time of one run
	OutputBytes  int           // output of one run before it is cut
	PerConn      int           // runs at once on one connection
	Global       int           // runs at once on the whole server
	ReadBytes    int64         // largest message a client may send
	WriteTimeout time.Duration // longest wait to write one frame to a client
}

// DefaultLimits are the limits of architecture.md.
func DefaultLimits() Limits {
	return Limits{
		RunTime:      60 * time.Second,
		OutputBytes:  1 << 20,
		PerConn:      2,
		Global:       64,
		ReadBytes:    4 << 10,
		WriteTimeout: 5 * time.Second,
	}
}

// Why a run ended, when it did not end by itself.
var (
	ErrStopped = errors.New("stopped")
	ErrTimeout = errors.New("timeout")
)

// errInternal replaces the text of a panic: the learner sees that the demo
// broke, the log gets the details.
var errInternal = errors.New("internal error in the demo")

// Result is how a run ended.
type Result struct {
	Err     error // nil, ErrStopped, ErrTimeout, or the demo's own error
	Elapsed time.Duration
	Tasks   *TaskSummary // what the run's tasks did, when the caller tracked them (the socket does)
}

// TruncationNotice is written once when a run's output passes the cap.
func TruncationNotice(limit int) string {
	return fmt.Sprintf("\n[输出超过 %d 字节，后面的部分不再显示]\n", limit)
}

// Execute runs d with the given limits: a wall-time limit, an output cap,
// a writer and events safe for concurrent use, and a panic turned into an
// error. It returns when the demo's run function has returned. Cancelling
// ctx means the learner (or the server) stopped the run.
func Execute(ctx context.Context, d *Demo, v Values, out io.Writer, ev Events, lim Limits, log *slog.Logger) Result {
	ctx, cancel := context.WithTimeoutCause(ctx, lim.RunTime, ErrTimeout)
	defer cancel()
	w := &cappedWriter{w: out, left: lim.OutputBytes, limit: lim.OutputBytes}
	start := time.Now()
	err := call(ctx, d, v, w, ev, log)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		// Whatever the demo returned, it was cut short: say why.
		if errors.Is(context.Cause(ctx), ErrTimeout) {
			err = ErrTimeout
		} else {
			err = ErrStopped
		}
	}
	return Result{Err: err, Elapsed: elapsed}
}

func call(ctx context.Context, d *Demo, v Values, w io.Writer, ev Events, log *slog.Logger) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("demo panicked", "demo", d.ID, "panic", p, "stack", string(debug.Stack()))
			err = errInternal
		}
	}()
	return d.Run(ctx, v, w, ev)
}

// cappedWriter serialises writes and stops passing them on after limit
// bytes, with one notice, so that a runaway demo cannot flood a learner.
type cappedWriter struct {
	mu        sync.Mutex
	w         io.Writer
	left      int
	limit     int
	truncated bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.truncated {
		return len(p), nil
	}
	if len(p) <= c.left {
		c.left -= len(p)
		return c.w.Write(p)
	}
	if c.left > 0 {
		if _, err := c.w.Write(p[:c.left]); err != nil {
			return 0, err
		}
	}
	c.left = 0
	c.truncated = true
	if _, err := io.WriteString(c.w, TruncationNotice(c.limit)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// NoEvents is an Events that forgets everything, for callers that only
// want the text.
type NoEvents struct{}

func (NoEvents) Start(string)         {}
func (NoEvents) End(string, string)   {}
func (NoEvents) Point(string, string) {}
