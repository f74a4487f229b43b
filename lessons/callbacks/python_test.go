package callbacks

import (
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The asyncio programs of both styles, run as the server runs them when a
// learner picks Python, with each choice of fail: the console is the Go
// demos' console (on_done and on_error are the Python callbacks' names;
// the exception rises to main where Go returns its error), a failure makes
// the run fail as in Go (exit status 1), and the timeline has the same
// stages ended the same way. A stop or the time limit ends the process
// within 100ms.
func TestPython(t *testing.T) {
	want := map[string]map[string]string{
		"three-stages-callbacks": {
			"none": `[<t>] stage 1: look up the id of user "alice"
[<t>]   stage 1 on_done: user id 7 -> stage 2: fetch their order
[<t>]     stage 2 on_done: order #1024, 3 items -> stage 3: ask for the total
[<t>]       stage 3 on_done: total 45.90
total 45.90 after 3 stages in <t>
`,
			"1": `[<t>] stage 1: look up the id of user "alice"
[<t>]   stage 1 on_error saw: stage 1: the user service is unavailable
only stage 1's on_error saw the error, at nesting depth 1; no outer handler heard of it (<t>)
`,
			"2": `[<t>] stage 1: look up the id of user "alice"
[<t>]   stage 1 on_done: user id 7 -> stage 2: fetch their order
[<t>]     stage 2 on_error saw: stage 2: the order service is unavailable
only stage 2's on_error saw the error, at nesting depth 2; no outer handler heard of it (<t>)
`,
			"3": `[<t>] stage 1: look up the id of user "alice"
[<t>]   stage 1 on_done: user id 7 -> stage 2: fetch their order
[<t>]     stage 2 on_done: order #1024, 3 items -> stage 3: ask for the total
[<t>]       stage 3 on_error saw: stage 3: the pricing service is unavailable
only stage 3's on_error saw the error, at nesting depth 3; no outer handler heard of it (<t>)
`,
		},
		"three-stages-sequential": {
			"none": `[<t>] stage 1: look up the id of user "alice"
[<t>] stage 1 returned user id 7 -> stage 2: fetch their order
[<t>] stage 2 returned order #1024, 3 items -> stage 3: ask for the total
[<t>] stage 3 returned total 45.90
total 45.90 after 3 stages in <t>
`,
			"1": `[<t>] stage 1: look up the id of user "alice"
[<t>] main's single error check saw: stage 1: the user service is unavailable
the exception rose up to main and was caught there, in one place (<t>)
`,
			"2": `[<t>] stage 1: look up the id of user "alice"
[<t>] stage 1 returned user id 7 -> stage 2: fetch their order
[<t>] main's single error check saw: stage 2: the order service is unavailable
the exception rose up to main and was caught there, in one place (<t>)
`,
			"3": `[<t>] stage 1: look up the id of user "alice"
[<t>] stage 1 returned user id 7 -> stage 2: fetch their order
[<t>] stage 2 returned order #1024, 3 items -> stage 3: ask for the total
[<t>] main's single error check saw: stage 3: the pricing service is unavailable
the exception rose up to main and was caught there, in one place (<t>)
`,
		},
	}
	var cases []lessontest.PythonCase
	for _, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		for _, fail := range []string{"none", "1", "2", "3"} {
			c := lessontest.PythonCase{ID: id, Params: []string{"latency=20ms", "fail=" + fail}, Want: want[id][fail], SameTasks: true}
			if fail != "none" {
				c.WantErr = "exited with status 1"
			}
			cases = append(cases, c)
		}
		cases = append(cases,
			lessontest.PythonCase{ID: id, Params: []string{"latency=2s"}, Stop: 100 * time.Millisecond},
			lessontest.PythonCase{ID: id, Params: []string{"latency=2s"}, TimeLimit: time.Second})
	}
	lessontest.PythonTable(t, Demos(), Files, cases)
}
