package structured

import (
	"fmt"
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

// The demos wait only on timers: inside a synctest bubble every printed
// time and every event is exact, and a stop is answered at its very
// instant.

// golden is one run with its whole console and how long it took.
type golden struct {
	id     string
	params []string
	took   time.Duration
	want   string
}

var goldens = []golden{
	{"group-cancel", nil, 400 * time.Millisecond, `download 1: ok (0.20s)
download 2: failed (0.40s): server said 500
download 3: cancelled (0.40s)
download 4: cancelled (0.40s)
first error: download 2: server said 500 (0.40s)
`},
	{"group-cancel", []string{"mode=collect"}, 800 * time.Millisecond, `download 1: ok (0.20s)
download 2: failed (0.40s): server said 500
download 3: ok (0.60s)
download 4: ok (0.80s)
first error: download 2: server said 500 (0.80s)
`},
	{"group-cancel", []string{"fail=0"}, 800 * time.Millisecond, `download 1: ok (0.20s)
download 2: ok (0.40s)
download 3: ok (0.60s)
download 4: ok (0.80s)
first error: none (0.80s)
`},
	// Two at a time: the failure at 0.20s frees a slot, the third starts
	// and is cancelled at once, the fourth never starts.
	{"group-cancel", []string{"limit=2", "fail=1"}, 200 * time.Millisecond, `download 1: failed (0.20s): server said 500
download 2: cancelled (0.20s)
download 3: cancelled (0.20s)
download 4: not started
first error: download 1: server said 500 (0.20s)
`},
	// One at a time: 0.2s, then 0.4s more, then the third fails 0.6s later.
	{"group-cancel", []string{"limit=1", "fail=3", "step=100ms"}, 600 * time.Millisecond, `download 1: ok (0.10s)
download 2: ok (0.30s)
download 3: failed (0.60s): server said 500
download 4: cancelled (0.60s)
first error: download 3: server said 500 (0.60s)
`},
	{"group-cancel", []string{"mode=collect", "limit=1", "fail=4", "step=100ms"}, time.Second, `download 1: ok (0.10s)
download 2: ok (0.30s)
download 3: ok (0.60s)
download 4: failed (1.00s): server said 500
first error: download 4: server said 500 (1.00s)
`},
	{"deadline", nil, 200 * time.Millisecond, `[0.00s] work needs 300ms, timeout 200ms (timeout)
[0.20s] work: cancelled
[0.20s] wait: timed out
`},
	{"deadline", []string{"how=wait_for"}, 200 * time.Millisecond, `[0.00s] work needs 300ms, timeout 200ms (wait_for)
[0.20s] work: cancelled
[0.20s] wait: timed out
`},
	{"deadline", []string{"how=shield"}, 300 * time.Millisecond, `[0.00s] work needs 300ms, timeout 200ms (shield)
[0.20s] wait: timed out; the work goes on
[0.30s] work: done, 42
[0.30s] later: the work's answer is 42
`},
	{"deadline", []string{"how=timeout", "work=100ms"}, 100 * time.Millisecond, `[0.00s] work needs 100ms, timeout 200ms (timeout)
[0.10s] work: done, 42
[0.10s] wait: got 42
`},
	{"deadline", []string{"how=shield", "work=100ms"}, 100 * time.Millisecond, `[0.00s] work needs 100ms, timeout 200ms (shield)
[0.10s] work: done, 42
[0.10s] wait: got 42
`},
	{"first-reply", nil, 100 * time.Millisecond, `[0.10s] first reply: mirror 2
[0.10s] every mirror has returned
`},
	{"first-reply", []string{"delays=50ms,20ms,1s,30ms,40ms"}, 20 * time.Millisecond, `[0.02s] first reply: mirror 2
[0.02s] every mirror has returned
`},
}

func TestGoldenConsoles(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.id+" "+strings.Join(g.params, " "), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.MustRun(t, t.Context(), Demos(), g.id, g.params...)
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				if res.Output != g.want {
					t.Errorf("output:\n%s\nwant:\n%s", res.Output, g.want)
				}
				if res.Elapsed != g.took {
					t.Errorf("took %v, want %v", res.Elapsed, g.took)
				}
			})
		})
	}
}

// timeline is a run's events as "12ms task phase status" lines.
func timeline(events []runner.Event) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%gms %s %s %s\n", e.TMs, e.Task, e.Phase, e.Status)
	}
	return b.String()
}

// The timelines, event for event: who starts when, who ends how.
func TestTimelines(t *testing.T) {
	for _, c := range []struct {
		id     string
		params []string
		want   string
	}{
		// Every download starts at once; the failure at 400ms ends the
		// other two and the Wait on the same instant (they are told in
		// the order the goroutines happen to run: compared sorted).
		{"group-cancel", nil, `0ms Wait start 
0ms download 1 start 
0ms download 2 start 
0ms download 3 start 
0ms download 4 start 
200ms download 1 end ok
400ms Wait end error
400ms download 2 end failed
400ms download 3 end cancelled
400ms download 4 end cancelled
`},
		{"group-cancel", []string{"limit=2", "fail=1"}, `0ms download 1 start 
0ms download 2 start 
200ms Wait end error
200ms Wait start 
200ms download 1 end failed
200ms download 2 end cancelled
200ms download 3 end cancelled
200ms download 3 start 
`},
		{"deadline", []string{"how=shield"}, `0ms wait start 
0ms work start 
200ms wait end timeout
300ms work end ok
`},
		{"deadline", []string{"how=wait_for"}, `0ms wait start 
0ms work start 
200ms wait end timeout
200ms work end cancelled
`},
		{"first-reply", nil, `0ms mirror 1 start 
0ms mirror 2 start 
0ms mirror 3 start 
100ms mirror 1 end cancelled
100ms mirror 2 end ok
100ms mirror 3 end cancelled
`},
	} {
		t.Run(c.id+" "+strings.Join(c.params, " "), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.MustRun(t, t.Context(), Demos(), c.id, c.params...)
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				if got := sortLines(timeline(res.Events)); got != c.want {
					t.Errorf("timeline (sorted):\n%s\nwant:\n%s", got, c.want)
				}
			})
		})
	}
}

func sortLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}

// A stop returns at its very instant, wherever it falls, in every mode.
func TestStopsAnywhere(t *testing.T) {
	for _, c := range []struct {
		id     string
		params []string
	}{
		{"group-cancel", nil}, {"group-cancel", []string{"mode=collect"}}, {"group-cancel", []string{"limit=1", "fail=0"}},
		{"deadline", nil}, {"deadline", []string{"how=wait_for"}}, {"deadline", []string{"how=shield"}},
		{"first-reply", []string{"delays=300ms,100ms,200ms"}},
	} {
		t.Run(c.id+" "+strings.Join(c.params, " "), func(t *testing.T) {
			lessontest.CheckStopsEverywhere(t, Demos(), c.id, 10*time.Millisecond,
				lessontest.Stop{Params: c.params, After: 5 * time.Millisecond})
		})
	}
}

// Stopped, a demo prints nothing more: no outcome list, no timeout line.
func TestStopPrintsNoVerdict(t *testing.T) {
	for _, c := range []struct {
		id, must string
	}{
		{"group-cancel", "first error"}, {"deadline", "wait:"}, {"first-reply", "first reply"},
	} {
		synctest.Test(t, func(t *testing.T) {
			res := lessontest.CheckStop(t, Demos(), c.id, lessontest.Stop{After: 55 * time.Millisecond})
			if strings.Contains(res.Output, c.must) {
				t.Errorf("%s stopped at 55ms printed %q:\n%s", c.id, c.must, res.Output)
			}
		})
	}
}
