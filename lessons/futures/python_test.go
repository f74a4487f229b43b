package futures

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The asyncio program of future-semantics, run as the server runs it when
// a learner picks Python. Its lines say what the Go demo's say in
// asyncio's names (done(), result(), wait_for instead of Done(), Result(),
// ResultWait), and its timeline has the same lanes with the same ends:
// a read that refuses to wait, a wait that gives up at its timeout while
// the task goes on, the callback, then a read that gets 42.
func TestPythonFutureSemantics(t *testing.T) {
	in := lessontest.FindPython(t)
	py := lessontest.Python(t, in, Demos(), Files, "future-semantics")
	for _, c := range []struct {
		params []string
		want   string
	}{
		{[]string{"task=300ms", "timeout=100ms"}, `[<t>] task started (needs <t>); done() = False
[<t>] add_done_callback: registered, waits for completion
[<t>] result() → error: InvalidStateError: Result is not set.
[<t>] wait_for(fut, <t>) waits...
[<t>] wait_for(fut, <t>) → error: TimeoutError; the task keeps running
[<t>] task finishes: set_result(42)
[<t>] callback fired: done() = True, result() → 42
[<t>] result() → 42, without waiting: done() = True
`},
		// A timeout longer than the task: the wait gets the value.
		{[]string{"task=100ms", "timeout=400ms"}, `[<t>] task started (needs <t>); done() = False
[<t>] add_done_callback: registered, waits for completion
[<t>] result() → error: InvalidStateError: Result is not set.
[<t>] wait_for(fut, <t>) waits...
[<t>] task finishes: set_result(42)
[<t>] callback fired: done() = True, result() → 42
[<t>] wait_for(fut, <t>) → 42
[<t>] result() → 42, without waiting: done() = True
`},
	} {
		res := lessontest.MustRun(t, t.Context(), py, "future-semantics", c.params...)
		if res.Err != nil {
			t.Fatalf("%v: %v\n%s", c.params, res.Err, res.Output)
		}
		if got := lessontest.MaskTimes(res.Output); got != c.want {
			t.Errorf("%v: output:\n%s\nwant:\n%s", c.params, got, c.want)
		}
		goRes := lessontest.MustRun(t, t.Context(), Demos(), "future-semantics", c.params...)
		if goRes.Err != nil {
			t.Fatal(goRes.Err)
		}
		lessontest.CheckSameTasks(t, goRes.Events, res.Events)
	}

	lessontest.CheckStopBestOf3(t, py, "future-semantics", lessontest.Stop{
		Params: []string{"task=5s", "timeout=5s"}, After: 100 * time.Millisecond, Within: lessontest.PythonStopBound})
	lessontest.CheckTimeLimit(t, py, "future-semantics", lessontest.Stop{
		Params: []string{"task=5s"}, After: time.Second, Within: lessontest.PythonStopBound})
}

// The lesson says why the Python tab wraps the future in shield: wait_for
// cancels what it waits on when it times out. The same program without the
// shield proves it: at the timeout the future is cancelled, the callback
// fires then and there, and the task's later set_result(42) is refused.
func TestPythonWaitForWithoutShieldCancelsTheFuture(t *testing.T) {
	in := lessontest.FindPython(t)
	src, err := fs.ReadFile(Files, "future_semantics.py")
	if err != nil {
		t.Fatal(err)
	}
	shielded := "asyncio.wait_for(asyncio.shield(fut),"
	if !strings.Contains(string(src), shielded) {
		t.Fatalf("future_semantics.py does not wait with %q", shielded)
	}
	files := fstest.MapFS{"future_semantics.py": {Data: []byte(strings.Replace(string(src), shielded, "asyncio.wait_for(fut,", 1))}}
	py := lessontest.Python(t, in, Demos(), files, "future-semantics")
	res := lessontest.MustRun(t, t.Context(), py, "future-semantics", "task=300ms", "timeout=100ms")
	if res.Err == nil {
		t.Fatalf("without shield the run succeeded:\n%s", res.Output)
	}
	out := res.Output
	cancelled := strings.Index(out, "CancelledError")
	finishes := strings.Index(out, "task finishes: set_result(42)")
	refused := strings.LastIndex(out, "InvalidStateError: invalid state")
	if cancelled < 0 || finishes < cancelled || refused < finishes {
		t.Errorf("want the future cancelled at the timeout, then set_result(42) refused with InvalidStateError:\n%s", out)
	}
}
