package flags

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server starts a flag server for one test (or example) and returns its URL
// and a function that stops it.
func server(cfg flagserver.Config) (string, func()) {
	url, stop, err := lessontest.StartFlagServer(cfg)
	if err != nil {
		panic(err) // only a broken flag table gets here
	}
	return url, stop
}

func run(t *testing.T, ctx context.Context, base, id string, params ...string) lessontest.Result {
	t.Helper()
	return lessontest.MustRunAt(t, ctx, base, Demos(), id, params...)
}

func Example_sequential() {
	base, stop := server(flagserver.Config{})
	defer stop()
	res, _ := lessontest.RunAt(context.Background(), base, Demos(), "flags-sequential", "latency=1ms")
	fmt.Print(lessontest.Screen(lessontest.MaskTimes(res.Output)), res.Err)
	// Output:
	// CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR
	// 20 flags downloaded in <t>
	// <nil>
}

func Example_sequentialWithA404() {
	// The server pretends Japan has no flag; the demo says so and goes on.
	base, stop := server(flagserver.Config{NotFound: []string{"JP"}})
	defer stop()
	res, _ := lessontest.RunAt(context.Background(), base, Demos(), "flags-sequential", "count=12", "latency=0s")
	fmt.Print(lessontest.Screen(lessontest.MaskTimes(res.Output)), res.Err)
	// Output:
	// CN IN US ID BR PK NG BD RU JP(404) MX PH
	// 11 flags downloaded in <t>, 1 failed
	// <nil>
}

// codes returns the codes printed on the first line, sorted.
func codes(out string) []string {
	first, _, _ := strings.Cut(out, "\n")
	list := strings.Fields(first)
	slices.Sort(list)
	return list
}

func TestConcurrentPrintsEveryCodeOnce(t *testing.T) {
	base, stop := server(flagserver.Config{})
	defer stop()
	res := run(t, t.Context(), base, "flags-concurrent", "latency=20ms")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var want []string
	for _, c := range flagserver.Countries()[:20] {
		want = append(want, c.Code)
	}
	slices.Sort(want)
	if got := codes(res.Output); !slices.Equal(got, want) {
		t.Errorf("printed codes %v, want %v", got, want)
	}
	_, summary, _ := strings.Cut(res.Output, "\n")
	if got := lessontest.MaskTimes(summary); got != "20 flags downloaded in <t>\n" {
		t.Errorf("summary %q", got)
	}
}

// checkTasks asserts every downloaded country is one task that started and
// ended once with status ok, and returns the most tasks open at once.
func checkTasks(t *testing.T, events []runner.Event, count int) int {
	t.Helper()
	starts, ends := map[string]int{}, map[string]string{}
	for _, e := range events {
		switch e.Phase {
		case runner.PhaseStart:
			starts[e.Task]++
		case runner.PhaseEnd:
			ends[e.Task] = e.Status
		}
	}
	for _, c := range flagserver.Countries()[:count] {
		if starts[c.Code] != 1 || ends[c.Code] != "ok" {
			t.Errorf("task %s: %d starts, end status %q", c.Code, starts[c.Code], ends[c.Code])
		}
	}
	if len(starts) != count {
		t.Errorf("%d tasks, want %d", len(starts), count)
	}
	return runner.MaxInFlight(events)
}

func TestTimingAndTimeline(t *testing.T) {
	const latency = 30 * time.Millisecond
	base, stop := server(flagserver.Config{})
	defer stop()

	begin := time.Now()
	res := run(t, t.Context(), base, "flags-sequential", "count=8", "latency="+latency.String())
	seq := time.Since(begin)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if n := checkTasks(t, res.Events, 8); n != 1 {
		t.Errorf("sequential: %d downloads in flight at once, want 1", n)
	}
	if seq < 8*latency {
		t.Errorf("sequential: 8 flags at %v each took only %v", latency, seq)
	}

	begin = time.Now()
	res = run(t, t.Context(), base, "flags-concurrent", "count=20", "latency=100ms")
	conc := time.Since(begin)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if n := checkTasks(t, res.Events, 20); n != 20 {
		t.Errorf("concurrent: at most %d downloads in flight at once, want all 20", n)
	}
	if conc < 100*time.Millisecond || conc > 600*time.Millisecond {
		t.Errorf("concurrent: 20 flags at 100ms took %v, want about 100ms", conc)
	}
	t.Logf("sequential 8×%v: %v; concurrent 20×100ms: %v", latency, seq, conc)
}

func TestStopIsPrompt(t *testing.T) {
	base, stop := server(flagserver.Config{})
	defer stop()
	for _, id := range []string{"flags-sequential", "flags-concurrent"} {
		t.Run(id, func(t *testing.T) {
			res := lessontest.CheckStop(t, Demos(), id, lessontest.Stop{FlagsURL: base,
				Params: []string{"latency=2s"}, After: 150 * time.Millisecond, Within: lessontest.StopBound})
			if len(res.Events) == 0 {
				t.Fatal("no events")
			}
			// The last event is the end of an abandoned download, within
			// 100ms of the stop (asked for at 150ms; a busy machine
			// delivers it later).
			last := res.Events[len(res.Events)-1]
			bound := float64((res.At + lessontest.StopBound).Microseconds()) / 1000
			if last.Phase != runner.PhaseEnd || last.Status != "stopped" || last.TMs > bound {
				t.Errorf("last event %+v, want a download stopped within 100ms of the stop at %v", last, res.At)
			}
		})
	}
}
