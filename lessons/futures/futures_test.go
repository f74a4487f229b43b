package futures

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The whole console of the lesson's story, exactly: the timeout is shorter
// than the task, so the non-blocking read fails at once, the blocking one
// gives up after its 30ms, and at 150ms the task completes, the callback
// fires and the last read works. Inside a synctest bubble the clock is
// fake, so the printed times are exact.
func TestFutureSemanticsOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "future-semantics", "task=150ms", "timeout=30ms")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		const want = `[0.00s] task started (needs 150ms); Done() = false
[0.00s] AddDoneCallback: registered, waits for completion
[0.00s] Result() → error: invalid state: result is not set yet
[0.00s] ResultWait(30ms) blocks...
[0.03s] ResultWait(30ms) → error: timeout: result still not set; the task keeps running
[0.15s] task finishes: SetResult(42)
[0.15s] callback fired: Done() = true, Result() → 42
[0.15s] Result() → 42, without waiting: Done() = true
`
		if res.Output != want {
			t.Errorf("output:\n%s\nwant:\n%s", res.Output, want)
		}
	})
}

var stampRE = regexp.MustCompile(`(?m)^\[(\d+\.\d\d)s\] (.*)$`)

// stamp finds the first printed step starting with prefix and returns its
// printed time, "0.05".
func stamp(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, m := range stampRE.FindAllStringSubmatch(out, -1) {
		if strings.HasPrefix(m[2], prefix) {
			return m[1]
		}
	}
	t.Fatalf("no line starting %q in\n%s", prefix, out)
	return ""
}

func TestStepsHappenWhenTheyShould(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "future-semantics", "task=200ms", "timeout=50ms")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		out := res.Output
		if s := stamp(t, out, "Result() → error: invalid state"); s != "0.00" {
			t.Errorf("the non-blocking read came at %ss; it must not wait", s)
		}
		if s := stamp(t, out, "ResultWait(50ms) → error: timeout"); s != "0.05" {
			t.Errorf("the blocking read gave up at %ss, want at the 50ms timeout", s)
		}
		for _, step := range []string{"task finishes", "callback fired", "Result() → 42"} {
			if s := stamp(t, out, step); s != "0.20" {
				t.Errorf("%q at %ss, want at the task's 200ms", step, s)
			}
		}
	})
}

// lanes gives each timeline task its events as "phase:status".
func lanes(events []runner.Event) map[string][]string {
	l := map[string][]string{}
	for _, e := range events {
		l[e.Task] = append(l[e.Task], e.Phase+":"+e.Status)
	}
	return l
}

func TestTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "future-semantics", "task=100ms", "timeout=20ms")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		want := map[string][]string{
			"task":       {"start:", "end:ok"},
			"callback":   {"point:fired"},
			"Result()":   {"point:invalid state", "point:ok"},
			"ResultWait": {"start:", "end:timeout"},
		}
		if got := lanes(res.Events); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("timeline lanes\n got %v\nwant %v", got, want)
		}
		// The order the lesson tells: the wait gives up before the task ends,
		// and the callback fires only after it; and when, to the millisecond.
		var order []string
		at := map[string]float64{}
		for _, e := range res.Events {
			order = append(order, e.Task+" "+e.Phase)
			at[e.Task+" "+e.Phase] = e.TMs
		}
		idx := func(s string) int { return slices.Index(order, s) }
		if !(idx("ResultWait end") < idx("task end") && idx("task end") < idx("callback point")) {
			t.Errorf("events in order %v", order)
		}
		if at["ResultWait end"] != 20 || at["task end"] != 100 || at["callback point"] != 100 {
			t.Errorf("events at %v, want the wait to end at 20ms, the task and its callback at 100ms", at)
		}
	})
}

// With a timeout longer than the task, the blocking read gets the value.
// It wakes in the main goroutine while the callback runs in the task's, so
// those two lines may come in either order: compare them as a set.
func TestLongTimeoutGetsTheValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "future-semantics", "task=60ms", "timeout=2s")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		lines := strings.Split(strings.TrimSuffix(res.Output, "\n"), "\n")
		slices.Sort(lines)
		want := []string{
			"[0.00s] AddDoneCallback: registered, waits for completion",
			"[0.00s] Result() → error: invalid state: result is not set yet",
			"[0.00s] ResultWait(2s) blocks...",
			"[0.00s] task started (needs 60ms); Done() = false",
			"[0.06s] Result() → 42, without waiting: Done() = true",
			"[0.06s] ResultWait(2s) → 42",
			"[0.06s] callback fired: Done() = true, Result() → 42",
			"[0.06s] task finishes: SetResult(42)",
		}
		if !slices.Equal(lines, want) {
			t.Errorf("lines (sorted)\n got %q\nwant %q", lines, want)
		}
		if s := stamp(t, res.Output, "ResultWait(2s) → 42"); s != "0.06" {
			t.Errorf("the blocking read returned at %ss; it should wake when the task completes at 0.06s", s)
		}
		if got := lanes(res.Events)["ResultWait"]; !slices.Equal(got, []string{"start:", "end:ok"}) {
			t.Errorf("ResultWait lane = %v", got)
		}
	})
}

// Stopping works both while main blocks in ResultWait and after it has
// given up, while main waits for the task: the run returns at the very
// instant of the stop.
func TestStop(t *testing.T) {
	for _, timeout := range []string{"5s", "10ms"} {
		t.Run("timeout="+timeout, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.CheckStop(t, Demos(), "future-semantics", lessontest.Stop{
					Params: []string{"task=5s", "timeout=" + timeout}, After: 80 * time.Millisecond})
				if got := lanes(res.Events)["task"]; !slices.Equal(got, []string{"start:", "end:cancelled"}) {
					t.Errorf("task lane = %v, want it cancelled", got)
				}
				if strings.Contains(res.Output, "Result() → 42") {
					t.Errorf("a stopped run still produced the answer:\n%s", res.Output)
				}
			})
		})
	}
}

// With the default parameters, a stop anywhere in the run returns at once.
func TestStopsAtOnceAnywhere(t *testing.T) {
	lessontest.CheckStopsEverywhere(t, Demos(), "future-semantics", 10*time.Millisecond, lessontest.Stop{After: 5 * time.Millisecond})
}

func TestParamLimits(t *testing.T) {
	for _, bad := range [][]string{{"task=10ms"}, {"task=6s"}, {"timeout=5ms"}, {"timeout=6s"}, {"wait=1s"}} {
		if _, err := lessontest.Run(t.Context(), Demos(), "future-semantics", bad...); err == nil {
			t.Errorf("%v accepted, want a parameter error", bad)
		}
	}
}
