package structured

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The keys (参考答案) of the lesson's exercises, checked against the demos
// run with each exercise's parameters; every claim is read from the key in
// lesson.md. A time a key quotes is a range: the exact time a synctest
// bubble gives must fall in it, and so must the time a run on the real
// clock prints, which is what a learner sees (the range leaves room for a
// timer that a busy machine wakes late). Exercise 4 is done in the editor:
// leak_test.go checks its key.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// outcomes reads group-cancel's console: each download's status, and the
// seconds on its last line.
func outcomes(t *testing.T, out string) (map[int]string, float64) {
	t.Helper()
	status := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^download (\d): ([a-z ]+?)(?: \(|$)`).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		status[n] = m[2]
	}
	return status, lastSeconds(t, out)
}

// lastSeconds reads the time on the last line of a console: "(0.40s)" at
// its end or "[0.20s]" at its start.
func lastSeconds(t *testing.T, out string) float64 {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	m := regexp.MustCompile(`^\[(\d+\.\d\d)s\]|\((\d+\.\d\d)s\)$`).FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("no time on the last line of\n%s", out)
	}
	s, _ := strconv.ParseFloat(m[1]+m[2], 64)
	return s
}

// bothClocks checks a time a key quotes, lo–hi seconds, for demo id with
// params: check reads the time from a console, and on the fake clock
// checks the rest of it (who ended how is a matter of margins of a whole
// step, which a machine busy enough can eat on the real clock; the fake
// clock pins it). In a synctest bubble the exact time must fall in the range. On the
// real clock, as a learner runs it, one run must print a time from lo to
// hi: the key's range is the tolerance a learner's run on a busy machine
// is held to, and a run outside it is a failure, not a reason to try
// again.
func bothClocks(t *testing.T, run func(ctx context.Context) lessontest.Result, lo, hi float64, check func(t *testing.T, clock string, res lessontest.Result) float64) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		if got := check(t, "fake clock", run(t.Context())); got < lo || got > hi {
			t.Errorf("fake clock: %.2fs, the key says %g–%g", got, lo, hi)
		}
	})
	realClock(t, run, lo, hi, check)
}

// realClock is bothClocks on the real clock only, for a Python program.
func realClock(t *testing.T, run func(ctx context.Context) lessontest.Result, lo, hi float64, check func(t *testing.T, clock string, res lessontest.Result) float64) {
	t.Helper()
	if got := check(t, "real clock", run(t.Context())); got < lo || got > hi {
		t.Errorf("real clock: %.2fs, the key says %g–%g", got, lo, hi)
	}
}

// goRun runs demo id of the Go demos with params.
func goRun(t *testing.T, id string, params ...string) func(ctx context.Context) lessontest.Result {
	return func(ctx context.Context) lessontest.Result {
		res := lessontest.MustRun(t, ctx, Demos(), id, params...)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res
	}
}

// Exercise 1: defaults, then mode=collect.
func TestKey1GroupAndCollect(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 1)
	group, collect, found := strings.Cut(key, "`mode=collect`：")
	if !found {
		t.Fatalf("the key says nothing of mode=collect:\n%s", key)
	}
	for _, c := range []struct {
		mode, part, label string
	}{
		{"group", group, "group 模式下约"},
		{"collect", collect, "collect 模式下最后一行要到约"},
	} {
		want := lessontest.MustClaim(t, c.part, "结局都是")
		lo, hi := lessontest.MustRange(t, c.part, c.label)
		t.Run(c.mode, func(t *testing.T) {
			bothClocks(t, goRun(t, "group-cancel", "mode="+c.mode), lo, hi, func(t *testing.T, clock string, res lessontest.Result) float64 {
				status, last := outcomes(t, res.Output)
				if clock == "fake clock" && (status[3] != want || status[4] != want) {
					t.Errorf("%s: downloads 3 and 4 ended %q and %q, the key says %q", clock, status[3], status[4], want)
				}
				return last
			})
		})
	}
}

// Exercise 2: limit=2, fail=1, on the fake clock; the asyncio program
// with steps wide enough for the real clock in python_test.go.
func TestKey2LimitAndFailure(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 2)
	want3, want4 := lessontest.MustClaim(t, key, "第 3 个："), lessontest.MustClaim(t, key, "第 4 个：")
	bars, _ := lessontest.MustRange(t, key, "时间线上有")
	run := goRun(t, "group-cancel", "limit=2", "fail=1")
	synctest.Test(t, func(t *testing.T) { checkKey2(t, "fake clock", run(t.Context()), want3, want4, int(bars)) })
}

// checkKey2 checks a console and timeline of group-cancel limit=2 fail=1
// against the key of exercise 2.
func checkKey2(t *testing.T, who string, res lessontest.Result, want3, want4 string, bars int) {
	t.Helper()
	status, _ := outcomes(t, res.Output)
	if status[3] != want3 || status[4] != want4 {
		t.Errorf("%s: download 3 ended %q, 4 %q; the key says %q and %q\n%s", who, status[3], status[4], want3, want4, res.Output)
	}
	started := 0
	for task, s := range lessontest.Tasks(res.Events) {
		if strings.HasPrefix(task, "download ") && s.Starts > 0 {
			started++
		}
	}
	if started != bars {
		t.Errorf("%s: %d download bars, the key says %d", who, started, bars)
	}
}

// Exercise 3: the three ways of a timeout, work 300ms, timeout 200ms.
func TestKey3Timeouts(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 3)
	cancelLo, cancelHi := lessontest.MustRange(t, key, "工作被取消时，最后一行约在")
	goesOnLo, goesOnHi := lessontest.MustRange(t, key, "工作没被取消，最后一行约在")
	for _, c := range []struct {
		how    string
		work   string // how the work lane ends
		lo, hi float64
	}{
		{"timeout", "cancelled", cancelLo, cancelHi},
		{"wait_for", "cancelled", cancelLo, cancelHi},
		{"shield", "ok", goesOnLo, goesOnHi},
	} {
		t.Run(c.how, func(t *testing.T) {
			run := goRun(t, "deadline", "how="+c.how, "work=300ms", "timeout=200ms")
			bothClocks(t, run, c.lo, c.hi, func(t *testing.T, clock string, res lessontest.Result) float64 {
				line := map[bool]string{true: "] later: the work's answer is 42\n", false: "] work: cancelled\n"}[c.how == "shield"]
				if got := lessontest.Tasks(res.Events)["work"].End; clock == "fake clock" && (got != c.work || !strings.Contains(res.Output, line)) {
					t.Errorf("%s: the work ended %q, want %q; want %q in\n%s", clock, got, c.work, line[2:], res.Output)
				}
				return lastSeconds(t, res.Output)
			})
		})
	}
	if !strings.Contains(key, "`later: the work's answer is 42`") || !strings.Contains(key, "`work: cancelled`") {
		t.Errorf("the key does not quote the lines the test checks:\n%s", key)
	}
}
