package semaphore

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The asyncio program of flags-semaphore (asyncio.Semaphore, as_completed),
// run as the server runs it when a learner picks Python, against the real
// built-in flag site with the same query as the Go demo: the same results
// for the same seed (so the same console, sorted and times masked), the
// same tallies as the server's own answers, never more than limit
// downloads on the timeline, ⌈20/limit⌉ latencies in all, and a stop or
// time limit that ends it within 100ms.
func TestPython(t *testing.T) {
	base := &flagserver.Config{}
	// The Go demo's console, word for word.
	cases := []lessontest.PythonCase{{ID: "flags-semaphore", Flags: base, Params: []string{"latency=0s"}, SameTasks: true,
		Check: func(t *testing.T, run lessontest.PythonRun) {
			if got := sortResults(run.Output); got != defaultConsole {
				t.Errorf("output:\n%s\nwant:\n%s", got, defaultConsole)
			}
		}}}
	for _, tc := range []struct {
		rate    float64
		missing string
		seed    int
	}{{0, "none", 1}, {0, "CD,IR,TR,VN", 1}, {1, "CD,IR", 1}, {0.5, "CD", 7}} {
		cfg := flagserver.Config{ErrorRate: tc.rate, Seed: int64(tc.seed)}
		if tc.missing != "none" {
			cfg.NotFound = strings.Split(tc.missing, ",")
		}
		cases = append(cases, lessontest.PythonCase{ID: "flags-semaphore", Flags: base,
			Params: []string{"latency=1ms", "limit=4", fmt.Sprint("error_rate=", tc.rate), "missing=" + tc.missing, fmt.Sprint("seed=", tc.seed)},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if got, oracle := summary.FindString(run.Output), expected(t, run.FlagsURL, cfg); got != oracle {
					t.Errorf("rate %v, missing %s, seed %d: the program tallies %q, the server says %q", tc.rate, tc.missing, tc.seed, got, oracle)
				}
			}})
	}
	const latency = 20 * time.Millisecond
	for _, limit := range []int{1, 5, 20} {
		cases = append(cases, lessontest.PythonCase{ID: "flags-semaphore", Flags: base,
			Params: []string{fmt.Sprint("limit=", limit), "latency=" + latency.String(), "error_rate=0", "missing=none"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if got := runner.MaxInFlight(run.Events); got != limit {
					t.Errorf("limit %d: max in flight %d, want %d", limit, got, limit)
				}
				for task, s := range lessontest.Tasks(run.Events) {
					if s.Starts != 1 || s.End != "ok" {
						t.Errorf("limit %d: task %s: %v", limit, task, s)
					}
				}
				if !strings.Contains(run.Output, fmt.Sprintf("at most %d requests in flight (limit %d)", limit, limit)) {
					t.Errorf("limit %d: summary does not report %d in flight:\n%s", limit, limit, run.Output)
				}
				m := regexp.MustCompile(`20 flags in (\d+\.\d\d)s`).FindStringSubmatch(run.Output)
				if m == nil {
					t.Fatalf("no summary in\n%s", run.Output)
				}
				took, _ := strconv.ParseFloat(m[1], 64)
				waves := math.Ceil(20 / float64(limit))
				if ideal := waves * latency.Seconds(); took < ideal-0.005 {
					t.Errorf("limit %d: %.2fs, faster than %v waves of %v", limit, took, waves, latency)
				}
			}})
	}
	cases = append(cases,
		lessontest.PythonCase{ID: "flags-semaphore", Flags: base, Params: []string{"limit=2", "latency=2s"}, Stop: 150 * time.Millisecond,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if strings.Contains(run.Output, "ok,") {
					t.Errorf("a stopped run printed a summary:\n%s", run.Output)
				}
				// Two downloads were in flight when the process was killed; the
				// 18 queued never started.
				if got := runner.MaxInFlight(run.Events); got != 2 {
					t.Errorf("max in flight %d, want 2", got)
				}
			}},
		lessontest.PythonCase{ID: "flags-semaphore", Flags: base, Params: []string{"limit=1", "latency=2s"}, TimeLimit: time.Second})
	lessontest.PythonTable(t, Demos(), Files, cases)
}
