//go:build !race

package spinner

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// spinner-flag run in-process, as the server runs it: built without the
// race detector. Under -race these runs would be reported and fail the
// whole test binary, so this file is left out of race builds; there
// race_test.go runs the demo in a child built with -race and requires
// the report instead.

// The racy flag works in practice, which is the lesson's point: inside a
// synctest bubble its console, its timing and its lateness after a stop
// are exactly the atomic version's.
func TestPlainFlagBehavesLikeTheAtomicOne(t *testing.T) {
	for _, params := range [][]string{{"slow=210ms", "frame=20ms"}, {"slow=1s", "frame=80ms"}} {
		var want, got lessontest.Result
		synctest.Test(t, func(t *testing.T) {
			want = lessontest.MustRun(t, t.Context(), Demos(), "spinner-thread", params...)
		})
		synctest.Test(t, func(t *testing.T) {
			got = lessontest.MustRun(t, t.Context(), Demos(), "spinner-flag", params...)
		})
		if got.Err != nil || got.Output != want.Output || got.Elapsed != want.Elapsed {
			t.Errorf("%v: plain bool: err %v, %v, output\n%q\natomic: %v, output\n%q", params, got.Err, got.Elapsed, got.Output, want.Elapsed, want.Output)
		}
		if lessontest.Screen(got.Output) != "Answer: 42\n" {
			t.Errorf("%v: screen %q", params, lessontest.Screen(got.Output))
		}
		lessontest.CheckSameTasks(t, want.Events, got.Events)
	}
}

// The whole console, pinned: 11 frames from 0 to 200ms, the line cleared
// when the spinner sees the flag at 220ms, the answer.
func TestPlainFlagOutput(t *testing.T) {
	want := strings.Repeat(frame("|")+frame("/")+frame("-")+frame(`\`), 2) +
		frame("|") + frame("/") + frame("-") +
		"             " + back + "Answer: 42\n"
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "spinner-flag", "slow=210ms", "frame=20ms")
		if res.Err != nil || res.Output != want || res.Elapsed != 220*time.Millisecond {
			t.Errorf("err %v, took %v, output\n%q\nwant (220ms)\n%q", res.Err, res.Elapsed, res.Output, want)
		}
	})
}

// Like the thread version, it stops within one frame: stopped at 150ms,
// between the frames of 140 and 160ms, it returns exactly 10ms late, and
// with the default 80ms frames a stop anywhere is at most 80ms late.
func TestPlainFlagStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.CheckStop(t, Demos(), "spinner-flag", lessontest.Stop{
			Params: []string{"slow=10s", "frame=20ms"}, After: 150 * time.Millisecond, Within: 10 * time.Millisecond})
		if res.Late != 10*time.Millisecond || lessontest.Screen(res.Output) != "" {
			t.Errorf("late %v, screen %q; want 10ms and a cleared line", res.Late, lessontest.Screen(res.Output))
		}
	})
	lessontest.CheckStopsEverywhere(t, Demos(), "spinner-flag", 10*time.Millisecond,
		lessontest.Stop{After: 5 * time.Millisecond, Within: 80 * time.Millisecond})
}
