package eventloop

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters. Every claim is read from the key in
// lesson.md, so the key cannot say one thing while the demo prints another.
// The demo only waits on timers: inside a synctest bubble its printed times
// are exact; on the real clock they are what a learner sees, within the
// tolerance each key states (lessontest.OnBothClocks).

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// Exercise 1: durations 3s,1s,2s. The key quotes the done lines, the
// results in submission order and the total.
func TestKey1DoneOrderAndSubmissionOrder(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	lessontest.OnBothClocks(t, func(t *testing.T, exact bool) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "hello-tasks", "durations=3s,1s,2s")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		lessontest.CheckKeyExcerpts(t, key, res.Output)
		// The done lines in the order the key quotes them.
		var order []string
		for _, l := range strings.Split(res.Output, "\n") {
			if strings.HasSuffix(l, " done") {
				order = append(order, lessontest.MaskTimes(l))
			}
		}
		var want []string
		for _, l := range strings.Split(lessontest.Excerpts(key)[0], "\n") {
			if strings.HasSuffix(l, " done") {
				want = append(want, lessontest.MaskTimes(l))
			}
		}
		if strings.Join(order, "|") != strings.Join(want, "|") {
			t.Errorf("done lines in the order %q, the key quotes %q", order, want)
		}
	})
}

// Exercise 2: twenty tasks of 1s take 1s, all twenty waiting at once.
func TestKey2TwentyTasksTakeOneSecond(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 2)
	inFlight, err := strconv.Atoi(lessontest.MustClaim(t, key, "最多同时进行"))
	if err != nil {
		t.Fatal(err)
	}
	lessontest.OnBothClocks(t, func(t *testing.T, exact bool) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "hello-tasks", "durations="+strings.Repeat("1s,", 19)+"1s")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		lessontest.CheckKeyExcerpts(t, key, res.Output)
		if got := runner.MaxInFlight(res.Events); got != inFlight {
			t.Errorf("at most %d tasks at once, the key says %d", got, inFlight)
		}
	})
}

// Exercise 3: 5s,10ms stopped at about 1s. Wherever around 1s the stop
// comes, task 2 has ended ok, task 1 ends cancelled at the stop, and no
// results are printed.
func TestKey3StopAroundOneSecond(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	aboutTask2, aboutTask1, found := strings.Cut(key, "`task 1` 的横条")
	if !found {
		t.Fatalf("the key says nothing about task 1's bar:\n%s", key)
	}
	want := map[string]string{
		"task 2": lessontest.MustClaim(t, aboutTask2, "状态是"),
		"task 1": lessontest.MustClaim(t, aboutTask1, "状态是"),
	}
	for _, after := range []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond} {
		t.Run(after.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.CheckStop(t, Demos(), "hello-tasks", lessontest.Stop{
					Params: []string{"durations=5s,10ms"}, After: after})
				ended := map[string]string{}
				endedAt := map[string]float64{}
				for _, e := range res.Events {
					if e.Phase == runner.PhaseEnd {
						ended[e.Task], endedAt[e.Task] = e.Status, e.TMs
					}
				}
				for task, status := range want {
					if ended[task] != status {
						t.Errorf("%s's bar ended %q, the key says %q", task, ended[task], status)
					}
				}
				if endedAt["task 1"] != float64(after.Milliseconds()) {
					t.Errorf("task 1's bar ended at %gms, want at the stop, %v", endedAt["task 1"], after)
				}
				lessontest.CheckKeyExcerpts(t, key, res.Output)
				if strings.Contains(res.Output, "results") || strings.Contains(res.Output, "total") {
					t.Errorf("a stopped run printed results:\n%s", res.Output)
				}
			})
		})
	}
}

// Exercise 3 on the real clock, stopped at 1s: the same bars, task 1's
// ending at the stop, and task 2's done line within the key's tolerance.
func TestKey3StopAroundOneSecondOnTheRealClock(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	res := lessontest.CheckStop(t, Demos(), "hello-tasks", lessontest.Stop{
		Params: []string{"durations=5s,10ms"}, After: time.Second, Within: lessontest.StopBound})
	lessontest.CheckKeyExcerpts(t, key, res.Output)
	ended := map[string]string{}
	for _, e := range res.Events {
		if e.Phase == runner.PhaseEnd {
			ended[e.Task] = e.Status
		}
	}
	if ended["task 1"] != "cancelled" || ended["task 2"] != "ok" {
		t.Errorf("bars ended %v, the key says task 1 cancelled and task 2 ok", ended)
	}
}
