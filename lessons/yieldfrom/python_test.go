package yieldfrom

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// pyWant is the Python program's console with items=3, times masked. The
// first pipeline is the Go demo's step for step but for one thing: relay
// hands produce's values on with `yield from`, which runs none of relay's
// own code per value, so there is no "relay: forward" line (Go's range
// loop forwards each value itself), and relay's own value is produce's
// return value. The second runs as asyncio tasks joined by queues of one
// place, where Go runs goroutines joined by channels.
const pyWant = `== 1. generators: they move only when the consumer calls next() ==
[<t>] consumer: next() #1
[<t>]   produce: yield 1
[<t>] consumer: got 1
[<t>] consumer: next() #2
[<t>]   produce: yield 2
[<t>] consumer: got 2
[<t>] consumer: next() #3
[<t>]   produce: yield 3
[<t>] consumer: got 3
[<t>] consumer: next() #4
[<t>]   produce: return (no more values)
[<t>]   relay:   sub-generator finished, yield own value 6
[<t>] consumer: got 6
[<t>] consumer: next() #5
[<t>] consumer: next() says no more values

== 2. asyncio tasks + queues: every stage runs on its own ==
[<t>]   produce: put 1
[<t>]   relay:   forward 1
[<t>] consumer: got 1
[<t>]   produce: put 2
[<t>]   relay:   forward 2
[<t>] consumer: got 2
[<t>]   produce: put 3
[<t>]   produce: put the end marker
[<t>]   relay:   forward 3
[<t>] consumer: got 3
[<t>]   relay:   end marker seen, put own value 6
[<t>] consumer: got 6
[<t>] consumer: end marker seen, no more values

pull:     [1, 2, 3, 6] in <t>, one stage at a time
tasks:    [1, 2, 3, 6] in <t>, stages overlap
`

// The Python program of the generators demo, run as the server runs it
// when a learner picks Python: its console (above), the Go demo's lanes on
// the timeline (less the per-value forward points `yield from` does not
// have), the overlapping pipeline faster than the pulled one, and a stop
// or the time limit that ends the process within 100ms.
func TestPython(t *testing.T) {
	lessontest.PythonTable(t, Demos(), Files, []lessontest.PythonCase{
		// Want is left to Check: one line of the second pipeline has no fixed
		// place (sameButTheEndMarker).
		{ID: "generators", Params: []string{"items=3"}, SameTasks: true,
			GoEvents: func(events []runner.Event) []runner.Event {
				var kept []runner.Event
				for _, e := range events {
					if e.Task == "pull: relay" && strings.HasPrefix(e.Status, "forward ") {
						continue // yield from forwards without a line of relay's code
					}
					kept = append(kept, e)
				}
				return kept
			},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if got := lessontest.MaskTimes(run.Output); !sameButTheEndMarker(got, pyWant) {
					t.Errorf("output:\n%s\nwant (the end marker line anywhere after forward 3 and before got 6):\n%s", got, pyWant)
				}
				var pull, tasks float64
				for _, line := range strings.Split(run.Output, "\n") {
					fmt.Sscanf(line, "pull: [1, 2, 3, 6] in %fs", &pull)
					fmt.Sscanf(line, "tasks: [1, 2, 3, 6] in %fs", &tasks)
				}
				if pull == 0 || tasks == 0 || tasks >= pull {
					t.Errorf("pulled in %.2fs, tasks in %.2fs: the stages should overlap in the second", pull, tasks)
				}
			}},
		{ID: "generators", Params: []string{"items=50"}, Stop: 50 * time.Millisecond},
		{ID: "generators", Params: []string{"items=50"}, Stop: 1500 * time.Millisecond},
		{ID: "generators", Params: []string{"items=50"}, TimeLimit: time.Second},
	})
}

// endMarker is the relay's line that has no fixed place among the
// consumer's: the consumer and the producer sleep the same step, and
// which of the two the event loop wakes first decides whether "consumer:
// got 3" is printed before the relay takes the end marker or after. On an
// idle machine their timers fall in one turn of the loop; on a busy one
// they may not.
const endMarker = "[<t>]   relay:   end marker seen, put own value 6"

// sameButTheEndMarker reports whether got is want with the end marker's
// line anywhere after the relay forwarded 3 and before the consumer got 6.
func sameButTheEndMarker(got, want string) bool {
	without := func(s string) (string, int) {
		lines := strings.Split(s, "\n")
		at := slices.Index(lines, endMarker)
		if at < 0 {
			return s, -1
		}
		return strings.Join(slices.Delete(lines, at, at+1), "\n"), at
	}
	g, at := without(got)
	w, _ := without(want)
	if g != w || at < 0 {
		return false
	}
	// The lines of the second pipeline (the first has a "got 6" too).
	lines := strings.Split(got, "\n")
	second := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "== 2.") })
	after := func(line string) int { return second + slices.Index(lines[second:], line) }
	return second >= 0 && at > after("[<t>]   relay:   forward 3") && at < after("[<t>] consumer: got 6")
}
