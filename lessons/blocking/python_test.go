package blocking

import (
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
// blocks, frames on time while a worker blocks. On the real clock a
// frame can come late on a busy machine and change the console, so the
// console has three tries; the timeline's story must hold on the try that
// printed it.
func TestPythonLoop(t *testing.T) {
	t.Parallel()
	in := lessontest.FindPython(t)
	py := lessontest.Python(t, in, Demos(), Files, "blocking-loop")
	var res lessontest.Result
	for try := range 3 {
		res = lessontest.MustRun(t, t.Context(), py, "blocking-loop", "block=300ms")
		if res.Err != nil {
			t.Fatalf("%v\n%s", res.Err, res.Output)
		}
		if lessontest.MaskTimes(res.Output) == pyLoopWant {
			break
		}
		if try == 2 {
			t.Fatalf("output:\n%s\nwant:\n%s", lessontest.MaskTimes(res.Output), pyLoopWant)
		}
		t.Logf("try %d printed another console (a late frame?):\n%s", try+1, res.Output)
	}
	// 250, not 300: a Python program's events are stamped when the server
	// reads them from its pipe (in the order written, so the counts are
	// exact), and a start can be stamped a little late.
	if in := framesDuring(t, res.Events, "blocking call (in the loop)", 250); in != 0 {
		t.Errorf("%d spinner frames while the loop was blocked, want 0", in)
	}
	if off := framesDuring(t, res.Events, "blocking call (worker)", 250); off != 3 {
		t.Errorf("%d spinner frames while the worker was blocked, want 3", off)
	}
	if gaps := pauses(res.Output); len(gaps) != 2 || gaps[0] < 0.35 || gaps[1] > 0.15 {
		t.Errorf("longest pauses %v, want 0.35s or more (loop blocked), then about 0.10s (pool)", gaps)
	}
	goRes := run(t, "blocking-loop", "block=300ms")
	lessontest.CheckSameTasks(t, goRes.Events, res.Events)

	for _, after := range []time.Duration{400 * time.Millisecond, 1200 * time.Millisecond} {
		lessontest.CheckStopBestOf3(t, py, "blocking-loop", lessontest.Stop{
			Params: []string{"block=5s"}, After: after, Within: lessontest.PythonStopBound})
	}
	lessontest.CheckTimeLimit(t, py, "blocking-loop", lessontest.Stop{
		Params: []string{"block=5s"}, After: time.Second, Within: lessontest.PythonStopBound})
}

// The thread program of blocking-go: the main thread's lines are the Go
// demo's main goroutine's (the fsync time printed in ms), the spinner
// thread's frames keep coming on time while main sits in read(2), and the
// timeline is the Go demo's.
func TestPythonThreads(t *testing.T) {
	t.Parallel()
	in := lessontest.FindPython(t)
	py := lessontest.Python(t, in, Demos(), Files, "blocking-go")
	res := lessontest.MustRun(t, t.Context(), py, "blocking-go", "block=300ms")
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Output)
	}
	var main, frames []string
	for _, line := range strings.Split(strings.TrimSpace(lessontest.MaskTimes(res.Output)), "\n") {
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
	if n := framesDuring(t, res.Events, "read(2)", 250); n < 2 {
		t.Errorf("%d spinner frames during the blocking read, want at least 2", n)
	}
	if gaps := pauses(res.Output); len(gaps) != 1 || gaps[0] >= 0.2 {
		t.Errorf("longest pause %v, want about 0.10s: read(2) must not stop the spinner thread", gaps)
	}
	goRes := run(t, "blocking-go", "block=300ms")
	lessontest.CheckSameTasks(t, goRes.Events, res.Events)

	lessontest.CheckStopBestOf3(t, py, "blocking-go", lessontest.Stop{
		Params: []string{"block=5s"}, After: 200 * time.Millisecond, Within: lessontest.PythonStopBound})
	lessontest.CheckTimeLimit(t, py, "blocking-go", lessontest.Stop{
		Params: []string{"block=5s"}, After: time.Second, Within: lessontest.PythonStopBound})
}
