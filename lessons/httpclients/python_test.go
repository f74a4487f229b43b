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
func TestPythonClientReuse(t *testing.T) {
	in := lessontest.FindPython(t)
	py := lessontest.Python(t, in, Demos(), Files, "client-reuse")
	base := lessontest.FlagServer(t, flagserver.Config{})

	// One at a time: the Go demo's TestOneAtATime, word for word.
	params := []string{"count=5", "parallel=1", "handshake=20ms"}
	res := lessontest.MustRunAt(t, t.Context(), base, py, "client-reuse", params...)
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Output)
	}
	want := `5 requests, 1 at a time; opening a connection takes <t>

new client per request   +++++  <t>
one shared client        +....  <t>

client                   requests new conns  reused     time
new client per request          5         5       0   <t>
one shared client               5         1       4   <t>

shared client: <r>x as fast; connections opened: 1 instead of 5
`
	if got := mask(res.Output); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	status := map[string]string{}
	for i := 1; i <= 5; i++ {
		status[fmt.Sprintf("fresh %02d", i)] = "new"
		status[fmt.Sprintf("shared %02d", i)] = "reused"
	}
	status["shared 01"] = "new"
	checkEvents(t, res.Events, 1, status)
	goRes := run(t, t.Context(), base, params...)
	lessontest.CheckSameTasks(t, goRes.Events, res.Events)

	// Four at a time: one connection per request in flight, reused.
	res = lessontest.MustRunAt(t, t.Context(), base, py, "client-reuse", "count=40", "parallel=4", "handshake=20ms")
	if n, fresh, reused := tableRow(t, res.Output, "new client per request"); n != 40 || fresh != 40 || reused != 0 {
		t.Errorf("per request: %d requests, %d new, %d reused; want 40, 40, 0", n, fresh, reused)
	}
	if n, fresh, reused := tableRow(t, res.Output, "one shared client"); n != 40 || fresh < 1 || fresh > 4 || fresh+reused != 40 {
		t.Errorf("shared: %d requests, %d new, %d reused; want 40, 1..4 new, the rest reused", n, fresh, reused)
	}

	// Failures are marked x and counted; rows wrap every 50 marks.
	failing := lessontest.FlagServer(t, flagserver.Config{NotFound: []string{"US"}})
	res = lessontest.MustRunAt(t, t.Context(), failing, py, "client-reuse", "count=5", "parallel=1", "handshake=0s")
	for _, want := range []string{"new client per request   ++x++  <t>\n", "one shared client        +.x..  <t>\n", "2 requests failed\n"} {
		if !strings.Contains(mask(res.Output), want) {
			t.Errorf("output lacks %q:\n%s", want, res.Output)
		}
	}
	res = lessontest.MustRunAt(t, t.Context(), base, py, "client-reuse", "count=120", "parallel=1", "handshake=0s")
	pad := strings.Repeat(" ", 25)
	wrapped := "one shared client        +" + strings.Repeat(".", 49) + "\n" +
		pad + strings.Repeat(".", 50) + "\n" + pad + strings.Repeat(".", 20) + "  <t>\n"
	if !strings.Contains(mask(res.Output), wrapped) {
		t.Errorf("output:\n%s\nwant it to contain:\n%s", res.Output, wrapped)
	}

	res2 := lessontest.CheckStopBestOf3(t, py, "client-reuse", lessontest.Stop{FlagsURL: base,
		Params: []string{"count=200", "parallel=2", "handshake=200ms"}, After: 150 * time.Millisecond, Within: lessontest.PythonStopBound})
	if strings.Contains(res2.Output, "as fast") {
		t.Errorf("a stopped run printed the comparison:\n%s", res2.Output)
	}
	lessontest.CheckTimeLimit(t, py, "client-reuse", lessontest.Stop{FlagsURL: base,
		Params: []string{"count=200", "parallel=1", "handshake=200ms"}, After: time.Second, Within: lessontest.PythonStopBound})
}
