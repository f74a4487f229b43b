package structured

import (
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

// bothClocks runs demo id once in a synctest bubble and once on the real
// clock, and hands each console to check.
func bothClocks(t *testing.T, id string, params []string, check func(t *testing.T, clock string, res lessontest.Result)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), id, params...)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		check(t, "fake clock", res)
	})
	res := lessontest.MustRun(t, t.Context(), Demos(), id, params...)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	check(t, "real clock", res)
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
		bothClocks(t, "group-cancel", []string{"mode=" + c.mode}, func(t *testing.T, clock string, res lessontest.Result) {
			status, last := outcomes(t, res.Output)
			if status[3] != want || status[4] != want {
				t.Errorf("%s, %s: downloads 3 and 4 ended %q and %q, the key says %q", c.mode, clock, status[3], status[4], want)
			}
			if last < lo || last > hi {
				t.Errorf("%s, %s: first error printed at %.2fs, the key says %g–%g", c.mode, clock, last, lo, hi)
			}
		})
	}
}

// Exercise 2: limit=2, fail=1; in Python too (python_test.go).
func TestKey2LimitAndFailure(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 2)
	want3, want4 := lessontest.MustClaim(t, key, "第 3 个："), lessontest.MustClaim(t, key, "第 4 个：")
	bars, _ := lessontest.MustRange(t, key, "时间线上有")
	bothClocks(t, "group-cancel", []string{"limit=2", "fail=1"}, func(t *testing.T, clock string, res lessontest.Result) {
		checkKey2(t, clock, res, want3, want4, int(bars))
	})
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
		bothClocks(t, "deadline", []string{"how=" + c.how, "work=300ms", "timeout=200ms"}, func(t *testing.T, clock string, res lessontest.Result) {
			if got := lessontest.Tasks(res.Events)["work"].End; got != c.work {
				t.Errorf("%s, %s: the work ended %q, want %q", c.how, clock, got, c.work)
			}
			if last := lastSeconds(t, res.Output); last < c.lo || last > c.hi {
				t.Errorf("%s, %s: last line at %.2fs, the key says %g–%g", c.how, clock, last, c.lo, c.hi)
			}
			line := map[bool]string{true: "] later: the work's answer is 42\n", false: "] work: cancelled\n"}[c.how == "shield"]
			if !strings.Contains(res.Output, line) {
				t.Errorf("%s, %s: no %q in\n%s", c.how, clock, line[2:], res.Output)
			}
		})
	}
	if !strings.Contains(key, "`later: the work's answer is 42`") || !strings.Contains(key, "`work: cancelled`") {
		t.Errorf("the key does not quote the lines the test checks:\n%s", key)
	}
}
