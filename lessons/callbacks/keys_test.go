package callbacks

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The keys (参考答案) of the lesson's exercises, checked against the demos
// run with each exercise's parameters: every console line a key quotes,
// and every count it commits to, is read from lesson.md. The demos only
// wait on timers: inside a synctest bubble their times are exact, and on
// the real clock they are what a learner sees, within the tolerance each
// key states (lessontest.OnBothClocks).

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// Exercise 1: latency 500ms. The first excerpt is the total of both
// styles without a failure; with fail=3 the second is the callback
// style's error line, the third the sequential style's.
func TestKey1TotalsAndTheFailingThirdStage(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	ex := lessontest.Excerpts(key)
	if len(ex) != 3 {
		t.Fatalf("the key quotes %d excerpts, want 3 (the total, then the error of each style)", len(ex))
	}
	tol := lessontest.MustTolerance(t, key)
	for i, id := range []string{"three-stages-callbacks", "three-stages-sequential"} {
		t.Run(id, func(t *testing.T) {
			lessontest.OnBothClocks(t, func(t *testing.T, exact bool) {
				lessontest.CheckTimedExcerpt(t, ex[0], run(t, id, "latency=500ms", "fail=none").Output, tol)
				lessontest.CheckTimedExcerpt(t, ex[1+i], run(t, id, "latency=500ms", "fail=3").Output, tol)
			})
		})
	}
}

// Exercise 2: fail=1 in callback style. The key's line count, its lane
// count, and the console it quotes.
func TestKey2FirstStageFails(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 2)
	lines, err := strconv.Atoi(lessontest.MustClaim(t, key, "一共"))
	if err != nil {
		t.Fatal(err)
	}
	lanes, err := strconv.Atoi(lessontest.MustClaim(t, key, "时间线上只有"))
	if err != nil {
		t.Fatal(err)
	}
	lessontest.OnBothClocks(t, func(t *testing.T, exact bool) {
		r := run(t, "three-stages-callbacks", "fail=1")
		if r.Err == nil {
			t.Fatal("the run with a failing stage 1 succeeded")
		}
		if got := strings.Count(r.Output, "\n"); got != lines {
			t.Errorf("%d lines printed, the key says %d:\n%s", got, lines, r.Output)
		}
		tasks := map[string]bool{}
		for _, e := range r.Events {
			tasks[e.Task] = true
		}
		if len(tasks) != lanes {
			t.Errorf("%d lanes (%v), the key says %d", len(tasks), tasks, lanes)
		}
		lessontest.CheckKeyExcerpts(t, key, r.Output)
	})
}

// Exercise 3: fail=2, latency 1s, stopped at 1.5s. Stopped anywhere
// between 1s and 2s, the same onError reports the stop; at 1.5s, in the
// very line the key quotes.
func TestKey3StopInStageTwo(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	for _, after := range []time.Duration{1100 * time.Millisecond, 1500 * time.Millisecond, 1900 * time.Millisecond} {
		synctest.Test(t, func(t *testing.T) {
			r := lessontest.CheckStop(t, Demos(), "three-stages-callbacks", lessontest.Stop{
				Params: []string{"fail=2", "latency=1s"}, After: after})
			if after == 1500*time.Millisecond {
				lessontest.CheckKeyExcerpts(t, key, r.Output)
			}
			// Depth 2 is four spaces after the time stamp.
			if n := strings.Count(r.Output, "onError saw: context canceled"); n != 1 || !strings.Contains(r.Output, "s]     stage 2 onError saw: context canceled") {
				t.Errorf("stopped at %v: want exactly stage 2's onError to report the stop, got\n%s", after, r.Output)
			}
			for _, e := range r.Events {
				if e.Task == "stage 3" {
					t.Errorf("stopped at %v: stage 3 started: %+v", after, e)
				}
				if e.Task == "stage 2" && e.Phase == runner.PhasePoint && e.Status != "onError" {
					t.Errorf("stopped at %v: stage 2 called %s", after, e.Status)
				}
			}
		})
	}
}

// Exercise 3 on the real clock: stopped at 1.5s as the key says, the line
// comes when the stop does, within the key's tolerance.
func TestKey3StopInStageTwoOnTheRealClock(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	r := lessontest.CheckStop(t, Demos(), "three-stages-callbacks", lessontest.Stop{
		Params: []string{"fail=2", "latency=1s"}, After: 1500 * time.Millisecond, Within: lessontest.StopBound})
	lessontest.CheckKeyExcerpts(t, key, r.Output)
}
