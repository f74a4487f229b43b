package eventloop

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

// sortStarts puts the "starts" lines in task order: goroutines are started
// in order but may print in any order, and the lesson says so.
func sortStarts(out string) string {
	lines := strings.Split(out, "\n")
	var starts []int
	for i, l := range lines {
		if strings.Contains(l, " starts ") {
			starts = append(starts, i)
		}
	}
	var text []string
	for _, i := range starts {
		text = append(text, lines[i])
	}
	slices.SortFunc(text, func(a, b string) int { return strings.Compare(taskOf(a), taskOf(b)) })
	for k, i := range starts {
		lines[i] = text[k]
	}
	return strings.Join(lines, "\n")
}

var taskName = regexp.MustCompile(`task \d+`)

func taskOf(line string) string { return taskName.FindString(line) }

// The whole console of one run, exactly: inside a synctest bubble the
// clock is fake, so every printed time is the time the lesson promises.
// Only the three "starts" lines, printed at the same instant by three
// goroutines, may come in any order; sortStarts puts them in task order.
func TestHelloTasksOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "hello-tasks", "durations=90ms,30ms,60ms")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		const want = `[0.00s] task 1 starts (sleeps 90ms)
[0.00s] task 2 starts (sleeps 30ms)
[0.00s] task 3 starts (sleeps 60ms)
[0.03s] task 2 done
[0.06s] task 3 done
[0.09s] task 1 done
results in submission order: [task 1 slept 90ms, task 2 slept 30ms, task 3 slept 60ms]
total 0.09s — the longest task, not the sum (0.18s)
`
		if got := sortStarts(res.Output); got != want {
			t.Errorf("output:\n%s\nwant:\n%s", got, want)
		}
	})
}

// stamped reads "[1.23s] task 2 done" lines into task → seconds.
var stamped = regexp.MustCompile(`(?m)^\[(\d+\.\d\d)s\] (task \d+) (starts|done)`)

func TestTimingIsTheLongestNotTheSum(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "hello-tasks", "durations=50ms,100ms,150ms")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		want := map[string]string{"task 1": "0.05", "task 2": "0.10", "task 3": "0.15"}
		done := map[string]string{}
		for _, m := range stamped.FindAllStringSubmatch(res.Output, -1) {
			switch m[3] {
			case "starts":
				if m[1] != "0.00" {
					t.Errorf("%s started at %ss, want all tasks to start together at 0", m[2], m[1])
				}
			case "done":
				done[m[2]] = m[1]
			}
		}
		for task, d := range want {
			got, ok := done[task]
			if !ok {
				t.Errorf("no done line for %s in\n%s", task, res.Output)
				continue
			}
			if got != d {
				t.Errorf("%s done at %ss, want exactly its own %ss", task, got, d)
			}
		}
		// The longest task, not the sum: exactly 0.15s.
		if !strings.HasSuffix(res.Output, "total 0.15s — the longest task, not the sum (0.30s)\n") {
			t.Errorf("closing line is not a total of 0.15s against the sum 0.30s in\n%s", res.Output)
		}
		if res.Elapsed != 150*time.Millisecond {
			t.Errorf("run took %v, want the longest task's 150ms", res.Elapsed)
		}
		if !strings.Contains(res.Output, "results in submission order: [task 1 slept 50ms, task 2 slept 100ms, task 3 slept 150ms]\n") {
			t.Errorf("results line missing or out of order in\n%s", res.Output)
		}
	})
}

func TestResultsKeepSubmissionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "hello-tasks", "durations=90ms,30ms,60ms")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		var finished []string
		for _, m := range stamped.FindAllStringSubmatch(res.Output, -1) {
			if m[3] == "done" {
				finished = append(finished, m[2])
			}
		}
		if want := []string{"task 2", "task 3", "task 1"}; !slices.Equal(finished, want) {
			t.Errorf("tasks finished in order %v, want %v (shortest first)", finished, want)
		}
		if !strings.Contains(res.Output, "[task 1 slept 90ms, task 2 slept 30ms, task 3 slept 60ms]") {
			t.Errorf("results not in submission order:\n%s", res.Output)
		}
	})
}

func TestEventsOneLanePerTaskAllAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "hello-tasks", "durations=20ms,20ms,20ms,20ms")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if got := runner.MaxInFlight(res.Events); got != 4 {
			t.Errorf("max in flight = %d, want all 4 tasks waiting at once", got)
		}
		phases := map[string][]string{}
		for _, e := range res.Events {
			phases[e.Task] = append(phases[e.Task], fmt.Sprintf("%s:%s@%gms", e.Phase, e.Status, e.TMs))
		}
		for i := 1; i <= 4; i++ {
			task := fmt.Sprintf("task %d", i)
			if want := []string{"start:@0ms", "end:ok@20ms"}; !slices.Equal(phases[task], want) {
				t.Errorf("%s events = %v, want %v", task, phases[task], want)
			}
		}
		if len(phases) != 4 {
			t.Errorf("lanes = %v, want exactly task 1..4", phases)
		}
	})
}

// Stopped at 60ms, with task 2 done and task 1 still sleeping: the run
// returns at that very instant, task 1 cancelled, and prints no summary.
func TestStopReturnsQuickly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.CheckStop(t, Demos(), "hello-tasks", lessontest.Stop{
			Params: []string{"durations=5s,10ms"}, After: 60 * time.Millisecond})
		status := map[string]string{}
		for _, e := range res.Events {
			if e.Phase == runner.PhaseEnd {
				status[e.Task] = e.Status
			}
		}
		if status["task 1"] != "cancelled" || status["task 2"] != "ok" {
			t.Errorf("end statuses = %v, want task 1 cancelled, task 2 ok", status)
		}
		if strings.Contains(res.Output, "total") {
			t.Errorf("a stopped run printed a summary:\n%s", res.Output)
		}
	})
}

// With the default durations, a stop anywhere in the run returns at once.
func TestStopsAtOnceAnywhere(t *testing.T) {
	lessontest.CheckStopsEverywhere(t, Demos(), "hello-tasks", 10*time.Millisecond, lessontest.Stop{After: 5 * time.Millisecond})
}

func TestDurationLimits(t *testing.T) {
	for _, bad := range []string{"1s,5ms", "6s", "1s,,2s", "soon"} {
		if _, err := lessontest.Run(t.Context(), Demos(), "hello-tasks", "durations="+bad); err == nil {
			t.Errorf("durations=%s accepted, want a parameter error", bad)
		}
	}
}
