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

// Limits bound one run, wherever it is started from.
type Limits struct {
	RunTime     time.Duration // wall time of one run
	OutputBytes int           // output of one run before it is cut
}

// DefaultLimits are the course's defaults: a minute and a mebibyte.
func DefaultLimits() Limits {
	return Limits{RunTime: 60 * time.Second, OutputBytes: 1 << 20}
}

// Env is what a run takes from its surroundings rather than from the
// learner. It is handed to Execute for every run, so the catalog of demos
// stays pure content that any server, test or command can share.
type Env struct {
	// FlagsURL is the base URL of the flag site the download demos use,
	// e.g. "http://127.0.0.1:40123" (no trailing slash). Demos read it
	// with Values.FlagsURL.
	FlagsURL string
	Limits   Limits
	// Log receives what a learner must not see: a demo's panic and stack.
	// Nil discards it.
	Log *slog.Logger
}

// Why a run ended, when it did not end by itself.
var (
	ErrStopped = errors.New("stopped")
	ErrTimeout = errors.New("timeout")
)

// ErrPanicked replaces the text of a panic: the learner sees that the demo
// broke, the log gets the details.
// ErrPanicked ends a run whose demo panicked: the learner is told that it
// failed, the log why.
var ErrPanicked = errors.New("internal error in the demo")

// Result is how a run ended.
type Result struct {
	Err     error // nil, ErrStopped, ErrTimeout, or the demo's own error
	Elapsed time.Duration
	// Startup is, for a run in a child runtime, the time before its
	// program's first instruction (the interpreter starting, a build), and
	// Shutdown the time after its last (the interpreter exiting); Elapsed
	// includes both, and Program() is what is left. Both are 0 when the run
	// reported none (every in-process Go demo).
	Startup, Shutdown time.Duration
	Tasks             *TaskSummary // what the run's tasks did, added up from its events
}

// Program is the program's own time: from its first instruction to its
// last, without a child runtime's start-up and shut-down.
func (r Result) Program() time.Duration { return r.Elapsed - r.Startup - r.Shutdown }

// TruncationNotice is written once when a run's output passes the cap.
func TruncationNotice(limit int) string {
	return fmt.Sprintf("\n[输出超过 %d 字节，后面的部分不再显示]\n", limit)
}

// Watch receives every timeline event of a run as it happens, stamped,
// with the number of tasks in flight right after it. Calls come one at a
// time, in stamp order.
type Watch func(e Event, inFlight int)

// Execute runs d under env's limits: a wall-time limit, an output cap, a
// writer and events safe for concurrent use, and a panic turned into an
// error. Every event the demo reports is stamped and counted here and
// handed to watch, which may be nil. Execute returns when the demo's run
// function has returned. Cancelling ctx means the learner (or the server)
// stopped the run.
func Execute(ctx context.Context, env Env, d *Demo, v Values, out io.Writer, watch Watch) Result {
	lim := env.Limits
	if lim.RunTime <= 0 || lim.OutputBytes < 1 {
		lim = DefaultLimits()
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v.flagsURL = env.FlagsURL
	ctx, cancel := context.WithTimeoutCause(ctx, lim.RunTime, ErrTimeout)
	defer cancel()
	w := &cappedWriter{w: out, left: lim.OutputBytes, limit: lim.OutputBytes}
	track := newTrack()
	tl := newTimeline(func(e Event) {
		n := track.add(e)
		if watch != nil {
			watch(e, n)
		}
	})
	start := time.Now()
	err := call(ctx, d, v, w, tl, log)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		// Whatever the demo returned, it was cut short: say why.
		if errors.Is(context.Cause(ctx), ErrTimeout) {
			err = ErrTimeout
		} else {
			err = ErrStopped
		}
	}
	began, ended := tl.child()
	startup := min(began, elapsed)
	var shutdown time.Duration
	if ended > startup && ended < elapsed {
		shutdown = elapsed - ended
	}
	return Result{Err: err, Elapsed: elapsed, Startup: startup, Shutdown: shutdown, Tasks: track.summary()}
}

func call(ctx context.Context, d *Demo, v Values, w io.Writer, ev Events, log *slog.Logger) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("demo panicked", "demo", d.ID, "panic", p, "stack", string(debug.Stack()))
			err = ErrPanicked
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
