package blocking

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// With block=300ms every event is at least 50 ms away from its neighbours,
// so the order of the lines is fixed: three frames, the call, the late
// frame and two more; then, offloaded, frames keep coming during the call.
const loopWant = `1) the callback makes the blocking call itself
[<t>] spinner |
[<t>] spinner /
[<t>] spinner -
[<t>] loop: a callback calls blockingCall(<t>) itself
[<t>] loop: blockingCall returned; only now can the loop run other callbacks
[<t>] spinner \   <- <t> since the last frame: the loop was frozen
[<t>] spinner |
[<t>] spinner /
longest pause between frames: <t>: the loop was stuck inside one callback

2) the callback hands the call to a worker pool (like run_in_executor)
[<t>] spinner |
[<t>] spinner /
[<t>] spinner -
[<t>] loop: a callback hands blockingCall(<t>) to the pool and returns
[<t>] spinner \
[<t>] spinner |
[<t>] spinner /
[<t>] loop: the worker is done; its result arrives as a new callback
[<t>] spinner -
[<t>] spinner \
[<t>] spinner |
longest pause between frames: <t>: the loop stayed free
`

// The output is pinned, and the timeline tells the same story in numbers:
// no frame at all while the loop itself blocks, frames all along while a
// worker blocks.
func TestLoop(t *testing.T) {
	t.Parallel()
	r := run(t, "blocking-loop", "block=300ms")
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if got := lessontest.MaskTimes(r.Output); got != loopWant {
		t.Errorf("output:\n%s\nwant:\n%s", got, loopWant)
	}
	in := framesDuring(t, r.Events, "blocking call (in the loop)", 300)
	if in != 0 {
		t.Errorf("%d spinner frames while the loop was blocked, want 0", in)
	}
	if off := framesDuring(t, r.Events, "blocking call (worker)", 300); off < 2 {
		t.Errorf("%d spinner frames while the worker was blocked, want at least 2", off)
	}
	late := 0
	for _, e := range r.Events {
		if e.Task == "spinner" && e.Status == "late" {
			late++
		}
	}
	if late != 1 {
		t.Errorf("%d late frames, want exactly 1 (right after the in-loop call)", late)
	}
	gaps := pauses(r.Output)
	if len(gaps) != 2 || gaps[0] < 0.3 || gaps[1] >= 0.15 {
		t.Errorf("longest pauses %v, want one ≥ 0.30s (loop blocked) and one < 0.15s (pool)", gaps)
	}
}

// blocking-go: the main goroutine's lines are fixed; the spinner's lines
// interleave with them by timing, so they are checked apart. Not parallel:
// it points TMPDIR at a directory of its own to see the demo clean up.
func TestGoroutines(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the demo's temp dir goes here; it must be gone afterwards
	r := run(t, "blocking-go", "block=300ms")
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	var main, frames []string
	for _, line := range strings.Split(strings.TrimSpace(lessontest.MaskTimes(r.Output)), "\n") {
		if strings.Contains(line, "spinner") {
			frames = append(frames, line)
		} else {
			main = append(main, line)
		}
	}
	want := []string{
		`[<t>] main: read(2) on a pipe; the far end answers in <t>`,
		`[<t>] main: read returned "Answer: 42"`,
		`[<t>] main: wrote 10 bytes to a temp file and fsynced them in <t>`,
		`longest pause between frames: <t>, while main spent <t> blocked in read(2)`,
	}
	if strings.Join(main, "\n") != strings.Join(want, "\n") {
		t.Errorf("main lines:\n%s\nwant:\n%s", strings.Join(main, "\n"), strings.Join(want, "\n"))
	}
	if len(frames) < 3 {
		t.Errorf("only %d spinner frames in a 300ms run", len(frames))
	}
	for _, f := range frames {
		if strings.Contains(f, "<-") {
			t.Errorf("a late frame: %q; the blocking read must not stop the spinner", f)
		}
	}
	if n := framesDuring(t, r.Events, "read(2)", 300); n < 2 {
		t.Errorf("%d spinner frames during the blocking read, want at least 2", n)
	}
	if gaps := pauses(r.Output); len(gaps) != 1 || gaps[0] >= 0.15 {
		t.Errorf("longest pause %v, want < 0.15s", gaps)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("the demo left %d entries in the temp dir", len(left))
	}
}

// Stop lands within 100 ms, even in the middle of a blocking call: in the
// loop's callback, in a worker, or in read(2).
func TestStop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, id, block string
		after           time.Duration
		stopped         string // the task that must end as stopped
	}{
		{"in the loop", "blocking-loop", "5s", 600 * time.Millisecond, "blocking call (in the loop)"},
		{"in a worker", "blocking-loop", "300ms", 1150 * time.Millisecond, "blocking call (worker)"},
		{"in read(2)", "blocking-go", "5s", 400 * time.Millisecond, "read(2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cancelled := make(chan time.Time, 1)
			timer := time.AfterFunc(c.after, func() { cancelled <- time.Now(); cancel() })
			defer timer.Stop()
			r, err := lessontest.Run(ctx, Demos(), c.id, "block="+c.block)
			returned := time.Now()
			if err != nil {
				t.Fatal(err)
			}
			if !errors.Is(r.Err, runner.ErrStopped) {
				t.Errorf("error = %v, want ErrStopped", r.Err)
			}
			if lag := returned.Sub(<-cancelled); lag > lessontest.StopBound {
				t.Errorf("returned %v after the stop, want at most 100ms", lag)
			}
			found := false
			for _, e := range r.Events {
				if e.Task == c.stopped && e.Phase == runner.PhaseEnd {
					found = e.Status == "stopped"
				}
			}
			if !found {
				t.Errorf("%q did not end as stopped: %v", c.stopped, r.Events)
			}
		})
	}
}

// framesDuring counts spinner frames strictly inside task's interval and
// checks that the task lasted at least minMs.
func framesDuring(t *testing.T, events []runner.Event, task string, minMs float64) int {
	t.Helper()
	from, to := -1.0, -1.0
	for _, e := range events {
		if e.Task == task && e.Phase == runner.PhaseStart {
			from = e.TMs
		}
		if e.Task == task && e.Phase == runner.PhaseEnd {
			to = e.TMs
		}
	}
	if from < 0 || to < 0 {
		t.Fatalf("task %q has no start or no end", task)
	}
	if to-from < minMs {
		t.Errorf("%q lasted %.1fms, want at least %.0fms", task, to-from, minMs)
	}
	n := 0
	for _, e := range events {
		if e.Task == "spinner" && e.Phase == runner.PhasePoint && e.TMs > from && e.TMs < to {
			n++
		}
	}
	return n
}

// pauses reads the seconds of every "longest pause between frames" line.
func pauses(out string) []float64 {
	var s []float64
	for _, line := range strings.Split(out, "\n") {
		var f float64
		if _, err := fmt.Sscanf(line, "longest pause between frames: %fs", &f); err == nil {
			s = append(s, f)
		}
	}
	return s
}

func run(t *testing.T, id string, params ...string) lessontest.Result {
	t.Helper()
	return lessontest.MustRun(t, context.Background(), Demos(), id, params...)
}
