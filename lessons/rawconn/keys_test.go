package rawconn

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters. Every claim is read from the key in
// lesson.md. The hosts are real loopback connections on the real clock, so
// the keys give ranges and the tests check that a run falls inside them.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// within fails t unless got lies in the range the key claims after label.
func within(t *testing.T, key, label string, got float64, what string) {
	t.Helper()
	lo, hi := lessontest.MustRange(t, key, label)
	if got < lo || got > hi {
		t.Errorf("%s: %.2fs, the key says %v–%v s", what, got, lo, hi)
	}
}

// summary reads the last line: the time read at once and the sum of the
// hosts' own times.
func summary(t *testing.T, out string) (atOnce, oneByOne float64) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	last := lines[len(lines)-1]
	var hosts int
	if _, err := fmt.Sscanf(last, "%d hosts read at once in %fs;", &hosts, &atOnce); err != nil {
		t.Fatalf("no summary in %q", last)
	}
	_, sum, found := strings.Cut(last, " = ")
	if !found {
		t.Fatalf("no sum in %q", last)
	}
	oneByOne, err := strconv.ParseFloat(strings.TrimSuffix(sum, "s"), 64)
	if err != nil {
		t.Fatal(err)
	}
	return atOnce, oneByOne
}

// Exercise 1: the default delays. charlie's status line comes after one of
// its 0.2s intervals; the run takes about alpha's 6 × 0.3s.
func TestKey1DefaultDelays(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 1)
	res := lessontest.MustRun(t, t.Context(), Demos(), "wget-headers", "delays=300ms,100ms,200ms")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	status := -1.0
	for _, line := range strings.Split(res.Output, "\n") {
		if strings.Contains(line, "charlie.test < HTTP/1.0 200 OK") {
			if _, err := fmt.Sscanf(line, "[%fs]", &status); err != nil {
				t.Fatal(err)
			}
		}
	}
	if status < 0 {
		t.Fatalf("charlie printed no status line:\n%s", res.Output)
	}
	within(t, key, "状态行：", status, "charlie's status line")
	atOnce, _ := summary(t, res.Output)
	within(t, key, "整个演示：", atOnce, "the whole run")
}

// Exercise 2: five hosts of 500ms take one host's 3s, against 15s one
// after another.
func TestKey2FiveHosts(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 2)
	res := lessontest.MustRun(t, t.Context(), Demos(), "wget-headers", "delays=500ms,500ms,500ms,500ms,500ms")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	atOnce, oneByOne := summary(t, res.Output)
	within(t, key, "总用时（`read at once`）：", atOnce, "read at once")
	within(t, key, "的估算：", oneByOne, "one after another")
}

// Exercise 3: delays 2s,0s stopped at 1s. bravo has sent its whole header,
// alpha nothing; the stop gets through at once; no summary.
func TestKey3StopAtOneSecond(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 3)
	headers, err := strconv.Atoi(lessontest.MustClaim(t, key, "能打印出全部"))
	if err != nil {
		t.Fatal(err)
	}
	bravoEnds := lessontest.MustClaim(t, key, "横条很快以")
	alphaEnds := lessontest.MustClaim(t, key, "它的横条以")
	res := lessontest.CheckStop(t, Demos(), "wget-headers", lessontest.Stop{
		Params: []string{"delays=2s,0s"}, After: time.Second, Within: lessontest.StopBound})
	if n := strings.Count(res.Output, "bravo.test   < "); n != headers {
		t.Errorf("bravo printed %d header lines, the key says %d:\n%s", n, headers, res.Output)
	}
	if strings.Contains(res.Output, "alpha.test   < ") {
		t.Errorf("alpha printed a header line, the key says none:\n%s", res.Output)
	}
	if strings.Contains(res.Output, "read at once") {
		t.Errorf("a stopped run printed the summary:\n%s", res.Output)
	}
	ended := map[string]string{}
	for _, e := range res.Events {
		if e.Phase == runner.PhaseEnd {
			ended[e.Task] = e.Status
		}
	}
	if ended["bravo.test"] != bravoEnds || ended["alpha.test"] != alphaEnds {
		t.Errorf("bravo ended %q, alpha %q; the key says %q and %q", ended["bravo.test"], ended["alpha.test"], bravoEnds, alphaEnds)
	}
}
