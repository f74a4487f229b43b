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
// the task goes on, the callback, then a read that gets 42. A stop or the
// time limit ends it within 100ms.
//
// The lesson also says why the Python tab wraps the future in shield:
// wait_for cancels what it waits on when it times out. The same program
// without the shield proves it: at the timeout the future is cancelled,
// the callback fires then and there, and the task's later set_result(42)
// is refused.
func TestPython(t *testing.T) {
	src, err := fs.ReadFile(Files, "future_semantics.py")
	if err != nil {
		t.Fatal(err)
	}
	shielded := "asyncio.wait_for(asyncio.shield(fut),"
	if !strings.Contains(string(src), shielded) {
		t.Fatalf("future_semantics.py does not wait with %q", shielded)
	}
	unshielded := fstest.MapFS{"future_semantics.py": {Data: []byte(strings.Replace(string(src), shielded, "asyncio.wait_for(fut,", 1))}}

	lessontest.PythonTable(t, Demos(), Files, []lessontest.PythonCase{
		{ID: "future-semantics", Params: []string{"task=300ms", "timeout=100ms"}, SameTasks: true, Want: `[<t>] task started (needs <t>); done() = False
[<t>] add_done_callback: registered, waits for completion
[<t>] result() → error: InvalidStateError: Result is not set.
[<t>] wait_for(fut, <t>) waits...
[<t>] wait_for(fut, <t>) → error: TimeoutError; the task keeps running
[<t>] task finishes: set_result(42)
[<t>] callback fired: done() = True, result() → 42
[<t>] result() → 42, without waiting: done() = True
`},
		// A timeout longer than the task: the wait gets the value.
		{ID: "future-semantics", Params: []string{"task=100ms", "timeout=400ms"}, SameTasks: true, Want: `[<t>] task started (needs <t>); done() = False
[<t>] add_done_callback: registered, waits for completion
[<t>] result() → error: InvalidStateError: Result is not set.
[<t>] wait_for(fut, <t>) waits...
[<t>] task finishes: set_result(42)
[<t>] callback fired: done() = True, result() → 42
[<t>] wait_for(fut, <t>) → 42
[<t>] result() → 42, without waiting: done() = True
`},
		{ID: "future-semantics", Params: []string{"task=5s", "timeout=5s"}, Stop: 100 * time.Millisecond},
		{ID: "future-semantics", Params: []string{"task=5s"}, TimeLimit: time.Second},
		{Name: "wait_for without shield cancels the future", ID: "future-semantics", Files: unshielded,
			Params: []string{"task=300ms", "timeout=100ms"}, WantErr: "exited with status 1",
			Check: func(t *testing.T, run lessontest.PythonRun) {
				out := run.Output
				cancelled := strings.Index(out, "CancelledError")
				finishes := strings.Index(out, "task finishes: set_result(42)")
				refused := strings.LastIndex(out, "InvalidStateError: invalid state")
				if cancelled < 0 || finishes < cancelled || refused < finishes {
					t.Errorf("want the future cancelled at the timeout, then set_result(42) refused with InvalidStateError:\n%s", out)
				}
			}},
	})
}
