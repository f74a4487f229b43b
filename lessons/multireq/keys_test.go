package multireq

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters against the built-in flag site.
// Every claim is read from the key in lesson.md. The demo makes real
// requests on the real clock, so the keys give ranges; the tests check
// that what one run prints falls inside them.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// timing is when the first file was saved and how long the whole run took,
// in seconds, as the console prints them.
type timing struct{ first, total float64 }

func timed(t *testing.T, base string, params ...string) timing {
	t.Helper()
	res := run(t, t.Context(), base, params...)
	if res.Err != nil {
		t.Fatalf("%v: %v\n%s", params, res.Err, res.Output)
	}
	lines := strings.Split(strings.TrimSuffix(res.Output, "\n"), "\n")
	var tm timing
	if _, err := fmt.Sscanf(lines[0], "[%fs]", &tm.first); err != nil {
		t.Fatalf("%v: no time on the first line %q", params, lines[0])
	}
	if _, err := fmt.Sscanf(lines[len(lines)-1], "20 files saved in %fs", &tm.total); err != nil {
		t.Fatalf("%v: no summary in %q", params, lines[len(lines)-1])
	}
	return tm
}

// within fails t unless got lies in the range the key claims after label.
func within(t *testing.T, key, label string, got float64, what string) {
	t.Helper()
	lo, hi := lessontest.MustRange(t, key, label)
	if got < lo || got > hi {
		t.Errorf("%s: %.2fs, the key says %v–%v s", what, got, lo, hi)
	}
}

// Exercise 1: one slot, 100ms a request.
func TestKey1OneSlot(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 1)
	base := lessontest.FlagServer(t, flagserver.Config{})
	tm := timed(t, base, "limit=1", "latency=100ms", "pair=serial")
	within(t, key, "总用时：", tm.total, "total")
	within(t, key, "第一个文件：", tm.first, "first file")
}

// Exercise 2: room for all 40 requests; serial still takes two rounds.
func TestKey2RoomForAll(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 2)
	base := lessontest.FlagServer(t, flagserver.Config{})
	for _, pair := range []string{"serial", "parallel"} {
		tm := timed(t, base, "limit=40", "latency=200ms", "pair="+pair)
		within(t, key, "`"+pair+"`：总用时", tm.total, pair+" total")
	}
}

// Exercise 3: five slots; both ways take 8 rounds, the files come at
// different times.
func TestKey3FiveSlots(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 3)
	base := lessontest.FlagServer(t, flagserver.Config{})
	for _, pair := range []string{"serial", "parallel"} {
		tm := timed(t, base, "limit=5", "latency=200ms", "pair="+pair)
		within(t, key, "总用时都在", tm.total, pair+" total")
		within(t, key, "`"+pair+"`：第一个文件在", tm.first, pair+" first file")
	}
}
