package spinner

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// spinnerConsole matches a whole console of either spinner: frames drawn in place,
// the line cleared, the answer.
var spinnerConsole = regexp.MustCompile(`^(?:[|/\-\\] thinking\.\.\.` + back + `)+ {13}` + back + "Answer: 42\n$")

// The asyncio program (a Task cancelled) and the thread programs (a flag,
// an Event or a plain attribute, seen once per frame), run as the server
// runs them when a learner picks Python: the console is the Go demos'
// console, frame for frame in the same order; the screen is left with
// the answer alone; the timeline has the same lanes, ended the same way;
// a stop or the time limit ends the process within 100ms. (Killed, a
// Python spinner cannot clear its line as the Go one does when stopped:
// the screen keeps its last frame.)
func TestPython(t *testing.T) {
	var cases []lessontest.PythonCase
	for _, id := range []string{"spinner-thread", "spinner-goroutine", "spinner-flag"} {
		// spinner-flag's Go demo races on purpose (a race build would
		// fail on it); its timeline is the thread version's, lane for lane.
		goID := id
		if id == "spinner-flag" {
			goID = "spinner-thread"
		}
		cases = append(cases,
			lessontest.PythonCase{ID: id, Params: []string{"slow=300ms", "frame=20ms"}, WantScreen: "Answer: 42\n",
				SameTasks: true, GoID: goID, Check: checkPythonConsole},
			lessontest.PythonCase{ID: id, Params: []string{"slow=10s", "frame=20ms"}, Stop: 150 * time.Millisecond},
			lessontest.PythonCase{ID: id, Params: []string{"slow=10s"}, TimeLimit: time.Second})
	}
	lessontest.PythonTable(t, Demos(), Files, cases)
}

// checkPythonConsole checks a console of a 300ms call at 20ms a frame:
// frames in order, the line cleared, one answer.
func checkPythonConsole(t *testing.T, run lessontest.PythonRun) {
	if !spinnerConsole.MatchString(run.Output) {
		t.Errorf("console %q is not frames, a cleared line and the answer", run.Output)
	}
	marks := regexp.MustCompile(`([|/\-\\]) thinking`).FindAllStringSubmatch(run.Output, -1)
	for i, m := range marks {
		if want := string(`|/-\`[i%4]); m[1] != want {
			t.Fatalf("frame %d is %q, want %q", i, m[1], want)
		}
	}
	// One frame every 20ms of the 300ms call: 15 or 16 on an idle
	// machine. The Python loop sleeps a frame after drawing one, so each
	// late wake-up pushes every later frame back (the lesson says so):
	// beside a -race suite, 9 were drawn. At least 5 shows the spinner
	// turned all through the call — one that stopped for it draws 1 —
	// and never more than 17.
	if n := len(marks); n < 5 || n > 17 {
		t.Errorf("%d frames in 300ms at 20ms a frame, want about 15 (at least 5 on a busy machine)", n)
	}
	if n := strings.Count(run.Output, "Answer"); n != 1 {
		t.Errorf("%d answers", n)
	}
}
