package futures

import (
	"regexp"
	"strconv"
	"testing"
	"testing/synctest"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters: the console lines each key quotes
// must be the lines the demo prints. The demo only waits on timers, so
// inside a synctest bubble the printed times are exact.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

func runFuture(t *testing.T, params ...string) lessontest.Result {
	t.Helper()
	res := lessontest.MustRun(t, t.Context(), Demos(), "future-semantics", params...)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return res
}

// Exercise 1: a timeout longer than the task. The wait wakes with 42 when
// the task completes, so its bar is as long as the task's: exactly on the
// exact clock, within the key's tolerance on the real one.
func TestKey1LongTimeout(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	tol := lessontest.MustTolerance(t, key)
	lessontest.OnBothClocks(t, func(t *testing.T, exact bool) {
		res := runFuture(t, "task=500ms", "timeout=1s")
		lessontest.CheckKeyExcerpts(t, key, res.Output)
		bar := map[string]float64{}
		for _, e := range res.Events {
			if e.Task == "ResultWait" || e.Task == "task" {
				bar[e.Task+" "+e.Phase] = e.TMs
			}
		}
		for _, end := range []string{"ResultWait end", "task end"} {
			lessontest.CheckSeconds(t, end, 0.5, bar[end]/1000, tol)
		}
	})
}

// Exercise 2: the whole console, in order: nothing here happens at one
// instant in two goroutines. Exact on the exact clock; on the real one the
// same lines in the same order, each time within the key's tolerance.
func TestKey2WholeConsole(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 2)
	excerpts := lessontest.Excerpts(key)
	if len(excerpts) != 1 {
		t.Fatalf("the key quotes %d consoles, want the one run's", len(excerpts))
	}
	synctest.Test(t, func(t *testing.T) {
		res := runFuture(t, "task=2s", "timeout=300ms")
		if res.Output != excerpts[0] {
			t.Errorf("the demo printed\n%s\nthe key quotes\n%s", res.Output, excerpts[0])
		}
	})
	t.Run("real clock", func(t *testing.T) {
		res := runFuture(t, "task=2s", "timeout=300ms")
		if lessontest.MaskTimes(res.Output) != lessontest.MaskTimes(excerpts[0]) {
			t.Errorf("the demo printed\n%s\nthe key quotes, times aside,\n%s", res.Output, excerpts[0])
		}
		lessontest.CheckKeyExcerpts(t, key, res.Output)
	})
}

// resultWaitLine is the line that reports how ResultWait ended.
var resultWaitLine = regexp.MustCompile(`(?m)^\[(\d+\.\d\d)s\] ResultWait\(\w+\) → (.*)$`)

const timedOut = "error: timeout: result still not set; the task keeps running"

// Exercise 3: timeouts of 450ms and 550ms against a 500ms task, one quoted
// excerpt each, on both clocks. Then a tie at 200ms. On the exact clock
// both timers fire at one instant, in one timer check: the timer's send
// wakes the parked select first, so ResultWait times out every time, even
// though the task closes done before main runs. That is the key's point:
// a parked select takes whichever event arrives first. On the real clock
// the line comes within the key's range and is one of the two outcomes.
func TestKey3TimeoutsAndTheTie(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	excerpts := lessontest.Excerpts(key)
	if len(excerpts) != 2 {
		t.Fatalf("the key quotes %d consoles, want one for 450ms and one for 550ms", len(excerpts))
	}
	tol := lessontest.MustTolerance(t, key)
	for i, timeout := range []string{"450ms", "550ms"} {
		t.Run(timeout, func(t *testing.T) {
			lessontest.OnBothClocks(t, func(t *testing.T, exact bool) {
				out := runFuture(t, "task=500ms", "timeout="+timeout).Output
				// The key allows one exception on the real clock: a machine
				// so busy that the woken task waits 50ms for a CPU, and the
				// 550ms timer wakes ResultWait first. Never on the exact clock.
				m := resultWaitLine.FindStringSubmatch(out)
				if timeout == "550ms" && m != nil && m[2] == timedOut && !exact {
					at, _ := strconv.ParseFloat(m[1], 64)
					lessontest.CheckSeconds(t, "a 550ms timeout beating a late task", 0.55, at, tol)
					return
				}
				lessontest.CheckTimedExcerpt(t, excerpts[i], out, tol)
			})
		})
	}

	lo, hi := lessontest.MustRange(t, key, "真实时钟上在")
	outcomes := map[string]int{}
	for range 30 {
		synctest.Test(t, func(t *testing.T) {
			res := runFuture(t, "task=200ms", "timeout=200ms")
			m := resultWaitLine.FindStringSubmatch(res.Output)
			if m == nil {
				t.Fatalf("no ResultWait line in\n%s", res.Output)
			}
			if m[1] != "0.20" || m[2] != timedOut {
				t.Errorf("a tie on the exact clock: ResultWait → %q at %ss, want the timeout at 0.20s", m[2], m[1])
			}
			for _, e := range res.Events {
				if e.Task == "task" && e.Phase == runner.PhaseEnd && e.TMs != 200 {
					t.Errorf("the task ended at %gms, want 200ms", e.TMs)
				}
			}
		})
	}
	for range 3 {
		res := runFuture(t, "task=200ms", "timeout=200ms")
		m := resultWaitLine.FindStringSubmatch(res.Output)
		if m == nil {
			t.Fatalf("no ResultWait line in\n%s", res.Output)
		}
		at, _ := strconv.ParseFloat(m[1], 64)
		if at < lo || at > hi {
			t.Errorf("a tie on the real clock: ResultWait returned at %ss, the key says %v–%vs", m[1], lo, hi)
		}
		if m[2] != "42" && m[2] != timedOut {
			t.Errorf("ResultWait → %q, the key allows 42 or the timeout", m[2])
		}
		outcomes[m[2]]++
	}
	t.Logf("tie at 200ms, 3 runs on the real clock: %v", outcomes)
}
