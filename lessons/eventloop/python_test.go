package eventloop

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// awaitOnADoneFuture is a Python program for the lesson's claim about
// await: it gives the thread back only when the future it reaches is not
// done yet. Another task is ready all along; it runs at the first await
// that really waits, not at the await of a future that already has its
// result.
const awaitOnADoneFuture = `import asyncio

order = []


async def other():
    order.append("other task")


async def main():
    asyncio.create_task(other())
    fut = asyncio.get_running_loop().create_future()
    fut.set_result(1)
    await fut
    order.append("after await of a done future")
    await asyncio.sleep(0)
    order.append("after await asyncio.sleep(0)")
    print(" | ".join(order))


asyncio.run(main())
`

// The asyncio program of hello-tasks, run as the server runs it when a
// learner picks Python: the same console as the Go demo (times masked;
// asyncio starts its tasks in order, so no line needs sorting), the same
// tasks on the timeline, the longest task's time rather than the sum, and
// a stop or time limit that ends it within 100ms. And the lesson's claim
// about await, run as a program of its own.
func TestPython(t *testing.T) {
	lessontest.PythonTable(t, Demos(), Files, []lessontest.PythonCase{
		{ID: "hello-tasks", Params: []string{"durations=120ms,40ms,80ms"}, SameTasks: true,
			Want: `[<t>] task 1 starts (sleeps <t>)
[<t>] task 2 starts (sleeps <t>)
[<t>] task 3 starts (sleeps <t>)
[<t>] task 2 done
[<t>] task 3 done
[<t>] task 1 done
results in submission order: [task 1 slept <t>, task 2 slept <t>, task 3 slept <t>]
total <t> — the longest task, not the sum (<t>)
`,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				// The durations are printed as the learner typed them, as in Go.
				for _, s := range []string{"(sleeps 120ms)", "[task 1 slept 120ms, task 2 slept 40ms, task 3 slept 80ms]", "(0.24s)"} {
					if !strings.Contains(run.Output, s) {
						t.Errorf("output lacks %q:\n%s", s, run.Output)
					}
				}
				// The program's own total is the longest task's 0.12s, not the sum.
				var total float64
				if _, err := fmt.Sscanf(run.Output[strings.LastIndex(run.Output, "total "):], "total %fs", &total); err != nil || total < 0.12 || total >= 0.24 {
					t.Errorf("total %v (%v), want from 0.12s to below the sum, 0.24s", total, err)
				}
			}},
		{ID: "hello-tasks", Params: []string{"durations=5s,5s,5s"}, Stop: 100 * time.Millisecond},
		{ID: "hello-tasks", Params: []string{"durations=5s"}, TimeLimit: time.Second},
		{Name: "await yields only on a pending future", ID: "hello-tasks",
			Files: fstest.MapFS{"hello_tasks.py": {Data: []byte(awaitOnADoneFuture)}},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				want := "after await of a done future | other task | after await asyncio.sleep(0)\n"
				if run.Output != want {
					t.Errorf("the order was %q, want %q: an await of a done future does not let the other task run", run.Output, want)
				}
			}},
	})
}
