package httpclients

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters against the built-in flag site.
// Every claim is read from the key in lesson.md. Times are on the real
// clock, so the keys give ranges for them.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// part is the text of key from the first from on, up to the next to (or
// its end): the sentence or bullet one claim belongs to.
func part(t *testing.T, key, from, to string) string {
	t.Helper()
	_, after, found := strings.Cut(key, from)
	if !found {
		t.Fatalf("the key never says %q:\n%s", from, key)
	}
	if to != "" {
		after, _, _ = strings.Cut(after, to)
	}
	return after
}

func claimInt(t *testing.T, text, label string) int {
	t.Helper()
	n, err := strconv.Atoi(lessontest.MustClaim(t, text, label))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// within fails t unless got lies in the range the text claims after label.
func within(t *testing.T, text, label string, got float64, what string) {
	t.Helper()
	lo, hi := lessontest.MustRange(t, text, label)
	if got < lo || got > hi {
		t.Errorf("%s: %v, the key says %v–%v", what, got, lo, hi)
	}
}

// roundTime is the time a round's row of the table ends with.
func roundTime(t *testing.T, out, label string) float64 {
	t.Helper()
	for line := range strings.Lines(out) {
		rest, ok := strings.CutPrefix(line, label+" ")
		if !ok {
			continue
		}
		var n, fresh, reused int
		var secs float64
		if _, err := fmt.Sscanf(rest, "%d %d %d %fs", &n, &fresh, &reused, &secs); err == nil {
			return secs
		}
	}
	t.Fatalf("no table row %q in:\n%s", label, out)
	return 0
}

var openedLine = regexp.MustCompile(`connections opened: (\d+) instead of (\d+)`)

// opened reads the last line: connections the shared client opened, and
// those the fresh clients opened.
func opened(t *testing.T, out string) (shared, fresh int) {
	t.Helper()
	m := openedLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no connection count in:\n%s", out)
	}
	shared, _ = strconv.Atoi(m[1])
	fresh, _ = strconv.Atoi(m[2])
	return shared, fresh
}

// marksOf returns the row of marks printed for a round.
func marksOf(out, label string) string {
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, label+" "); ok && strings.ContainsAny(rest, "+.x") {
			return strings.Fields(rest)[0]
		}
	}
	return ""
}

// Exercise 1: one request at a time, so the counts and the marks are
// fixed; the times fall in the key's ranges.
func TestKey1OneAtATime(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "count=20", "parallel=1", "handshake=50ms")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	out := res.Output
	for _, r := range []struct{ label, claim string }{
		{"new client per request", part(t, key, "每次新建客户端：", "- 共享客户端：")},
		{"one shared client", part(t, key, "共享客户端：", "")},
	} {
		_, fresh, reused := tableRow(t, out, r.label)
		if want := claimInt(t, r.claim, "新开"); fresh != want {
			t.Errorf("%s: %d new, the key says %d", r.label, fresh, want)
		}
		if want := claimInt(t, r.claim, "复用"); reused != want {
			t.Errorf("%s: %d reused, the key says %d", r.label, reused, want)
		}
		within(t, r.claim, "耗时", roundTime(t, out, r.label), r.label+" time")
	}
	marks := regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(part(t, key, "两行记号分别是", "。"), -1)
	if len(marks) != 2 {
		t.Fatalf("the key quotes %d rows of marks, want 2", len(marks))
	}
	for i, label := range []string{"new client per request", "one shared client"} {
		if got := marksOf(out, label); got != marks[i][1] {
			t.Errorf("%s marks %q, the key says %q", label, got, marks[i][1])
		}
	}
}

// Exercise 2: five at a time. The shared client opens five connections;
// the requests that rode a brand-new one are between 1 and 5, a race
// between the dials and the first connections handed back.
func TestKey2FiveAtATime(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 2)
	wantOpened := claimInt(t, key, "打开的连接：")
	base := lessontest.FlagServer(t, flagserver.Config{})
	res := run(t, t.Context(), base, "count=20", "parallel=5", "handshake=50ms")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	out := res.Output
	if shared, _ := opened(t, out); shared != wantOpened {
		t.Errorf("the shared client opened %d connections, the key says %d", shared, wantOpened)
	}
	_, fresh, reused := tableRow(t, out, "one shared client")
	within(t, key, "`new conns`：在", float64(fresh), "shared new conns")
	if fresh+reused != 20 {
		t.Errorf("shared: %d new + %d reused, the key says they add up to 20", fresh, reused)
	}
	within(t, key, "第一轮耗时：", roundTime(t, out, "new client per request"), "round 1 time")
}

// Exercise 3: no handshake, 200 requests, three runs. The speed-up is
// noise at these times and is not checked; the connection counts are.
func TestKey3NoHandshake(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	wantFresh := claimInt(t, key, "一轮打开")
	atMost := claimInt(t, key, "最多打开")
	base := lessontest.FlagServer(t, flagserver.Config{})
	for range 3 {
		res := run(t, t.Context(), base, "count=200", "parallel=4", "handshake=0s")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		shared, fresh := opened(t, res.Output)
		if fresh != wantFresh || shared < 1 || shared > atMost {
			t.Errorf("opened %d (shared) and %d (fresh); the key says at most %d and %d", shared, fresh, atMost, wantFresh)
		}
	}
}
