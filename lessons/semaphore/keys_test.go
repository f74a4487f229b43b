package semaphore

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The keys (参考答案) of the lesson's exercises, checked against the demo
// run with each exercise's parameters (the lesson's defaults for the rest)
// on the real clock, against the flag server over loopback. Every range,
// count and country the keys commit to is read from lesson.md.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

var (
	totalLine  = regexp.MustCompile(`(?m)^20 flags in (\d+\.\d\d)s, at most (\d+) requests in flight`)
	resultLine = regexp.MustCompile(`(?m)^\[\d+\.\d\ds\] ([A-Z]{2}) (.*)$`)
)

// outcome is what one run printed: its total, the most requests it had in
// flight, and the countries in the order they were printed with their kind.
type outcome struct {
	seconds  float64
	inFlight int
	order    []string
	kind     map[string]string
	output   string
}

func runKey(t *testing.T, base string, params ...string) outcome {
	t.Helper()
	res := run(t, t.Context(), base, params...)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	m := totalLine.FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatalf("%v: no summary in\n%s", params, res.Output)
	}
	o := outcome{kind: map[string]string{}, output: res.Output}
	o.seconds, _ = strconv.ParseFloat(m[1], 64)
	o.inFlight, _ = strconv.Atoi(m[2])
	for _, r := range resultLine.FindAllStringSubmatch(res.Output, -1) {
		o.order = append(o.order, r[1])
		o.kind[r[1]], _, _ = strings.Cut(r[2], " (")
	}
	return o
}

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s: %g, the key says %g–%g", what, got, lo, hi)
	}
}

// Exercise 1: limits 1, 3 and 20 at 100ms, in ⌈20/limit⌉ waves; and at
// limit 1 the order is not the sequential lesson's.
func TestKey1Waves(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	_, rest, _ := strings.Cut(key, "- `limit` = 1：")
	at1, rest, _ := strings.Cut(rest, "- `limit` = 3：")
	at3, at20, found := strings.Cut(rest, "- `limit` = 20：")
	if !found {
		t.Fatalf("the key no longer lists limits 1, 3 and 20:\n%s", key)
	}
	base := server(t)
	var sequential []string
	for _, c := range flagserver.Countries()[:20] {
		sequential = append(sequential, c.Code)
	}
	for _, c := range []struct {
		limit int
		part  string
	}{{1, at1}, {3, at3}, {20, at20}} {
		lo, hi := lessontest.MustRange(t, c.part, "总结行在")
		o := runKey(t, base, fmt.Sprint("limit=", c.limit))
		within(t, fmt.Sprintf("limit %d", c.limit), o.seconds, lo, hi)
		if o.inFlight != c.limit {
			t.Errorf("limit %d: at most %d in flight", c.limit, o.inFlight)
		}
		if c.limit != 1 {
			continue
		}
		if !strings.Contains(key, "顺序和顺序版不一样") {
			t.Fatalf("the key no longer says the order differs:\n%s", key)
		}
		// The key says the order differs from run to run and is not the
		// loop's: one of a few runs must show that.
		for try := 0; slices.Equal(o.order, sequential); try++ {
			if try == 2 {
				t.Errorf("limit 1 printed the sequential order %v three times running", o.order)
				break
			}
			o = runKey(t, base, "limit=1")
		}
	}
}

// Exercise 2: a limit far above the number of flags.
func TestKey2LimitAboveCount(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 2)
	lo, hi := lessontest.MustRange(t, key, "总结行在")
	most, err := strconv.Atoi(lessontest.MustClaim(t, key, "`at most` 后面是"))
	if err != nil {
		t.Fatal(err)
	}
	o := runKey(t, server(t), "limit=1000")
	within(t, "limit 1000", o.seconds, lo, hi)
	if o.inFlight != most {
		t.Errorf("at most %d in flight, the key says %d", o.inFlight, most)
	}
}

// Exercise 3: every request fails, but the missing flags are 404s first.
func TestKey3EveryRequestFails(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	kind := lessontest.MustClaim(t, key, "仍被记成")
	o := runKey(t, server(t), "error_rate=1")
	lessontest.CheckExcerpts(t, key, o.output)
	for _, cc := range []string{"CD", "IR"} {
		if o.kind[cc] != kind {
			t.Errorf("%s printed as %q, the key says %q", cc, o.kind[cc], kind)
		}
	}
}

// Exercise 4: seed 1 instead of 2: other countries fail, and more of them.
func TestKey4AnotherSeed(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 4)
	want := strings.Fields(lessontest.MustClaim(t, key, "`seed` = 1 时是"))
	o := runKey(t, server(t), "seed=1")
	lessontest.CheckExcerpts(t, key, o.output)
	var failed []string
	for cc, k := range o.kind {
		if k == "error" {
			failed = append(failed, cc)
		}
	}
	slices.Sort(failed)
	if !slices.Equal(failed, want) {
		t.Errorf("seed 1: %v failed, the key says %v", failed, want)
	}
}
