package blocking

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// pyLoopWant is blocking-loop's console in Python with block=300ms, times
// masked: line for line the Go demo's (loopWant), with the Python names
// (blocking_call, called with its seconds) and run_in_executor itself.
const pyLoopWant = `1) the callback makes the blocking call itself
[<t>] spinner |
[<t>] spinner /
[<t>] spinner -
[<t>] loop: a callback calls blocking_call(0.3) itself
[<t>] loop: blocking_call returned; only now can the loop run other callbacks
[<t>] spinner \   <- <t> since the last frame: the loop was frozen
[<t>] spinner |
[<t>] spinner /
longest pause between frames: <t>: the loop was stuck inside one callback

2) the callback hands the call to a worker pool (run_in_executor)
[<t>] spinner |
[<t>] spinner /
[<t>] spinner -
[<t>] loop: a callback hands blocking_call(0.3) to the pool and returns
[<t>] spinner \
[<t>] spinner |
[<t>] spinner /
[<t>] loop: the worker is done; its result arrives as a new callback
[<t>] spinner -
[<t>] spinner \
[<t>] spinner |
longest pause between frames: <t>: the loop stayed free
`

// The asyncio program of blocking-loop, run as the server runs it when a
// learner picks Python: a real asyncio loop frozen by a callback that
// calls time.sleep, then kept free by run_in_executor. Its console is the
// Go demo's, and so is its timeline: no frame while the loop itself
// blocks, frames while a worker blocks.
//
// The thread program of blocking-go: the main thread's lines are the Go
// demo's main goroutine's (the fsync time printed in ms), the spinner
// thread's frames keep coming on time while main sits in read(2), and the
// timeline is the Go demo's.
//
// Either stops within 100ms, by Stop or by the time limit.
func TestPython(t *testing.T) {
	lessontest.PythonTable(t, Demos(), Files, []lessontest.PythonCase{
		{ID: "blocking-loop", Params: []string{"block=300ms"}, SameTasks: true, Check: checkPythonLoop},
		{ID: "blocking-loop", Params: []string{"block=5s"}, Stop: 400 * time.Millisecond},
		{ID: "blocking-loop", Params: []string{"block=5s"}, Stop: 1200 * time.Millisecond},
		{ID: "blocking-loop", Params: []string{"block=5s"}, TimeLimit: time.Second},
		{ID: "blocking-go", Params: []string{"block=300ms"}, SameTasks: true, TimingPoints: []string{"late"}, Check: checkPythonThreads},
		{ID: "blocking-go", Params: []string{"block=5s"}, Stop: 200 * time.Millisecond},
		{ID: "blocking-go", Params: []string{"block=5s"}, TimeLimit: time.Second},
	})
}

var (
	plainFrame  = regexp.MustCompile(`^\[<t>\] spinner ([|/\-\\])$`)
	frozenFrame = regexp.MustCompile(`^\[<t>\] spinner ([|/\-\\])   <- <t> since the last frame: the loop was frozen$`)
)

// loopOutline is a masked console of blocking-loop with every run of
// spinner frames, noted or not, drawn as one line, and the marks the
// frames drew, round by round: what a run prints whatever its timing.
// The program draws a frame every 100 ms and makes its call 250 ms in,
// 50 ms from a frame either way, and notes any gap over 150 ms: on the
// real clock, a wake-up 50 ms late on a busy machine moves a frame past
// the call or adds a note. How many frames, and where the loop froze,
// the timeline and the pauses say, with the tolerance of that clock.
func loopOutline(masked string) (outline string, marks []string) {
	var lines []string
	round := ""
	for _, l := range strings.Split(masked, "\n") {
		m := plainFrame.FindStringSubmatch(l)
		if m == nil {
			m = frozenFrame.FindStringSubmatch(l)
		}
		if m == nil {
			if l == "" && round != "" {
				marks = append(marks, round)
				round = ""
			}
			lines = append(lines, l)
			continue
		}
		round += m[1]
		if len(lines) == 0 || lines[len(lines)-1] != "[<t>] spinner …" {
			lines = append(lines, "[<t>] spinner …")
		}
	}
	if round != "" {
		marks = append(marks, round)
	}
	return strings.Join(lines, "\n"), marks
}

func checkPythonLoop(t *testing.T, run lessontest.PythonRun) {
	masked := lessontest.MaskTimes(run.Output)
	got, marks := loopOutline(masked)
	want, _ := loopOutline(pyLoopWant)
	if got != want {
		t.Errorf("output, frames drawn as one line:\n%s\nwant:\n%s\nprinted:\n%s", got, want, masked)
	}
	// Each round draws |/-\ in turn, from its first frame.
	for i, m := range marks {
		if want := strings.Repeat(`|/-\`, len(m)/4+1)[:len(m)]; m != want {
			t.Errorf("round %d drew %q, want %q", i+1, m, want)
		}
	}
	// The loop is frozen for the whole call: the first frame after it is
	// noted (a gap of 0.3s or more is over the note's 0.15s on any clock).
	_, afterCall, _ := strings.Cut(masked, "[<t>] loop: blocking_call returned; only now can the loop run other callbacks\n")
	if !frozenFrame.MatchString(strings.SplitN(afterCall, "\n", 2)[0]) {
		t.Errorf("the first frame after the blocking call is not noted as frozen:\n%s", masked)
	}
	// 250, not 300: a Python program's events are stamped when the server
	// reads them from its pipe (in the order written, so the counts are
	// exact), and a start can be stamped a little late.
	if in := framesDuring(t, run.Events, "blocking call (in the loop)", 250); in != 0 {
		t.Errorf("%d spinner frames while the loop was blocked, want 0", in)
	}
	// Three frames are due in the worker's 300 ms; a wake-up 50 ms late
	// moves one past either end of it.
	if off := framesDuring(t, run.Events, "blocking call (worker)", 250); off < 2 || off > 4 {
		t.Errorf("%d spinner frames while the worker was blocked, want 3 (2 to 4 on a busy machine)", off)
	}
	// The longest pause: the whole call in the loop (the frame before the
	// call is printed before it starts, the one after once it returned),
	// less than that with the worker, where the loop stayed free.
	if gaps := pauses(run.Output); len(gaps) != 2 || gaps[0] < 0.3 || gaps[1] >= 0.3 {
		t.Errorf("longest pauses %v, want 0.30s or more (loop blocked), then less (pool)", gaps)
	}
}

func checkPythonThreads(t *testing.T, run lessontest.PythonRun) {
	var main, frames []string
	for _, line := range strings.Split(strings.TrimSpace(lessontest.MaskTimes(run.Output)), "\n") {
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
	// A Python program's events are stamped when the server reads them from
	// its pipe, so a start can be stamped a little late: the 300 ms read
	// shows as a little less than 300 ms on the timeline, never much less.
	if n := framesDuring(t, run.Events, "read(2)", 250); n < 2 {
		t.Errorf("%d spinner frames during the blocking read, want at least 2", n)
	}
	if gaps := pauses(run.Output); len(gaps) != 1 || gaps[0] >= 0.2 {
		t.Errorf("longest pause %v, want about 0.10s: read(2) must not stop the spinner thread", gaps)
	}
}
