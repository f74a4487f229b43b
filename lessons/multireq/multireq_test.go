package multireq

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
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

// server starts a flag server for one test.
func run(t *testing.T, ctx context.Context, base string, params ...string) lessontest.Result {
	t.Helper()
	return lessontest.MustRunAt(t, ctx, base, Demos(), "flags-metadata", params...)
}

// savedLines are the file names printed as files were saved, sorted (they
// come in completion order).
var savedLines = []string{
	"[<t>] Bangladesh--BD.gif",
	"[<t>] Brazil--BR.gif",
	"[<t>] China--CN.gif",
	"[<t>] Democratic_Republic_of_the_Congo--CD.gif",
	"[<t>] Egypt--EG.gif",
	"[<t>] Ethiopia--ET.gif",
	"[<t>] France--FR.gif",
	"[<t>] Germany--DE.gif",
	"[<t>] India--IN.gif",
	"[<t>] Indonesia--ID.gif",
	"[<t>] Iran--IR.gif",
	"[<t>] Japan--JP.gif",
	"[<t>] Mexico--MX.gif",
	"[<t>] Nigeria--NG.gif",
	"[<t>] Pakistan--PK.gif",
	"[<t>] Philippines--PH.gif",
	"[<t>] Russia--RU.gif",
	"[<t>] Turkey--TR.gif",
	"[<t>] United_States--US.gif",
	"[<t>] Vietnam--VN.gif",
}

// lines splits masked output into its file lines (sorted) and its last line.
func lines(t *testing.T, out string) (files []string, summary string) {
	t.Helper()
	all := strings.Split(strings.TrimSuffix(lessontest.MaskTimes(out), "\n"), "\n")
	files, summary = all[:len(all)-1], all[len(all)-1]
	slices.Sort(files)
	return files, summary
}

// checkEvents asserts the timeline: every request a start and an end with
// the given status, never more than limit at once, one save point per file.
func checkEvents(t *testing.T, events []runner.Event, limit int, wantStatus map[string]string) {
	t.Helper()
	if got := runner.MaxInFlight(events); got > limit || got < 1 {
		t.Errorf("MaxInFlight = %d, want 1..%d", got, limit)
	}
	starts, ends := map[string]int{}, map[string]string{}
	for _, e := range events {
		switch e.Phase {
		case runner.PhaseStart:
			starts[e.Task]++
		case runner.PhaseEnd:
			if _, twice := ends[e.Task]; twice {
				t.Errorf("task %q ended twice", e.Task)
			}
			ends[e.Task] = e.Status
		}
	}
	for task, status := range wantStatus {
		if starts[task] != 1 || ends[task] != status {
			t.Errorf("task %q: %d starts, end status %q; want 1 start, end %q", task, starts[task], ends[task], status)
		}
	}
	if len(starts) != len(wantStatus) || len(ends) != len(wantStatus) {
		t.Errorf("%d tasks started, %d ended; want %d", len(starts), len(ends), len(wantStatus))
	}
}

// allOK is every request of a run without failures.
func allOK() map[string]string {
	want := map[string]string{}
	for _, c := range flagserver.Countries()[:20] {
		want[c.Code+" gif"] = "ok"
		want[c.Code+" meta"] = "ok"
	}
	return want
}

func savePoints(events []runner.Event) []string {
	var codes []string
	for _, e := range events {
		if e.Task == "files" && e.Phase == runner.PhasePoint {
			codes = append(codes, e.Status)
		}
	}
	slices.Sort(codes)
	return codes
}

func TestFlagsMetadata(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	for _, tc := range []struct {
		limit, pair string
		max         int
	}{
		{"5", "serial", 5},
		{"5", "parallel", 5},
		{"1", "serial", 1},
		{"3", "parallel", 3},
		{"100", "parallel", 40},
	} {
		t.Run(tc.limit+"-"+tc.pair, func(t *testing.T) {
			res := run(t, t.Context(), base, "limit="+tc.limit, "latency=5ms", "pair="+tc.pair)
			if res.Err != nil {
				t.Fatalf("err = %v\n%s", res.Err, res.Output)
			}
			files, summary := lines(t, res.Output)
			if !slices.Equal(files, savedLines) {
				t.Errorf("saved lines:\n%s\nwant:\n%s", strings.Join(files, "\n"), strings.Join(savedLines, "\n"))
			}
			want := "20 files saved in <t> (40 requests, at most " + tc.limit + " at a time)"
			if summary != want {
				t.Errorf("summary = %q, want %q", summary, want)
			}
			checkEvents(t, res.Events, tc.max, allOK())
			codes := savePoints(res.Events)
			if len(codes) != 20 {
				t.Errorf("save points %v, want one per country", codes)
			}
		})
	}
}

// With room for every request, parallel pairs really overlap: all 40 at once.
func TestParallelPairsOverlap(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "limit=100", "latency=100ms", "pair=parallel")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := runner.MaxInFlight(res.Events); got != 40 {
		t.Errorf("MaxInFlight = %d, want 40", got)
	}
}

// The semaphore lets waiters in first come, first served: in serial mode
// the 20 image requests queue at once, and every name request queues only
// after its image arrived, so no name request starts before the last image
// request has. The lesson's 注意观察 says so.
func TestSerialQueuesImagesFirst(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "limit=5", "latency=50ms", "pair=serial")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	lastGif, firstMeta := -1, -1
	for i, e := range res.Events {
		if e.Phase != runner.PhaseStart {
			continue
		}
		if strings.HasSuffix(e.Task, " gif") {
			lastGif = i
		} else if firstMeta < 0 {
			firstMeta = i
		}
	}
	if firstMeta < lastGif {
		t.Errorf("a meta request started (event %d) before the last gif request (event %d)", firstMeta, lastGif)
	}
}

// Codes the server answers with 404 or 500 are reported, counted, and do
// not stop the other countries.
func TestFailures(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{NotFound: []string{"CD", "IR"}})
	res := run(t, t.Context(), base, "limit=4", "latency=0s", "pair=serial")
	if res.Err != nil {
		t.Fatal(res.Err)
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
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	if w := "18 files saved in <t> (40 requests, at most 4 at a time), 2 failed"; summary != w {
		t.Errorf("summary = %q, want %q", summary, w)
	}
	// In serial mode a country whose image failed never asks for its name.
	status := allOK()
	status["CD gif"], status["IR gif"] = "404", "404"
	delete(status, "CD meta")
	delete(status, "IR meta")
	checkEvents(t, res.Events, 4, status)
}

// A server that fails every metadata.json but not the images: in parallel
// mode both requests are made, and the failing one is the reported one.
func TestMetadataErrors(t *testing.T) {
	h, err := flagserver.New(flagserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/metadata.json") {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	res := run(t, t.Context(), srv.URL, "limit=10", "latency=0s", "pair=parallel")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	_, summary := lines(t, res.Output)
	if w := "0 files saved in <t> (40 requests, at most 10 at a time), 20 failed"; summary != w {
		t.Errorf("summary = %q, want %q", summary, w)
	}
	if !strings.Contains(res.Output, "CN failed: metadata.json: HTTP 500\n") {
		t.Errorf("output lacks the CN failure:\n%s", res.Output)
	}
	status := map[string]string{}
	for _, c := range flagserver.Countries()[:20] {
		status[c.Code+" gif"] = "ok"
		status[c.Code+" meta"] = "500"
	}
	checkEvents(t, res.Events, 10, status)
}

// Stopping mid-run returns within 100 ms, with requests both waiting for the
// semaphore and waiting for the server.
func TestStop(t *testing.T) {
	base := lessontest.FlagServer(t, flagserver.Config{})
	for _, pair := range []string{"serial", "parallel"} {
		res := lessontest.CheckStop(t, Demos(), "flags-metadata", lessontest.Stop{FlagsURL: base,
			Params: []string{"limit=3", "latency=2s", "pair=" + pair}, After: 300 * time.Millisecond, Within: lessontest.StopBound})
		if strings.Contains(res.Output, "files saved") {
			t.Errorf("%s: a stopped run printed a summary:\n%s", pair, res.Output)
		}
		if got := runner.MaxInFlight(res.Events); got != 3 {
			t.Errorf("%s: MaxInFlight = %d, want 3", pair, got)
		}
	}
}

// The run leaves nothing behind in the temporary directory.
func TestNoFilesLeft(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "limit=20", "latency=0s")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("left behind in %s: %v", tmp, left)
	}
}
