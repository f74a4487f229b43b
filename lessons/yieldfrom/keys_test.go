package yieldfrom

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters, twice: inside a synctest bubble,
// where every printed time is exact (every step exactly 20ms), and on the
// real clock, as a learner runs it. The keys quote what a learner sees and
// say how far another run may be from it (lessontest.Tolerance); the exact
// times must sit within the early side of that, the real ones within it.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// runs runs the demo with items both ways and hands each output to check.
func runs(t *testing.T, items string, check func(t *testing.T, output string, exact bool)) {
	t.Helper()
	t.Run("exact", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			res := lessontest.MustRun(t, t.Context(), Demos(), "generators", "items="+items)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			check(t, res.Output, true)
		})
	})
	t.Run("real clock", func(t *testing.T) {
		t.Parallel()
		res := lessontest.MustRun(t, t.Context(), Demos(), "generators", "items="+items)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		check(t, res.Output, false)
	})
}

func checkExcerpts(t *testing.T, key, output string) {
	t.Helper()
	tol := lessontest.MustTolerance(t, key)
	excerpts := lessontest.Excerpts(key)
	if len(excerpts) == 0 {
		t.Fatalf("the key quotes no console:\n%s", key)
	}
	for _, e := range excerpts {
		lessontest.CheckTimedExcerpt(t, e, output, tol)
	}
}

// Exercise 1: ten items, about 0.43s pulled and 0.24s with channels.
func TestKey1TenItems(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	runs(t, "10", func(t *testing.T, out string, _ bool) { checkExcerpts(t, key, out) })
}

// Exercise 2: one item: three next() calls, values [1 1], and both
// pipelines equally fast.
func TestKey2OneItem(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 2)
	calls, err := strconv.Atoi(lessontest.MustClaim(t, key, "第一部分打印"))
	if err != nil {
		t.Fatal(err)
	}
	values := lessontest.MustClaim(t, key, "值列表是")
	runs(t, "1", func(t *testing.T, out string, _ bool) {
		checkExcerpts(t, key, out)
		pull, _, _ := strings.Cut(out, "\n\n")
		if got := strings.Count(pull, "consumer: next() #"); got != calls {
			t.Errorf("%d next() calls, the key says %d:\n%s", got, calls, pull)
		}
		if !strings.Contains(out, "pull:     "+values+" in ") {
			t.Errorf("the values are not %s:\n%s", values, out)
		}
	})
}

// Exercise 3: fifty items: relay's own value is 1275, and the pulled
// pipeline takes about twice as long.
func TestKey3FiftyItems(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	sum := lessontest.MustClaim(t, key, "最后产出")
	lo, hi := lessontest.MustRange(t, key, "用时之比约为 2，在")
	runs(t, "50", func(t *testing.T, out string, exact bool) {
		checkExcerpts(t, key, out)
		if !strings.Contains(out, "yield own value "+sum+"\n") {
			t.Errorf("relay's own value is not %s:\n%s", sum, out)
		}
		var pull, chans float64
		for _, line := range strings.Split(out, "\n") {
			for prefix, v := range map[string]*float64{"pull:     ": &pull, "channels: ": &chans} {
				if rest, ok := strings.CutPrefix(line, prefix); ok {
					_, after, _ := strings.Cut(rest, "] in ")
					secs, _, _ := strings.Cut(after, "s,")
					f, err := strconv.ParseFloat(secs, 64)
					if err != nil {
						t.Fatalf("no time in %q", line)
					}
					*v = f
				}
			}
		}
		// The ratio of the steps, exact in the bubble; on the real clock
		// each pipeline takes at least its steps of 20 ms (a timer never
		// fires early), and a busy machine may hold up the channels'
		// hand-offs enough to bring the ratio towards 1, as the key says.
		if r := pull / chans; exact && (r < lo || r > hi) {
			t.Errorf("pull %.2fs, channels %.2fs: a ratio of %.2f, the key says %v–%v", pull, chans, r, lo, hi)
		}
		if pull < 2.02 || chans < 1.04 {
			t.Errorf("pull %.2fs, channels %.2fs: the key says 101 and 52 steps of 20 ms, at least 2.02s and 1.04s", pull, chans)
		}
	})
}
