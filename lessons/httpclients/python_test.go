package httpclients

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The aiohttp program of client-reuse (a ClientSession per request
// against one shared session, counted with TraceConfig hooks, the
// handshake simulated in the hook that runs before a connection is made),
// run as the server runs it when a learner picks Python, against the real
// built-in flag site: the Go demo's console and tallies, failures marked
// and counted, the same lanes on the timeline, and a stop or time limit
// that ends the process within 100ms.
func TestPython(t *testing.T) {
	base := &flagserver.Config{}
	lessontest.PythonTable(t, Demos(), Files, []lessontest.PythonCase{
		// One at a time: the Go demo's TestOneAtATime, word for word.
		{ID: "client-reuse", Flags: base, Params: []string{"count=5", "parallel=1", "handshake=20ms"}, SameTasks: true,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				want := `5 requests, 1 at a time; opening a connection takes <t>

new client per request   +++++  <t>
one shared client        +....  <t>

client                   requests new conns  reused     time
new client per request          5         5       0   <t>
one shared client               5         1       4   <t>

shared client: <r>x as fast; connections opened: 1 instead of 5
`
				if got := mask(run.Output); got != want {
					t.Errorf("output:\n%s\nwant:\n%s", got, want)
				}
				status := map[string]string{}
				for i := 1; i <= 5; i++ {
					status[fmt.Sprintf("fresh %02d", i)] = "new"
					status[fmt.Sprintf("shared %02d", i)] = "reused"
				}
				status["shared 01"] = "new"
				checkEvents(t, run.Events, 1, status)
			}},
		// Four at a time: one connection per request in flight, reused.
		{ID: "client-reuse", Flags: base, Params: []string{"count=40", "parallel=4", "handshake=20ms"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if n, fresh, reused := tableRow(t, run.Output, "new client per request"); n != 40 || fresh != 40 || reused != 0 {
					t.Errorf("per request: %d requests, %d new, %d reused; want 40, 40, 0", n, fresh, reused)
				}
				if n, fresh, reused := tableRow(t, run.Output, "one shared client"); n != 40 || fresh < 1 || fresh > 4 || fresh+reused != 40 {
					t.Errorf("shared: %d requests, %d new, %d reused; want 40, 1..4 new, the rest reused", n, fresh, reused)
				}
			}},
		// Failures are marked x and counted; rows wrap every 50 marks.
		{ID: "client-reuse", Flags: &flagserver.Config{NotFound: []string{"US"}}, Params: []string{"count=5", "parallel=1", "handshake=0s"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				for _, want := range []string{"new client per request   ++x++  <t>\n", "one shared client        +.x..  <t>\n", "2 requests failed\n"} {
					if !strings.Contains(mask(run.Output), want) {
						t.Errorf("output lacks %q:\n%s", want, run.Output)
					}
				}
			}},
		{ID: "client-reuse", Flags: base, Params: []string{"count=120", "parallel=1", "handshake=0s"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				pad := strings.Repeat(" ", 25)
				wrapped := "one shared client        +" + strings.Repeat(".", 49) + "\n" +
					pad + strings.Repeat(".", 50) + "\n" + pad + strings.Repeat(".", 20) + "  <t>\n"
				if !strings.Contains(mask(run.Output), wrapped) {
					t.Errorf("output:\n%s\nwant it to contain:\n%s", run.Output, wrapped)
				}
			}},
		{ID: "client-reuse", Flags: base, Params: []string{"count=200", "parallel=2", "handshake=200ms"}, Stop: 150 * time.Millisecond,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if strings.Contains(run.Output, "as fast") {
					t.Errorf("a stopped run printed the comparison:\n%s", run.Output)
				}
			}},
		{ID: "client-reuse", Flags: base, Params: []string{"count=200", "parallel=1", "handshake=200ms"}, TimeLimit: time.Second},
	})
}
