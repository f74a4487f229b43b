package blocking

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The whole console of blocking-loop with block=300ms, exactly. Inside a
// synctest bubble the clock is fake: frames every 100ms, the blocking call
// at 0.25s; in round 1 it freezes the loop until 0.55s, so the frame due
// at 0.30s comes 0.35s after the one before; in round 2 (from 0.75s) a
// worker makes the call from 1.00s to 1.30s while the frames keep coming.
const loopWant = `1) the callback makes the blocking call itself
[0.00s] spinner |
[0.10s] spinner /
[0.20s] spinner -
[0.25s] loop: a callback calls blockingCall(300ms) itself
[0.55s] loop: blockingCall returned; only now can the loop run other callbacks
[0.55s] spinner \   <- 0.35s since the last frame: the loop was frozen
[0.65s] spinner |
[0.75s] spinner /
longest pause between frames: 0.35s: the loop was stuck inside one callback

2) the callback hands the call to a worker pool (like run_in_executor)
[0.75s] spinner |
[0.85s] spinner /
[0.95s] spinner -
[1.00s] loop: a callback hands blockingCall(300ms) to the pool and returns
[1.05s] spinner \
[1.15s] spinner |
[1.25s] spinner /
[1.30s] loop: the worker is done; its result arrives as a new callback
[1.35s] spinner -
[1.45s] spinner \
[1.55s] spinner |
longest pause between frames: 0.10s: the loop stayed free
`

// The output is pinned, and the timeline tells the same story in numbers:
// no frame at all while the loop itself blocks, a frame every 100ms while
// a worker blocks.
func TestLoop(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := run(t, "blocking-loop", "block=300ms")
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if r.Output != loopWant {
			t.Errorf("output:\n%s\nwant:\n%s", r.Output, loopWant)
		}
		in := framesDuring(t, r.Events, "blocking call (in the loop)", 300)
		if in != 0 {
			t.Errorf("%d spinner frames while the loop was blocked, want 0", in)
		}
		if off := framesDuring(t, r.Events, "blocking call (worker)", 300); off != 3 {
			t.Errorf("%d spinner frames while the worker was blocked, want 3 (at 1.05, 1.15 and 1.25s)", off)
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
		if gaps := pauses(r.Output); !slices.Equal(gaps, []float64{0.35, 0.10}) {
			t.Errorf("longest pauses %v, want 0.35s (loop blocked) and 0.10s (pool)", gaps)
		}
	})
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

// Stop lands in time, even in the middle of a blocking call: in the loop's
// callback or in a worker, blocking-loop (timers only, in a synctest
// bubble) returns at the very instant of the stop. blocking-go's read(2)
// is a real system call, which no fake clock can see through (a goroutine
// in a system call is not durably blocked, so the bubble's time would never
// move and the pipe's far end would never answer): it is stopped on the
// real clock, within lessontest.StopBound.
func TestStop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, id, block string
		after           time.Duration
		stopped         string // the task that must end as stopped
		realClock       bool
	}{
		{"in the loop", "blocking-loop", "5s", 600 * time.Millisecond, "blocking call (in the loop)", false},
		{"in a worker", "blocking-loop", "300ms", 1150 * time.Millisecond, "blocking call (worker)", false},
		{"in read(2)", "blocking-go", "5s", 400 * time.Millisecond, "read(2)", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			check := func(t *testing.T) {
				stop := lessontest.Stop{Params: []string{"block=" + c.block}, After: c.after}
				if c.realClock {
					stop.Within = lessontest.StopBound
				}
				r := lessontest.CheckStop(t, Demos(), c.id, stop)
				found := false
				for _, e := range r.Events {
					if e.Task == c.stopped && e.Phase == runner.PhaseEnd {
						found = e.Status == "stopped"
					}
				}
				if !found {
					t.Errorf("%q did not end as stopped: %v", c.stopped, r.Events)
				}
			}
			if c.realClock {
				check(t)
				return
			}
			synctest.Test(t, check)
		})
	}
}

// With the default parameters, a stop anywhere in blocking-loop returns at
// once, whichever round it is in and whoever is making the blocking call.
func TestLoopStopsAtOnceAnywhere(t *testing.T) {
	t.Parallel()
	lessontest.CheckStopsEverywhere(t, Demos(), "blocking-loop", 10*time.Millisecond, lessontest.Stop{After: 5 * time.Millisecond})
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
	return lessontest.MustRun(t, t.Context(), Demos(), id, params...)
}
