package httpclients

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func run(t *testing.T, ctx context.Context, base string, params ...string) lessontest.Result {
	t.Helper()
	return lessontest.MustRunAt(t, ctx, base, Demos(), "client-reuse", params...)
}

var ratio = regexp.MustCompile(`(\d+\.\d)x as fast`)

// mask hides times and the speed-up, which depend on the machine.
func mask(out string) string {
	return ratio.ReplaceAllString(lessontest.MaskTimes(out), "<r>x as fast")
}

// One request at a time, the outcome is fixed: every fresh client dials,
// the shared one dials once and then reuses that connection.
func TestOneAtATime(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "count=5", "parallel=1", "handshake=20ms")
	if res.Err != nil {
		t.Fatal(res.Err)
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
	// Five fresh dials of 20ms cannot take less than 100ms; the shared
	// client pays one. It must come out clearly faster.
	m := ratio.FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatal("no speed-up printed")
	}
	if r, _ := strconv.ParseFloat(m[1], 64); r < 1.5 {
		t.Errorf("speed-up %.1f, want the shared client clearly faster", r)
	}

	status := map[string]string{}
	for i := 1; i <= 5; i++ {
		status[fmt.Sprintf("fresh %02d", i)] = "new"
		status[fmt.Sprintf("shared %02d", i)] = "reused"
	}
	status["shared 01"] = "new"
	checkEvents(t, res.Events, 1, status)
}

// checkEvents asserts that every request has one start, one "conn" point
// and one end with the wanted status, and that no more than parallel were
// in flight at once.
func checkEvents(t *testing.T, events []runner.Event, parallel int, want map[string]string) {
	t.Helper()
	if got := runner.MaxInFlight(events); got < 1 || got > parallel {
		t.Errorf("MaxInFlight = %d, want 1..%d", got, parallel)
	}
	starts, points, ends := map[string]int{}, map[string]int{}, map[string]string{}
	for _, e := range events {
		switch e.Phase {
		case runner.PhaseStart:
			starts[e.Task]++
		case runner.PhasePoint:
			if e.Status == "conn" {
				points[e.Task]++
			}
		case runner.PhaseEnd:
			if _, twice := ends[e.Task]; twice {
				t.Errorf("task %q ended twice", e.Task)
			}
			ends[e.Task] = e.Status
		}
	}
	for task, status := range want {
		if starts[task] != 1 || points[task] != 1 || ends[task] != status {
			t.Errorf("task %q: %d starts, %d conn points, end %q; want 1, 1, %q",
				task, starts[task], points[task], ends[task], status)
		}
	}
	if len(starts) != len(want) || len(ends) != len(want) {
		t.Errorf("%d tasks started, %d ended; want %d", len(starts), len(ends), len(want))
	}
}

// tableRow returns the numbers of one row of the printed table.
func tableRow(t *testing.T, out, label string) (requests, newConns, reused int) {
	t.Helper()
	for line := range strings.Lines(out) {
		rest, ok := strings.CutPrefix(line, label+" ")
		if !ok {
			continue
		}
		// The row of marks has the same label; Sscan fails on it.
		if _, err := fmt.Sscan(rest, &requests, &newConns, &reused); err == nil {
			return requests, newConns, reused
		}
	}
	t.Fatalf("no table row %q in:\n%s", label, out)
	return
}

// Several at a time, the shared client opens at most one connection per
// request in flight and reuses them for everything else.
func TestParallel(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "count=40", "parallel=4", "handshake=20ms")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	out := res.Output
	if n, fresh, reused := tableRow(t, out, "new client per request"); n != 40 || fresh != 40 || reused != 0 {
		t.Errorf("per request: %d requests, %d new, %d reused; want 40, 40, 0", n, fresh, reused)
	}
	n, fresh, reused := tableRow(t, out, "one shared client")
	if n != 40 || fresh < 1 || fresh > 4 || fresh+reused != 40 {
		t.Errorf("shared: %d requests, %d new, %d reused; want 40, 1..4 new, the rest reused", n, fresh, reused)
	}
	// The marks agree with the table (40 marks fit on one row).
	marks := func(label string) string {
		for line := range strings.Lines(out) {
			if rest, ok := strings.CutPrefix(line, label+" "); ok && strings.ContainsAny(rest, "+.") {
				return strings.Fields(rest)[0]
			}
		}
		return ""
	}
	if got := marks("new client per request"); got != strings.Repeat("+", 40) {
		t.Errorf("per-request marks %q", got)
	}
	if got := marks("one shared client"); strings.Count(got, "+") != fresh || strings.Count(got, ".") != reused {
		t.Errorf("shared marks %q, want %d + and %d .", got, fresh, reused)
	}

	status := map[string]string{}
	newShared := 0
	for _, e := range res.Events {
		if e.Phase == runner.PhaseEnd && strings.HasPrefix(e.Task, "shared") && e.Status == "new" {
			newShared++
		}
	}
	for i := 1; i <= 40; i++ {
		status[fmt.Sprintf("fresh %02d", i)] = "new"
	}
	for _, e := range res.Events {
		if e.Phase == runner.PhaseEnd && strings.HasPrefix(e.Task, "shared") {
			// Which of them dialled varies from run to run; the count of
			// "new" ones was checked above, here each one's events are.
			status[e.Task] = e.Status
		}
	}
	if len(status) != 80 {
		t.Errorf("%d tasks ended, want 80", len(status))
	}
	if newShared != fresh {
		t.Errorf("%d shared tasks ended new, the table says %d", newShared, fresh)
	}
	checkEvents(t, res.Events, 4, status)
}

// Long rows wrap every 50 marks under the label.
func TestWrap(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "count=120", "parallel=1", "handshake=0s")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	pad := strings.Repeat(" ", 25)
	want := "one shared client        +" + strings.Repeat(".", 49) + "\n" +
		pad + strings.Repeat(".", 50) + "\n" +
		pad + strings.Repeat(".", 20) + "  <t>\n"
	if got := mask(res.Output); !strings.Contains(got, want) {
		t.Errorf("output:\n%s\nwant it to contain:\n%s", got, want)
	}
}

// Failed requests are marked x and counted; they do not stop the round.
func TestFailures(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{NotFound: []string{"US"}})
	res := run(t, t.Context(), base, "count=5", "parallel=1", "handshake=0s")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	got := mask(res.Output)
	for _, want := range []string{
		"new client per request   ++x++  <t>\n",
		"one shared client        +.x..  <t>\n",
		"2 requests failed\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if _, fresh, reused := tableRow(t, res.Output, "one shared client"); fresh != 1 || reused != 3 {
		t.Errorf("shared: %d new, %d reused; want 1, 3", fresh, reused)
	}
}

// Stop works while requests wait in a (simulated) handshake, in either round.
func TestStop(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	for _, tc := range []struct {
		after  time.Duration
		params []string
	}{
		{150 * time.Millisecond, []string{"count=200", "parallel=2", "handshake=200ms"}},
		// Round one takes 2 × 100ms here, so at 250ms round two is dialling.
		{250 * time.Millisecond, []string{"count=2", "parallel=1", "handshake=100ms"}},
	} {
		res := lessontest.CheckStop(t, Demos(), "client-reuse", lessontest.Stop{FlagsURL: base,
			Params: tc.params, After: tc.after, Within: lessontest.StopBound})
		if strings.Contains(res.Output, "as fast") {
			t.Errorf("%v: a stopped run printed the comparison:\n%s", tc.params, res.Output)
		}
	}
}
