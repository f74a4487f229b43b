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
func TestPythonFlagsMetadata(t *testing.T) {
	in := lessontest.FindPython(t)
	py := lessontest.Python(t, in, Demos(), Files, "flags-metadata")
	base := lessontest.FlagServer(t, flagserver.Config{})
	missing := lessontest.FlagServer(t, flagserver.Config{NotFound: []string{"CD", "IR"}})

	for _, tc := range []struct{ limit, pair string }{{"5", "serial"}, {"3", "parallel"}} {
		res := lessontest.MustRunAt(t, t.Context(), base, py, "flags-metadata", "limit="+tc.limit, "latency=5ms", "pair="+tc.pair)
		if res.Err != nil {
			t.Fatalf("%v\n%s", res.Err, res.Output)
		}
		files, summary := lines(t, res.Output)
		if !slices.Equal(files, savedLines) {
			t.Errorf("%s: saved lines:\n%s\nwant:\n%s", tc.pair, strings.Join(files, "\n"), strings.Join(savedLines, "\n"))
		}
		if want := "20 files saved in <t> (40 requests, at most " + tc.limit + " at a time)"; summary != want {
			t.Errorf("%s: summary = %q, want %q", tc.pair, summary, want)
		}
		limit, _ := strconv.Atoi(tc.limit)
		checkEvents(t, res.Events, limit, allOK())
		if got := runner.MaxInFlight(res.Events); got != limit {
			t.Errorf("%s: at most %d requests at once, want limit %s", tc.pair, got, tc.limit)
		}
		if codes := savePoints(res.Events); len(codes) != 20 {
			t.Errorf("%s: save points %v, want one per country", tc.pair, codes)
		}
	}

	for _, pair := range []string{"serial", "parallel"} {
		params := []string{"limit=4", "latency=0s", "pair=" + pair}
		res := lessontest.MustRunAt(t, t.Context(), missing, py, "flags-metadata", params...)
		if res.Err != nil {
			t.Fatalf("%v\n%s", res.Err, res.Output)
		}
		files, summary := lines(t, res.Output)
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
		goRes := lessontest.MustRunAt(t, t.Context(), missing, Demos(), "flags-metadata", params...)
		lessontest.CheckSameTasks(t, goRes.Events, res.Events)
	}

	for _, pair := range []string{"serial", "parallel"} {
		res := lessontest.CheckStopBestOf3(t, py, "flags-metadata", lessontest.Stop{FlagsURL: base,
			Params: []string{"limit=3", "latency=2s", "pair=" + pair}, After: 150 * time.Millisecond, Within: lessontest.PythonStopBound})
		if strings.Contains(res.Output, "files saved") {
			t.Errorf("%s: a stopped run printed a summary:\n%s", pair, res.Output)
		}
		if got := runner.MaxInFlight(res.Events); got != 3 {
			t.Errorf("%s: MaxInFlight = %d, want 3", pair, got)
		}
	}
	lessontest.CheckTimeLimit(t, py, "flags-metadata", lessontest.Stop{FlagsURL: base,
		Params: []string{"limit=1", "latency=2s"}, After: time.Second, Within: lessontest.PythonStopBound})
}
