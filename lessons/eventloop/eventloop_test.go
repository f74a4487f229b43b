package eventloop

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

func Example_helloTasks() {
	res, err := lessontest.Run(context.Background(), Demos(), "hello-tasks", "durations=90ms,30ms,60ms")
	if err != nil || res.Err != nil {
		fmt.Println(err, res.Err)
	}
	fmt.Print(lessontest.MaskTimes(sortStarts(res.Output)))
	// Output:
	// [<t>] task 1 starts (sleeps <t>)
	// [<t>] task 2 starts (sleeps <t>)
	// [<t>] task 3 starts (sleeps <t>)
	// [<t>] task 2 done
	// [<t>] task 3 done
	// [<t>] task 1 done
	// results in submission order: [task 1 slept <t>, task 2 slept <t>, task 3 slept <t>]
	// total <t> — the longest task, not the sum (<t>)
}

// stamped reads "[1.23s] task 2 done" lines into task → seconds.
var stamped = regexp.MustCompile(`(?m)^\[(\d+\.\d\d)s\] (task \d+) (starts|done)`)

func TestTimingIsTheLongestNotTheSum(t *testing.T) {
	res, err := lessontest.Run(t.Context(), Demos(), "hello-tasks", "durations=50ms,100ms,150ms")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	want := map[string]float64{"task 1": 0.05, "task 2": 0.10, "task 3": 0.15}
	done := map[string]float64{}
	for _, m := range stamped.FindAllStringSubmatch(res.Output, -1) {
		sec, _ := strconv.ParseFloat(m[1], 64)
		switch m[3] {
		case "starts":
			if sec > 0.02 {
				t.Errorf("%s started at %.2fs, want all tasks to start together at 0", m[2], sec)
			}
		case "done":
			done[m[2]] = sec
		}
	}
	for task, d := range want {
		got, ok := done[task]
		if !ok {
			t.Errorf("no done line for %s in\n%s", task, res.Output)
			continue
		}
		if got < d || got > d+0.08 {
			t.Errorf("%s done at %.2fs, want just after %.2fs", task, got, d)
		}
	}

	total := regexp.MustCompile(`total (\d+\.\d\d)s — the longest task, not the sum \(0\.30s\)\n$`).FindStringSubmatch(res.Output)
	if total == nil {
		t.Fatalf("no closing line with the sum 0.30s in\n%s", res.Output)
	}
	if sec, _ := strconv.ParseFloat(total[1], 64); sec < 0.15 || sec > 0.25 {
		t.Errorf("total %.2fs, want about the longest task (0.15s), well under the sum", sec)
	}
	if !strings.Contains(res.Output, "results in submission order: [task 1 slept 50ms, task 2 slept 100ms, task 3 slept 150ms]\n") {
		t.Errorf("results line missing or out of order in\n%s", res.Output)
	}
}

func TestResultsKeepSubmissionOrder(t *testing.T) {
	res, err := lessontest.Run(t.Context(), Demos(), "hello-tasks", "durations=90ms,30ms,60ms")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
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
}

func TestEventsOneLanePerTaskAllAtOnce(t *testing.T) {
	res, err := lessontest.Run(t.Context(), Demos(), "hello-tasks", "durations=20ms,20ms,20ms,20ms")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	if got := runner.MaxInFlight(res.Events); got != 4 {
		t.Errorf("max in flight = %d, want all 4 tasks waiting at once", got)
	}
	phases := map[string][]string{}
	for _, e := range res.Events {
		phases[e.Task] = append(phases[e.Task], e.Phase+":"+e.Status)
	}
	for i := 1; i <= 4; i++ {
		task := fmt.Sprintf("task %d", i)
		if want := []string{"start:", "end:ok"}; !slices.Equal(phases[task], want) {
			t.Errorf("%s events = %v, want %v", task, phases[task], want)
		}
	}
	if len(phases) != 4 {
		t.Errorf("lanes = %v, want exactly task 1..4", phases)
	}
}

func TestStopReturnsQuickly(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(60*time.Millisecond, cancel)
	start := time.Now()
	res, err := lessontest.Run(ctx, Demos(), "hello-tasks", "durations=5s,10ms")
	if err != nil {
		t.Fatal(err)
	}
	if late := time.Since(start) - 60*time.Millisecond; late > lessontest.StopBound {
		t.Errorf("returned %v after stop, later than lessontest.StopBound", late)
	}
	if res.Err != runner.ErrStopped {
		t.Errorf("err = %v, want %v", res.Err, runner.ErrStopped)
	}
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
}

func TestDurationLimits(t *testing.T) {
	for _, bad := range []string{"1s,5ms", "6s", "1s,,2s", "soon"} {
		if _, err := lessontest.Run(t.Context(), Demos(), "hello-tasks", "durations="+bad); err == nil {
			t.Errorf("durations=%s accepted, want a parameter error", bad)
		}
	}
}
