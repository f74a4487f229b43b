package futures

import (
	"regexp"
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
// the task completes, so its bar is as long as the task's.
func TestKey1LongTimeout(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	synctest.Test(t, func(t *testing.T) {
		res := runFuture(t, "task=500ms", "timeout=1s")
		lessontest.CheckExcerpts(t, key, res.Output)
		bar := map[string]float64{}
		for _, e := range res.Events {
			if e.Task == "ResultWait" || e.Task == "task" {
				bar[e.Task+" "+e.Phase] = e.TMs
			}
		}
		if bar["ResultWait end"] != 500 || bar["task end"] != 500 {
			t.Errorf("bars end at %v, want ResultWait's and the task's both at 500ms", bar)
		}
	})
}

// Exercise 2: the whole console, in order: nothing here happens at one
// instant in two goroutines.
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
}

// resultWaitLine is the line that reports how ResultWait ended.
var resultWaitLine = regexp.MustCompile(`(?m)^\[(\d+\.\d\d)s\] ResultWait\(\w+\) → (.*)$`)

// Exercise 3: timeouts of 450ms and 550ms against a 500ms task, one quoted
// excerpt each; then a tie at 200ms, a race: whichever way it goes, the
// ResultWait line comes at the key's time and is one of the two outcomes.
func TestKey3TimeoutsAndTheTie(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	excerpts := lessontest.Excerpts(key)
	if len(excerpts) != 2 {
		t.Fatalf("the key quotes %d consoles, want one for 450ms and one for 550ms", len(excerpts))
	}
	for i, timeout := range []string{"450ms", "550ms"} {
		synctest.Test(t, func(t *testing.T) {
			lessontest.CheckExcerpt(t, excerpts[i], runFuture(t, "task=500ms", "timeout="+timeout).Output)
		})
	}

	at := lessontest.MustClaim(t, key, "总在")
	outcomes := map[string]int{}
	for range 30 {
		synctest.Test(t, func(t *testing.T) {
			res := runFuture(t, "task=200ms", "timeout=200ms")
			m := resultWaitLine.FindStringSubmatch(res.Output)
			if m == nil {
				t.Fatalf("no ResultWait line in\n%s", res.Output)
			}
			if m[1] != at {
				t.Errorf("ResultWait returned at %ss, the key says %ss", m[1], at)
			}
			switch m[2] {
			case "42", "error: timeout: result still not set; the task keeps running":
				outcomes[m[2]]++
			default:
				t.Errorf("ResultWait → %q, the key allows 42 or the timeout", m[2])
			}
			for _, e := range res.Events {
				if e.Task == "task" && e.Phase == runner.PhaseEnd && e.TMs != 200 {
					t.Errorf("the task ended at %gms, want 200ms", e.TMs)
				}
			}
		})
	}
	t.Logf("tie at 200ms, 30 runs: %v", outcomes)
}
