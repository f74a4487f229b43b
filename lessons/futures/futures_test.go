package futures

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The default story: the timeout is shorter than the task, so the
// non-blocking read fails, the blocking one times out, then the callback
// fires and the last read works.
func Example_futureSemantics() {
	res, err := lessontest.Run(context.Background(), Demos(), "future-semantics", "task=150ms", "timeout=30ms")
	if err != nil || res.Err != nil {
		fmt.Println(err, res.Err)
	}
	fmt.Print(lessontest.MaskTimes(res.Output))
	// Output:
	// [<t>] task started (needs <t>); Done() = false
	// [<t>] AddDoneCallback: registered, waits for completion
	// [<t>] Result() → error: invalid state: result is not set yet
	// [<t>] ResultWait(<t>) blocks...
	// [<t>] ResultWait(<t>) → error: timeout: result still not set; the task keeps running
	// [<t>] task finishes: SetResult(42)
	// [<t>] callback fired: Done() = true, Result() → 42
	// [<t>] Result() → 42, without waiting: Done() = true
}

var stampRE = regexp.MustCompile(`(?m)^\[(\d+\.\d\d)s\] (.*)$`)

// stamp finds the first printed step starting with prefix and returns its
// time in seconds.
func stamp(t *testing.T, out, prefix string) float64 {
	t.Helper()
	for _, m := range stampRE.FindAllStringSubmatch(out, -1) {
		if strings.HasPrefix(m[2], prefix) {
			sec, _ := strconv.ParseFloat(m[1], 64)
			return sec
		}
	}
	t.Fatalf("no line starting %q in\n%s", prefix, out)
	return 0
}

func TestStepsHappenWhenTheyShould(t *testing.T) {
	res, err := lessontest.Run(t.Context(), Demos(), "future-semantics", "task=200ms", "timeout=50ms")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	out := res.Output
	if s := stamp(t, out, "Result() → error: invalid state"); s > 0.02 {
		t.Errorf("the non-blocking read came at %.2fs; it must not wait", s)
	}
	if s := stamp(t, out, "ResultWait(50ms) → error: timeout"); s < 0.05 || s > 0.15 {
		t.Errorf("the blocking read gave up at %.2fs, want just after the 50ms timeout", s)
	}
	for _, step := range []string{"task finishes", "callback fired", "Result() → 42"} {
		if s := stamp(t, out, step); s < 0.20 || s > 0.30 {
			t.Errorf("%q at %.2fs, want just after the task's 200ms", step, s)
		}
	}
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
	res, err := lessontest.Run(t.Context(), Demos(), "future-semantics", "task=100ms", "timeout=20ms")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
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
	// and the callback fires only after it.
	var order []string
	for _, e := range res.Events {
		order = append(order, e.Task+" "+e.Phase)
	}
	idx := func(s string) int { return slices.Index(order, s) }
	if !(idx("ResultWait end") < idx("task end") && idx("task end") < idx("callback point")) {
		t.Errorf("events in order %v", order)
	}
}

// With a timeout longer than the task, the blocking read gets the value.
// It wakes in the main goroutine while the callback runs in the task's, so
// those two lines may come in either order: compare them as a set.
func TestLongTimeoutGetsTheValue(t *testing.T) {
	res, err := lessontest.Run(t.Context(), Demos(), "future-semantics", "task=60ms", "timeout=2s")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	lines := strings.Split(strings.TrimSuffix(lessontest.MaskTimes(res.Output), "\n"), "\n")
	slices.Sort(lines)
	want := []string{
		"[<t>] AddDoneCallback: registered, waits for completion",
		"[<t>] Result() → 42, without waiting: Done() = true",
		"[<t>] Result() → error: invalid state: result is not set yet",
		"[<t>] ResultWait(<t>) blocks...",
		"[<t>] ResultWait(<t>) → 42",
		"[<t>] callback fired: Done() = true, Result() → 42",
		"[<t>] task finishes: SetResult(42)",
		"[<t>] task started (needs <t>); Done() = false",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("lines (sorted)\n got %q\nwant %q", lines, want)
	}
	if s := stamp(t, res.Output, "ResultWait(2s) → 42"); s > 0.5 {
		t.Errorf("the blocking read returned at %.2fs; it should wake when the task completes at 0.06s", s)
	}
	if got := lanes(res.Events)["ResultWait"]; !slices.Equal(got, []string{"start:", "end:ok"}) {
		t.Errorf("ResultWait lane = %v", got)
	}
}

// Stopping works both while main blocks in ResultWait and after it has
// given up, while main waits for the task.
func TestStop(t *testing.T) {
	for _, timeout := range []string{"5s", "10ms"} {
		t.Run("timeout="+timeout, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(80*time.Millisecond, cancel)
			start := time.Now()
			res, err := lessontest.Run(ctx, Demos(), "future-semantics", "task=5s", "timeout="+timeout)
			if err != nil {
				t.Fatal(err)
			}
			if late := time.Since(start) - 80*time.Millisecond; late > lessontest.StopBound {
				t.Errorf("returned %v after stop, later than lessontest.StopBound", late)
			}
			if res.Err != runner.ErrStopped {
				t.Errorf("err = %v, want %v", res.Err, runner.ErrStopped)
			}
			if got := lanes(res.Events)["task"]; !slices.Equal(got, []string{"start:", "end:cancelled"}) {
				t.Errorf("task lane = %v, want it cancelled", got)
			}
			if strings.Contains(res.Output, "Result() → 42") {
				t.Errorf("a stopped run still produced the answer:\n%s", res.Output)
			}
		})
	}
}

func TestParamLimits(t *testing.T) {
	for _, bad := range [][]string{{"task=10ms"}, {"task=6s"}, {"timeout=5ms"}, {"timeout=6s"}, {"wait=1s"}} {
		if _, err := lessontest.Run(t.Context(), Demos(), "future-semantics", bad...); err == nil {
			t.Errorf("%v accepted, want a parameter error", bad)
		}
	}
}
