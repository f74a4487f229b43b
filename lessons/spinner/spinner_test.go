package spinner

import (
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// back steps over one frame: "| thinking..." is 13 columns wide.
const back = "\b\b\b\b\b\b\b\b\b\b\b\b\b"

// frame is one spinner frame as the demos draw it, backspaced over.
func frame(mark string) string { return mark + " thinking..." + back }

// The whole console of both versions, exactly. Inside a synctest bubble
// the clock is fake: with a 20ms frame the spinner draws at 0, 20, ...,
// 200ms, the answer comes at 210ms (between two frames, so no frame and
// answer ever fall on the same instant), and the line is cleared before
// the answer. The goroutine is cancelled at once; the thread only sees its
// flag when its current frame is over, at 220ms.
func TestSpinnerOutput(t *testing.T) {
	want := strings.Repeat(frame("|")+frame("/")+frame("-")+frame(`\`), 2) +
		frame("|") + frame("/") + frame("-") + // 11 frames: 0 to 200ms
		"             " + back + "Answer: 42\n"
	for _, c := range []struct {
		id   string
		took time.Duration
	}{
		{"spinner-thread", 220 * time.Millisecond},
		{"spinner-goroutine", 210 * time.Millisecond},
	} {
		t.Run(c.id, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.MustRun(t, t.Context(), Demos(), c.id, "slow=210ms", "frame=20ms")
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				if res.Output != want {
					t.Errorf("output:\n%q\nwant:\n%q", res.Output, want)
				}
				if got := lessontest.Screen(res.Output); got != "Answer: 42\n" {
					t.Errorf("screen = %q, want only the answer", got)
				}
				if res.Elapsed != c.took {
					t.Errorf("run took %v, want %v", res.Elapsed, c.took)
				}
			})
		})
	}
}

// The spinner turns while the slow call runs: one frame every 20ms of the
// 310ms call (0 to 300ms), in the |/-\ order, all before the answer.
func TestSpinnerTurnsDuringSlowCall(t *testing.T) {
	for _, id := range []string{"spinner-thread", "spinner-goroutine"} {
		t.Run(id, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.MustRun(t, t.Context(), Demos(), id, "slow=310ms", "frame=20ms")
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				marks := regexp.MustCompile(`([|/\-\\]) thinking`).FindAllStringSubmatch(res.Output, -1)
				if len(marks) != 16 {
					t.Fatalf("%d frames in 310ms at 20ms a frame, want 16", len(marks))
				}
				for i, m := range marks {
					if want := string(`|/-\`[i%4]); m[1] != want {
						t.Fatalf("frame %d is %q, want %q", i, m[1], want)
					}
				}
				var points, slowEnd, spinEnd int
				for i, e := range res.Events {
					switch {
					case e.Task == "spinner" && e.Phase == runner.PhasePoint:
						if want := float64(20 * points); e.TMs != want {
							t.Errorf("frame %d at %gms, want %gms", points, e.TMs, want)
						}
						points++
					case e.Task == "slow call" && e.Phase == runner.PhaseEnd:
						slowEnd = i
						if e.Status != "ok" {
							t.Errorf("slow call ended %q", e.Status)
						}
					case e.Task == "spinner" && e.Phase == runner.PhaseEnd:
						spinEnd = i
					}
				}
				if points != len(marks) {
					t.Errorf("%d frame events for %d frames", points, len(marks))
				}
				if spinEnd < slowEnd {
					t.Errorf("spinner ended before the slow call it was waiting beside")
				}
			})
		})
	}
}

// Stop mid-run: both versions return with ErrStopped, print no answer and
// leave the line clear. The goroutine returns at the instant of the stop;
// the thread waits out the frame it is sleeping through: stopped at 150ms,
// between the frames of 140 and 160ms, it returns exactly 10ms late.
func TestStopEndsPromptly(t *testing.T) {
	for _, c := range []struct {
		id   string
		late time.Duration
	}{
		{"spinner-thread", 10 * time.Millisecond},
		{"spinner-goroutine", 0},
	} {
		t.Run(c.id, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.CheckStop(t, Demos(), c.id, lessontest.Stop{
					Params: []string{"slow=10s", "frame=20ms"}, After: 150 * time.Millisecond, Within: c.late})
				if res.Late != c.late {
					t.Errorf("returned %v after the stop, want exactly %v", res.Late, c.late)
				}
				if lessontest.Screen(res.Output) != "" {
					t.Errorf("screen after stop = %q, want it cleared", lessontest.Screen(res.Output))
				}
			})
		})
	}
}

// With the default parameters, a stop anywhere in the run: the goroutine
// returns at once, the thread within one frame (80ms), which is why the
// frame parameter is capped at 80ms.
func TestStopsAnywhere(t *testing.T) {
	t.Run("spinner-thread", func(t *testing.T) {
		lessontest.CheckStopsEverywhere(t, Demos(), "spinner-thread", 10*time.Millisecond,
			lessontest.Stop{After: 5 * time.Millisecond, Within: 80 * time.Millisecond})
	})
	t.Run("spinner-goroutine", func(t *testing.T) {
		lessontest.CheckStopsEverywhere(t, Demos(), "spinner-goroutine", 10*time.Millisecond,
			lessontest.Stop{After: 5 * time.Millisecond})
	})
}
