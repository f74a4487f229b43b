package rawconn

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The asyncio program of wget-headers (asyncio.start_server for the tiny
// hosts, asyncio.open_connection to read them), run as the server runs it
// when a learner picks Python: each host's lines are the Go demo's, times
// and ports masked; lines interleave by arrival; every host is in flight
// at once with one point per header line, as in Go; and a stop or the
// time limit ends the process within 100ms.
func TestPython(t *testing.T) {
	lessontest.PythonTable(t, Demos(), Files, []lessontest.PythonCase{
		{ID: "wget-headers", Params: []string{"delays=30ms,5ms,15ms"}, SameTasks: true,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				got, want := byHost(run.Output), byHost(run.Go.Output)
				for _, host := range []string{"alpha.test", "bravo.test", "charlie.test", ""} {
					if g, w := strings.Join(got[host], "\n"), strings.Join(want[host], "\n"); g != w {
						t.Errorf("%q lines:\n%s\nwant (Go):\n%s", host, g, w)
					}
				}
				if len(got) != 4 {
					t.Errorf("lines from %d sources, want 3 hosts and the summary", len(got))
				}
			}},
		// A fast host is done before a slow one has sent its second line.
		{ID: "wget-headers", Params: []string{"delays=100ms,5ms"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				var received []string
				for _, line := range strings.Split(run.Output, "\n") {
					if f := strings.Fields(line); len(f) > 2 && f[2] == "<" {
						received = append(received, f[1])
					}
				}
				if want := []string{"bravo.test", "bravo.test", "bravo.test", "bravo.test", "bravo.test",
					"alpha.test", "alpha.test", "alpha.test", "alpha.test", "alpha.test"}; !slices.Equal(received, want) {
					t.Errorf("header lines arrived from %v, want %v", received, want)
				}
			}},
		// All four hosts at once, each with five header lines.
		{ID: "wget-headers", Params: []string{"delays=60ms,60ms,60ms,60ms"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if n := runner.MaxInFlight(run.Events); n != 4 {
					t.Errorf("%d hosts in flight at once, want 4", n)
				}
				tasks := lessontest.Tasks(run.Events)
				for _, host := range []string{"alpha.test", "bravo.test", "charlie.test", "delta.test"} {
					points := 0
					for _, e := range run.Events {
						if e.Task == host && e.Phase == runner.PhasePoint {
							points++
						}
					}
					if s := tasks[host]; s.Starts != 1 || s.End != "ok" || points != 5 {
						t.Errorf("%s: %v, %d points; want 1 start, end ok, 5 points", host, s, points)
					}
				}
				atOnce, oneByOne := summary(t, run.Output)
				if atOnce >= oneByOne/2 {
					t.Errorf("4 hosts read in %.2fs, against %.2fs one after another: were they read at once?", atOnce, oneByOne)
				}
			}},
		// Stopped while every host is waiting for its next line: bravo has
		// sent two lines, alpha none.
		{ID: "wget-headers", Params: []string{"delays=2s,100ms,2s"}, Stop: 250 * time.Millisecond,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				if !strings.Contains(run.Output, "bravo.test   < HTTP/1.0 200 OK") {
					t.Errorf("bravo printed nothing before the stop:\n%s", run.Output)
				}
				if strings.Contains(run.Output, "alpha.test   <") || strings.Contains(run.Output, "read at once") {
					t.Errorf("lines that could not have come before the stop:\n%s", run.Output)
				}
			}},
		{ID: "wget-headers", Params: []string{"delays=2s"}, TimeLimit: time.Second},
	})
}
