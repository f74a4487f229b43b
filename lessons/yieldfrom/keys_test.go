package yieldfrom

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters. The demo only waits on timers:
// inside a synctest bubble every printed time is exact, and the keys quote
// console lines that the tests find, whole, in the output.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

func runKey(t *testing.T, n int, items string) (key, output string) {
	t.Helper()
	key = lessontest.MustAnswerKey(t, Files, n)
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "generators", "items="+items)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		output = res.Output
	})
	return key, output
}

// Exercise 1: ten items, 0.42s pulled and 0.24s with channels.
func TestKey1TenItems(t *testing.T) {
	key, out := runKey(t, 1, "10")
	lessontest.CheckExcerpts(t, key, out)
}

// Exercise 2: one item: three next() calls, values [1 1], and both
// pipelines equally fast.
func TestKey2OneItem(t *testing.T) {
	key, out := runKey(t, 2, "1")
	lessontest.CheckExcerpts(t, key, out)
	pull, _, _ := strings.Cut(out, "\n\n")
	calls, err := strconv.Atoi(lessontest.MustClaim(t, key, "第一部分打印"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(pull, "consumer: next() #"); got != calls {
		t.Errorf("%d next() calls, the key says %d:\n%s", got, calls, pull)
	}
	if want := lessontest.MustClaim(t, key, "值列表是"); !strings.Contains(out, "pull:     "+want+" in ") {
		t.Errorf("the values are not %s:\n%s", want, out)
	}
}

// Exercise 3: fifty items: relay's own value is 1275, and the pulled
// pipeline takes about twice as long.
func TestKey3FiftyItems(t *testing.T) {
	key, out := runKey(t, 3, "50")
	lessontest.CheckExcerpts(t, key, out)
	sum := lessontest.MustClaim(t, key, "最后产出")
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
	lo, hi := lessontest.MustRange(t, key, "用时之比约为 2，在")
	if r := pull / chans; r < lo || r > hi {
		t.Errorf("pull %.2fs, channels %.2fs: a ratio of %.2f, the key says %v–%v", pull, chans, r, lo, hi)
	}
}
