package structured

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The asyncio programs, run as the server runs them when a learner picks
// Python: for runs of the Go demos with wide margins, the same console
// (times masked) and the same lanes on the timeline, each ended the same
// way; the keys' claims hold for them too, times included, in one run on
// the real clock; a stop or the time limit ends the process within 100ms.
func TestPython(t *testing.T) {
	var cases []lessontest.PythonCase
	// The runs to compare, with margins of hundreds of milliseconds
	// between the moments that decide who ends how: the Python process
	// runs on the real clock, on a machine that may be busy.
	for _, c := range []struct {
		id     string
		params []string
	}{
		{"group-cancel", []string{"step=500ms"}},
		{"group-cancel", []string{"mode=collect", "step=300ms"}},
		{"group-cancel", []string{"limit=2", "fail=1", "step=500ms"}},
		{"group-cancel", []string{"limit=1", "fail=3", "step=300ms"}},
		{"group-cancel", []string{"fail=0", "step=300ms"}},
		{"deadline", []string{"how=timeout", "work=900ms", "timeout=400ms"}},
		{"deadline", []string{"how=wait_for", "work=900ms", "timeout=400ms"}},
		{"deadline", []string{"how=shield", "work=900ms", "timeout=400ms"}},
		{"deadline", []string{"how=shield", "work=200ms", "timeout=700ms"}},
		{"first-reply", []string{"delays=900ms,300ms,600ms"}},
	} {
		cases = append(cases, lessontest.PythonCase{ID: c.id, Params: c.params,
			Check: func(t *testing.T, run lessontest.PythonRun) {
				// The Go demo on the exact clock: the run the Python one
				// must match, its margins kept whatever the machine does.
				var goRes lessontest.Result
				synctest.Test(t, func(t *testing.T) {
					goRes = lessontest.MustRun(t, t.Context(), Demos(), c.id, c.params...)
				})
				if goRes.Err != nil {
					t.Fatal(goRes.Err)
				}
				if got, want := lessontest.MaskTimes(run.Output), lessontest.MaskTimes(goRes.Output); got != want {
					t.Errorf("console:\n%s\nthe Go demo's:\n%s", got, want)
				}
				lessontest.CheckSameTasks(t, goRes.Events, run.Events)
			}})
	}

	// Key 1: the last line's time, in group mode and in collect mode.
	key1 := lessontest.MustAnswerKey(t, Files, 1)
	group, collect, _ := strings.Cut(key1, "`mode=collect`：")
	for _, c := range []struct{ mode, part, label string }{
		{"group", group, "group 模式下约"}, {"collect", collect, "collect 模式下最后一行要到约"},
	} {
		lo, hi := lessontest.MustRange(t, c.part, c.label)
		cases = append(cases, lessontest.PythonCase{Name: "key 1 mode=" + c.mode, ID: "group-cancel", Params: []string{"mode=" + c.mode},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				_, last := outcomes(t, run.Output)
				inKeyRange(t, last, lo, hi)
			}})
	}
	// Key 2: who ends how does not depend on the step; a wide one keeps
	// the order of the moments on the real clock.
	key2 := lessontest.MustAnswerKey(t, Files, 2)
	bars, _ := lessontest.MustRange(t, key2, "时间线上有")
	third, fourth := lessontest.MustClaim(t, key2, "第 3 个："), lessontest.MustClaim(t, key2, "第 4 个：")
	cases = append(cases, lessontest.PythonCase{Name: "key 2", ID: "group-cancel", Params: []string{"limit=2", "fail=1", "step=500ms"},
		Check: func(t *testing.T, run lessontest.PythonRun) {
			checkKey2(t, "Python", run.Result, third, fourth, int(bars))
		}})
	// Key 3: the last line's time when the work is cancelled, and when it
	// is not.
	key3 := lessontest.MustAnswerKey(t, Files, 3)
	cancelLo, cancelHi := lessontest.MustRange(t, key3, "工作被取消时，最后一行约在")
	goesOnLo, goesOnHi := lessontest.MustRange(t, key3, "工作没被取消，最后一行约在")
	for _, c := range []struct {
		how    string
		lo, hi float64
	}{{"timeout", cancelLo, cancelHi}, {"wait_for", cancelLo, cancelHi}, {"shield", goesOnLo, goesOnHi}} {
		cases = append(cases, lessontest.PythonCase{Name: "key 3 how=" + c.how, ID: "deadline", Params: []string{"how=" + c.how, "work=300ms", "timeout=200ms"},
			Check: func(t *testing.T, run lessontest.PythonRun) {
				inKeyRange(t, lastSeconds(t, run.Output), c.lo, c.hi)
			}})
	}

	for _, c := range []struct {
		id     string
		params []string
	}{
		{"group-cancel", []string{"step=2s"}},
		{"deadline", []string{"how=shield", "work=5s", "timeout=5s"}},
		{"first-reply", []string{"delays=2s,2s"}},
	} {
		cases = append(cases,
			lessontest.PythonCase{ID: c.id, Params: c.params, Stop: 150 * time.Millisecond},
			lessontest.PythonCase{ID: c.id, Params: c.params, TimeLimit: time.Second})
	}
	lessontest.PythonTable(t, Demos(), Files, cases)
}

// inKeyRange fails t unless a time a run printed is in the range a key
// quotes.
func inKeyRange(t *testing.T, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("real clock: %.2fs, the key says %g–%g", got, lo, hi)
	}
}
