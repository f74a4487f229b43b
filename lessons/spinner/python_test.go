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
func TestPythonSpinners(t *testing.T) {
	in := lessontest.FindPython(t)
	for _, id := range []string{"spinner-thread", "spinner-goroutine", "spinner-flag"} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			py := lessontest.Python(t, in, Demos(), Files, id)
			params := []string{"slow=300ms", "frame=20ms"}
			res := lessontest.MustRun(t, t.Context(), py, id, params...)
			if res.Err != nil {
				t.Fatalf("%v\n%s", res.Err, res.Output)
			}
			if !spinnerConsole.MatchString(res.Output) {
				t.Errorf("console %q is not frames, a cleared line and the answer", res.Output)
			}
			if got := lessontest.Screen(res.Output); got != "Answer: 42\n" {
				t.Errorf("screen = %q, want only the answer", got)
			}
			marks := regexp.MustCompile(`([|/\-\\]) thinking`).FindAllStringSubmatch(res.Output, -1)
			for i, m := range marks {
				if want := string(`|/-\`[i%4]); m[1] != want {
					t.Fatalf("frame %d is %q, want %q", i, m[1], want)
				}
			}
			// One frame every 20ms of the 300ms call: 15 or 16, a few fewer
			// when a busy machine wakes Python late.
			if n := len(marks); n < 10 || n > 17 {
				t.Errorf("%d frames in 300ms at 20ms a frame, want about 15", n)
			}
			if n := strings.Count(res.Output, "Answer"); n != 1 {
				t.Errorf("%d answers", n)
			}

			// spinner-flag's Go demo races on purpose (a race build would
			// fail on it); its timeline is the thread version's, lane for lane.
			goID := id
			if id == "spinner-flag" {
				goID = "spinner-thread"
			}
			goRes := lessontest.MustRun(t, t.Context(), Demos(), goID, params...)
			if goRes.Err != nil {
				t.Fatal(goRes.Err)
			}
			lessontest.CheckSameTasks(t, goRes.Events, res.Events)

			lessontest.CheckStopBestOf3(t, py, id, lessontest.Stop{
				Params: []string{"slow=10s", "frame=20ms"}, After: 150 * time.Millisecond, Within: lessontest.PythonStopBound})
			lessontest.CheckTimeLimit(t, py, id, lessontest.Stop{
				Params: []string{"slow=10s"}, After: time.Second, Within: lessontest.PythonStopBound})
		})
	}
}
