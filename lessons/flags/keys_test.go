package flags

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The keys (参考答案) of the lesson's exercises, checked against the demos
// run with each exercise's parameters on the real clock (they talk to the
// flag server over loopback). A time on the real clock is a range, and the
// key states it; these tests read each range from the key and check that
// the demo's printed total falls in it.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

var totalLine = regexp.MustCompile(`(?m)^(\d+) flags downloaded in (\d+\.\d\d)s$`)

// seconds runs a demo and returns the total it printed and the most
// downloads its timeline had at once.
func seconds(t *testing.T, base, id string, params ...string) (float64, int) {
	t.Helper()
	res := run(t, t.Context(), base, id, params...)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	m := totalLine.FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatalf("%s %v: no summary line in\n%s", id, params, res.Output)
	}
	s, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		t.Fatal(err)
	}
	return s, runner.MaxInFlight(res.Events)
}

// within fails t unless got lies in [lo, hi].
func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s: %g, the key says %g–%g", what, got, lo, hi)
	} else {
		t.Logf("%s: %g, the key says %g–%g", what, got, lo, hi)
	}
}

// cut splits a key at a phrase it must hold.
func cut(t *testing.T, key, at string) (string, string) {
	t.Helper()
	before, after, found := strings.Cut(key, at)
	if !found {
		t.Fatalf("the key no longer says %q:\n%s", at, key)
	}
	return before, after
}

// Exercise 1: ten flags at 200ms.
func TestKey1TenFlagsAt200ms(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 1)
	seqLo, seqHi := lessontest.MustRange(t, key, "总结行在")
	conLo, conHi := lessontest.MustRange(t, key, "约一个延迟：")
	base, stop := server(flagserver.Config{})
	defer stop()
	s, _ := seconds(t, base, "flags-sequential", "count=10", "latency=200ms")
	within(t, "sequential, 10 flags at 200ms", s, seqLo, seqHi)
	s, _ = seconds(t, base, "flags-concurrent", "count=10", "latency=200ms")
	within(t, "concurrent, 10 flags at 200ms", s, conLo, conHi)
}

// Exercise 2: twenty flags at 1s; the sequential run really takes 20s,
// spent waiting, so it runs alongside the other tests.
func TestKey2TwentyFlagsAtOneSecond(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 2)
	conLo, conHi := lessontest.MustRange(t, key, "总结行在")
	seqLo, seqHi := lessontest.MustRange(t, key, "顺序版接近 20 秒：在")
	base, stop := server(flagserver.Config{})
	defer stop()
	s, _ := seconds(t, base, "flags-concurrent", "latency=1s")
	within(t, "concurrent, 20 flags at 1s", s, conLo, conHi)
	s, _ = seconds(t, base, "flags-sequential", "latency=1s")
	within(t, "sequential, 20 flags at 1s", s, seqLo, seqHi)
}

// Exercise 3: at latency 0s the totals cannot tell the versions apart,
// the timeline can; at 10ms the totals can again.
func TestKey3NoLatency(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 3)
	atZero, at10ms := cut(t, key, "`latency` = 10ms 时")
	lo, hi := lessontest.MustRange(t, atZero, "总结行都在")
	seqIn, _ := lessontest.MustRange(t, atZero, "顺序版最多同时进行")
	conInLo, conInHi := lessontest.MustRange(t, atZero, "并发版最多同时进行")
	seq10, con10 := cut(t, at10ms, "并发版")
	seq10Lo, seq10Hi := lessontest.MustRange(t, seq10, "落在")
	con10Lo, con10Hi := lessontest.MustRange(t, con10, "落在")

	base, stop := server(flagserver.Config{})
	defer stop()
	for range 5 {
		s, in := seconds(t, base, "flags-sequential", "latency=0s")
		within(t, "sequential at 0s", s, lo, hi)
		within(t, "sequential at 0s, most in flight", float64(in), seqIn, seqIn)
		s, in = seconds(t, base, "flags-concurrent", "latency=0s")
		within(t, "concurrent at 0s", s, lo, hi)
		within(t, "concurrent at 0s, most in flight", float64(in), conInLo, conInHi)
	}
	seq, _ := seconds(t, base, "flags-sequential", "latency=10ms")
	within(t, "sequential at 10ms", seq, seq10Lo, seq10Hi)
	con, _ := seconds(t, base, "flags-concurrent", "latency=10ms")
	within(t, "concurrent at 10ms", con, con10Lo, con10Hi)
	if seq <= con {
		t.Errorf("at 10ms the sequential run took %.2fs, the concurrent %.2fs; the key says sequential is always slower", seq, con)
	}
}
