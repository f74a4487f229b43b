package multireq

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The asyncio program of flags-metadata, run as the server runs it when a
// learner picks Python, against the real built-in flag site: the same
// files saved under the same names (completion order sorted, times
// masked), the same summary, failures reported as in Go, the timeline's
// requests ended the same way and never more than limit at once, and a
// stop or time limit that ends the process within 100ms.
func TestPython(t *testing.T) {
	base := &flagserver.Config{}
	missing := &flagserver.Config{NotFound: []string{"CD", "IR"}}
	var cases []lessontest.PythonCase
	for _, tc := range []struct{ limit, pair string }{{"5", "serial"}, {"3", "parallel"}} {
		cases = append(cases, lessontest.PythonCase{ID: "flags-metadata", Flags: base,
			Params: []string{"limit=" + tc.limit, "latency=5ms", "pair=" + tc.pair},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				files, summary := lines(t, run.Output)
				if !slices.Equal(files, savedLines) {
					t.Errorf("%s: saved lines:\n%s\nwant:\n%s", tc.pair, strings.Join(files, "\n"), strings.Join(savedLines, "\n"))
				}
				if want := "20 files saved in <t> (40 requests, at most " + tc.limit + " at a time)"; summary != want {
					t.Errorf("%s: summary = %q, want %q", tc.pair, summary, want)
				}
				limit, _ := strconv.Atoi(tc.limit)
				checkEvents(t, run.Events, limit, allOK())
				if got := runner.MaxInFlight(run.Events); got != limit {
					t.Errorf("%s: at most %d requests at once, want limit %s", tc.pair, got, tc.limit)
				}
				if codes := savePoints(run.Events); len(codes) != 20 {
					t.Errorf("%s: save points %v, want one per country", tc.pair, codes)
				}
			}})
	}
	for _, pair := range []string{"serial", "parallel"} {
		cases = append(cases, lessontest.PythonCase{ID: "flags-metadata", Flags: missing,
			Params: []string{"limit=4", "latency=0s", "pair=" + pair}, SameTasks: true,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				files, summary := lines(t, run.Output)
				var want []string
				for _, l := range savedLines {
					if !strings.Contains(l, "--CD.") && !strings.Contains(l, "--IR.") {
						want = append(want, l)
					}
				}
				want = append(want, "[<t>] CD failed: cd.gif: HTTP 404", "[<t>] IR failed: ir.gif: HTTP 404")
				slices.Sort(want)
				if !slices.Equal(files, want) {
					t.Errorf("%s: lines:\n%s\nwant:\n%s", pair, strings.Join(files, "\n"), strings.Join(want, "\n"))
				}
				if w := "18 files saved in <t> (40 requests, at most 4 at a time), 2 failed"; summary != w {
					t.Errorf("%s: summary = %q, want %q", pair, summary, w)
				}
			}})
	}
	for _, pair := range []string{"serial", "parallel"} {
		cases = append(cases, lessontest.PythonCase{ID: "flags-metadata", Flags: base,
			Params: []string{"limit=3", "latency=2s", "pair=" + pair}, Stop: 150 * time.Millisecond,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if strings.Contains(run.Output, "files saved") {
					t.Errorf("%s: a stopped run printed a summary:\n%s", pair, run.Output)
				}
				if got := runner.MaxInFlight(run.Events); got != 3 {
					t.Errorf("%s: MaxInFlight = %d, want 3", pair, got)
				}
			}})
	}
	cases = append(cases, lessontest.PythonCase{ID: "flags-metadata", Flags: base,
		Params: []string{"limit=1", "latency=2s"}, TimeLimit: time.Second})
	lessontest.PythonTable(t, Demos(), Files, cases)
}
