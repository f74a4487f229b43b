package structured

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The asyncio programs, run as the server runs them when a learner picks
// Python: for runs of the Go demos with wide margins, the same console
// (times masked) and the same lanes on the timeline, each ended the same
// way; the keys' claims hold for them too, times included; a stop or the
// time limit ends the process within 100ms.
func TestPythonPrograms(t *testing.T) {
	in := lessontest.FindPython(t)
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
		t.Run(c.id+" "+strings.Join(c.params, " "), func(t *testing.T) {
			t.Parallel()
			var goRes lessontest.Result
			synctest.Test(t, func(t *testing.T) {
				goRes = lessontest.MustRun(t, t.Context(), Demos(), c.id, c.params...)
			})
			if goRes.Err != nil {
				t.Fatal(goRes.Err)
			}
			py := lessontest.Python(t, in, Demos(), Files, c.id)
			res := lessontest.MustRun(t, t.Context(), py, c.id, c.params...)
			if res.Err != nil {
				t.Fatalf("%v\n%s", res.Err, res.Output)
			}
			if got, want := lessontest.MaskTimes(res.Output), lessontest.MaskTimes(goRes.Output); got != want {
				t.Errorf("console:\n%s\nthe Go demo's:\n%s", got, want)
			}
			lessontest.CheckSameTasks(t, goRes.Events, res.Events)
		})
	}

	// pyRun runs the asyncio program of demo id with params.
	pyRun := func(t *testing.T, id string, params ...string) func(ctx context.Context) lessontest.Result {
		py := lessontest.Python(t, in, Demos(), Files, id)
		return func(ctx context.Context) lessontest.Result {
			res := lessontest.MustRun(t, ctx, py, id, params...)
			if res.Err != nil {
				t.Fatalf("%v\n%s", res.Err, res.Output)
			}
			return res
		}
	}
	t.Run("key 1", func(t *testing.T) {
		t.Parallel()
		key := lessontest.MustAnswerKey(t, Files, 1)
		group, collect, _ := strings.Cut(key, "`mode=collect`：")
		for _, c := range []struct{ mode, part, label string }{
			{"group", group, "group 模式下约"}, {"collect", collect, "collect 模式下最后一行要到约"},
		} {
			lo, hi := lessontest.MustRange(t, c.part, c.label)
			realClock(t, pyRun(t, "group-cancel", "mode="+c.mode), lo, hi, func(t *testing.T, _ string, res lessontest.Result) float64 {
				_, last := outcomes(t, res.Output)
				return last
			})
		}
	})
	t.Run("key 2", func(t *testing.T) {
		t.Parallel()
		// Who ends how does not depend on the step; a wide one keeps the
		// order of the moments on the real clock.
		key := lessontest.MustAnswerKey(t, Files, 2)
		bars, _ := lessontest.MustRange(t, key, "时间线上有")
		res := pyRun(t, "group-cancel", "limit=2", "fail=1", "step=500ms")(t.Context())
		checkKey2(t, "Python", res, lessontest.MustClaim(t, key, "第 3 个："), lessontest.MustClaim(t, key, "第 4 个："), int(bars))
	})
	t.Run("key 3", func(t *testing.T) {
		t.Parallel()
		key := lessontest.MustAnswerKey(t, Files, 3)
		cancelLo, cancelHi := lessontest.MustRange(t, key, "工作被取消时，最后一行约在")
		goesOnLo, goesOnHi := lessontest.MustRange(t, key, "工作没被取消，最后一行约在")
		for _, c := range []struct {
			how    string
			lo, hi float64
		}{{"timeout", cancelLo, cancelHi}, {"wait_for", cancelLo, cancelHi}, {"shield", goesOnLo, goesOnHi}} {
			realClock(t, pyRun(t, "deadline", "how="+c.how, "work=300ms", "timeout=200ms"), c.lo, c.hi,
				func(t *testing.T, _ string, res lessontest.Result) float64 { return lastSeconds(t, res.Output) })
		}
	})

	for _, c := range []struct {
		id     string
		params []string
	}{
		{"group-cancel", []string{"step=2s"}},
		{"deadline", []string{"how=shield", "work=5s", "timeout=5s"}},
		{"first-reply", []string{"delays=2s,2s"}},
	} {
		t.Run(c.id+" stops", func(t *testing.T) {
			t.Parallel()
			py := lessontest.Python(t, in, Demos(), Files, c.id)
			lessontest.CheckStopBestOf3(t, py, c.id, lessontest.Stop{
				Params: c.params, After: 150 * time.Millisecond, Within: lessontest.PythonStopBound})
			lessontest.CheckTimeLimit(t, py, c.id, lessontest.Stop{
				Params: c.params, After: time.Second, Within: lessontest.PythonStopBound})
		})
	}
}
