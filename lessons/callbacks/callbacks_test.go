package callbacks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The whole console of both styles, exactly. Inside a synctest bubble the
// clock is fake: each stage takes exactly its 20ms latency.
func TestOutput(t *testing.T) {
	want := map[string]string{
		"three-stages-callbacks": `[0.00s] stage 1: look up the id of user "alice"
[0.02s]   stage 1 onDone: user id 7 -> stage 2: fetch their order
[0.04s]     stage 2 onDone: order #1024, 3 items -> stage 3: ask for the total
[0.06s]       stage 3 onDone: total 45.90
total 45.90 after 3 stages in 0.06s
`,
		"three-stages-sequential": `[0.00s] stage 1: look up the id of user "alice"
[0.02s] stage 1 returned user id 7 -> stage 2: fetch their order
[0.04s] stage 2 returned order #1024, 3 items -> stage 3: ask for the total
[0.06s] stage 3 returned total 45.90
total 45.90 after 3 stages in 0.06s
`,
	}
	for _, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		t.Run(id, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := run(t, id, "latency=20ms")
				if r.Err != nil {
					t.Fatalf("run error: %v", r.Err)
				}
				if r.Output != want[id] {
					t.Errorf("output:\n%s\nwant:\n%s", r.Output, want[id])
				}
			})
		})
	}
}

// The two styles must agree on the answer, and on the time it takes: the
// same last line.
func TestSameTotal(t *testing.T) {
	var last []string
	for _, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		synctest.Test(t, func(t *testing.T) {
			r := run(t, id, "latency=10ms")
			lines := strings.Split(strings.TrimSpace(r.Output), "\n")
			last = append(last, lines[len(lines)-1])
		})
	}
	if last[0] != last[1] || last[0] != "total 45.90 after 3 stages in 0.03s" {
		t.Errorf("final lines differ or are wrong: %q", last)
	}
}

// Where an injected error surfaces: in callback style, inside the nested
// onError of the failing stage; in sequential style, in main's one check.
// Each stage takes its 10ms, so stage n fails at exactly n×10ms.
func TestFailures(t *testing.T) {
	want := map[string]string{
		"three-stages-callbacks/1": `
[0.00s] stage 1: look up the id of user "alice"
[0.01s]   stage 1 onError saw: stage 1: the user service is unavailable
only stage 1's onError saw the error, at nesting depth 1; no outer handler heard of it (0.01s)`,
		"three-stages-callbacks/2": `
[0.00s] stage 1: look up the id of user "alice"
[0.01s]   stage 1 onDone: user id 7 -> stage 2: fetch their order
[0.02s]     stage 2 onError saw: stage 2: the order service is unavailable
only stage 2's onError saw the error, at nesting depth 2; no outer handler heard of it (0.02s)`,
		"three-stages-callbacks/3": `
[0.00s] stage 1: look up the id of user "alice"
[0.01s]   stage 1 onDone: user id 7 -> stage 2: fetch their order
[0.02s]     stage 2 onDone: order #1024, 3 items -> stage 3: ask for the total
[0.03s]       stage 3 onError saw: stage 3: the pricing service is unavailable
only stage 3's onError saw the error, at nesting depth 3; no outer handler heard of it (0.03s)`,
		"three-stages-sequential/1": `
[0.00s] stage 1: look up the id of user "alice"
[0.01s] main's single error check saw: stage 1: the user service is unavailable
the error was returned up to main and handled there, in one place (0.01s)`,
		"three-stages-sequential/2": `
[0.00s] stage 1: look up the id of user "alice"
[0.01s] stage 1 returned user id 7 -> stage 2: fetch their order
[0.02s] main's single error check saw: stage 2: the order service is unavailable
the error was returned up to main and handled there, in one place (0.02s)`,
		"three-stages-sequential/3": `
[0.00s] stage 1: look up the id of user "alice"
[0.01s] stage 1 returned user id 7 -> stage 2: fetch their order
[0.02s] stage 2 returned order #1024, 3 items -> stage 3: ask for the total
[0.03s] main's single error check saw: stage 3: the pricing service is unavailable
the error was returned up to main and handled there, in one place (0.03s)`,
	}
	for _, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		for stage := 1; stage <= 3; stage++ {
			key := fmt.Sprintf("%s/%d", id, stage)
			t.Run(key, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := run(t, id, fmt.Sprint("fail=", stage), "latency=10ms")
					if got := strings.TrimSpace(r.Output); got != strings.TrimSpace(want[key]) {
						t.Errorf("output:\n%s\nwant:\n%s", got, strings.TrimSpace(want[key]))
					}
					var se *stageError
					if !errors.As(r.Err, &se) || se.stage != stage {
						t.Errorf("run error = %v, want the injected error of stage %d", r.Err, stage)
					}
					checkStages(t, id, r.Events, stage, 10*time.Millisecond)
				})
			})
		}
	}
}

// The timeline: one task per stage, strictly one after another, each one
// latency long; callbacks as points right at the end of their stage.
func TestTimeline(t *testing.T) {
	for _, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		t.Run(id, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := run(t, id, "latency=40ms")
				if r.Err != nil {
					t.Fatalf("run error: %v", r.Err)
				}
				checkStages(t, id, r.Events, 0, 40*time.Millisecond)
			})
		})
	}
}

// checkStages asserts the events of a run where stage failAt failed (0: none).
// The run was in a synctest bubble, so the times are exact: stage n runs
// from (n-1)×latency to n×latency, the next one starting as it ends.
func checkStages(t *testing.T, id string, events []runner.Event, failAt int, latency time.Duration) {
	t.Helper()
	if got := runner.MaxInFlight(events); got != 1 {
		t.Errorf("%d stages in flight at once, want 1: each needs the one before", got)
	}
	last := failAt
	if last == 0 {
		last = 3
	}
	prevEnd := -1.0
	for n := 1; n <= 3; n++ {
		task := fmt.Sprintf("stage %d", n)
		var starts, ends, points []runner.Event
		for _, e := range events {
			if e.Task != task {
				continue
			}
			switch e.Phase {
			case runner.PhaseStart:
				starts = append(starts, e)
			case runner.PhaseEnd:
				ends = append(ends, e)
			case runner.PhasePoint:
				points = append(points, e)
			}
		}
		if n > last {
			if len(starts)+len(ends)+len(points) > 0 {
				t.Errorf("%s ran after stage %d failed", task, failAt)
			}
			continue
		}
		if len(starts) != 1 || len(ends) != 1 {
			t.Fatalf("%s: %d starts and %d ends, want 1 and 1", task, len(starts), len(ends))
		}
		wantStatus, wantPoint := "ok", "onDone"
		if n == failAt {
			wantStatus, wantPoint = "error", "onError"
		}
		if ends[0].Status != wantStatus {
			t.Errorf("%s ended %q, want %q", task, ends[0].Status, wantStatus)
		}
		ms := float64(latency.Milliseconds())
		if d := ends[0].TMs - starts[0].TMs; d != ms {
			t.Errorf("%s took %gms, want exactly its latency %gms", task, d, ms)
		}
		if starts[0].TMs < prevEnd {
			t.Errorf("%s started before the previous stage ended", task)
		}
		if want := float64(n-1) * ms; starts[0].TMs != want {
			t.Errorf("%s started at %gms, want %gms, as the stage before it ended", task, starts[0].TMs, want)
		}
		prevEnd = ends[0].TMs
		switch id {
		case "three-stages-callbacks":
			if len(points) != 1 || points[0].Status != wantPoint || points[0].TMs != ends[0].TMs {
				t.Errorf("%s: callback points %v, want one %q right at the end", task, points, wantPoint)
			}
		default:
			if len(points) != 0 {
				t.Errorf("%s: sequential style has no callbacks, got points %v", task, points)
			}
		}
	}
	handled := 0
	for _, e := range events {
		if e.Task == "main" && e.Phase == runner.PhasePoint {
			handled++
		}
	}
	if want := map[bool]int{true: 1, false: 0}[id == "three-stages-sequential" && failAt > 0]; handled != want {
		t.Errorf("main handled %d errors, want %d", handled, want)
	}
}

// Stop in the middle of stage 2: both styles return at the very instant
// of the stop, with stage 2 the one stage stopped.
func TestStop(t *testing.T) {
	for _, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		t.Run(id, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := lessontest.CheckStop(t, Demos(), id, lessontest.Stop{
					Params: []string{"latency=200ms"}, After: 300 * time.Millisecond})
				var stopped []string
				for _, e := range r.Events {
					if e.Phase == runner.PhaseEnd && e.Status == "stopped" {
						stopped = append(stopped, e.Task)
					}
				}
				if len(stopped) != 1 || stopped[0] != "stage 2" {
					t.Errorf("stages ended as stopped: %v, want [stage 2]", stopped)
				}
				if strings.Contains(r.Output, "total 45.90") {
					t.Errorf("a stopped run printed a total:\n%s", r.Output)
				}
			})
		})
	}
}

// With the default parameters, a stop anywhere in the run returns at once.
func TestStopsAtOnceAnywhere(t *testing.T) {
	for _, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		t.Run(id, func(t *testing.T) {
			lessontest.CheckStopsEverywhere(t, Demos(), id, 10*time.Millisecond, lessontest.Stop{After: 5 * time.Millisecond})
		})
	}
}

func run(t *testing.T, id string, params ...string) lessontest.Result {
	t.Helper()
	return lessontest.MustRun(t, t.Context(), Demos(), id, params...)
}
