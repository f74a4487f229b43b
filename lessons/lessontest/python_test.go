package lessontest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/python"
)

// recorder is a testing.TB that writes down what a helper reports
// instead of failing the test, so that the helpers' own failures can be
// tested. Skip and Fatal end the calling goroutine, as they do in tests.
type recorder struct {
	testing.TB
	errors, fatals, skips []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (r *recorder) Skip(args ...any) {
	r.skips = append(r.skips, fmt.Sprint(args...))
	runtime.Goexit()
}

// run calls f with r on a goroutine of its own, as testing runs a test.
func (r *recorder) run(f func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// slowStart stands in for a Python run: it spends a while starting (an
// interpreter's start-up) before its first event, then waits until it is
// stopped or its time is up.
func slowStart() []runner.Demo {
	return []runner.Demo{{ID: "slow-start", Lesson: "test", Title: "slow start", Source: "slow.go",
		Params: []runner.Param{{Name: "for", Kind: runner.KindDuration, Default: "1s", Min: "1ms", Max: "10s", Help: "how long"}},
		Run: func(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
			time.Sleep(500 * time.Millisecond) // starting up: no events yet
			ev.Start("work")
			t := time.NewTimer(p.Duration("for"))
			defer t.Stop()
			select {
			case <-t.C:
				ev.End("work", "ok")
				fmt.Fprintln(out, "done")
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}}
}

// StopAfterStart counts from the first event, not from the start: a
// program stopped 300ms into its work is stopped 800ms into its run,
// and one that is over before that is not stopped at all.
func TestStopAfterStartCountsFromTheFirstEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, v, err := find(slowStart(), "slow-start", []string{"for=1s"})
		if err != nil {
			t.Fatal(err)
		}
		got := StopAfterStart(t.Context(), serverEnv(""), d, v, 300*time.Millisecond)
		if !errors.Is(got.Err, runner.ErrStopped) || got.Late != 0 || got.Elapsed != 800*time.Millisecond {
			t.Errorf("err %v, late %v, elapsed %v; want stopped at once, 800ms into the run", got.Err, got.Late, got.Elapsed)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		d, v, err := find(slowStart(), "slow-start", []string{"for=100ms"})
		if err != nil {
			t.Fatal(err)
		}
		got := StopAfterStart(t.Context(), serverEnv(""), d, v, 300*time.Millisecond)
		if got.Err != nil || got.Output != "done\n" || got.Late != 0 {
			t.Errorf("err %v, output %q, late %v; want a whole run, never stopped", got.Err, got.Output, got.Late)
		}
	})
}

// CheckStop, counting from the first event, fails a run that returns
// late after the stop, and CheckTimeLimit one that overruns its limit: at
// the first late return, with no second try.
func TestPythonChecksCatchLateRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &recorder{TB: t}
		r.run(func(tb testing.TB) {
			CheckStop(tb, standIns(), "ignores", Stop{Params: []string{"for=2s"}, After: 100 * time.Millisecond, FromFirstEvent: true, Within: StopBound})
		})
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], "stopped 100ms into its timeline: returned 1.9s after the stop, allowed 100ms") {
			t.Errorf("a demo deaf to Stop: %q", r.errors)
		}
		r = &recorder{TB: t}
		r.run(func(tb testing.TB) {
			CheckStop(tb, standIns(), "honours", Stop{Params: []string{"for=2s"}, After: 100 * time.Millisecond, FromFirstEvent: true, Within: StopBound})
		})
		if len(r.errors)+len(r.fatals) != 0 {
			t.Errorf("a demo that stops at once: %q %q", r.errors, r.fatals)
		}
		r = &recorder{TB: t}
		r.run(func(tb testing.TB) {
			CheckTimeLimit(tb, standIns(), "ignores", Stop{Params: []string{"for=2s"}, After: time.Second, Within: StopBound})
		})
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], "returned 1s after the limit fired (2s into the run), allowed 100ms") {
			t.Errorf("a demo deaf to its time limit: %q", r.errors)
		}
		r = &recorder{TB: t}
		r.run(func(tb testing.TB) {
			CheckTimeLimit(tb, standIns(), "honours", Stop{Params: []string{"for=100ms"}, After: time.Second, Within: StopBound})
		})
		if len(r.fatals) != 1 || !strings.Contains(r.fatals[0], "want timeout") {
			t.Errorf("a demo over before its limit: %q", r.fatals)
		}
	})
}

func TestTasksAndCheckSameTasks(t *testing.T) {
	ev := func(task, phase, status string) runner.Event {
		return runner.Event{Task: task, Phase: phase, Status: status}
	}
	goEvents := []runner.Event{
		ev("spinner", runner.PhaseStart, ""), ev("spinner", runner.PhasePoint, "frame"),
		ev("spinner", runner.PhasePoint, "frame"), ev("spinner", runner.PhasePoint, "late"),
		ev("slow call", runner.PhaseStart, ""), ev("slow call", runner.PhaseEnd, "ok"),
		ev("spinner", runner.PhaseEnd, "cancelled"),
	}
	got := Tasks(goEvents)
	if s := got["spinner"]; s.Starts != 1 || s.End != "cancelled" || strings.Join(s.Points, ",") != "frame,late" {
		t.Errorf("spinner: %v", s)
	}
	// Another run of the same idea, with other timing: the same tasks.
	same := []runner.Event{
		ev("slow call", runner.PhaseStart, ""), ev("spinner", runner.PhaseStart, ""),
		ev("spinner", runner.PhasePoint, "late"), ev("spinner", runner.PhasePoint, "frame"),
		ev("slow call", runner.PhaseEnd, "ok"), ev("spinner", runner.PhaseEnd, "cancelled"),
	}
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { CheckSameTasks(tb, goEvents, same) })
	if len(r.errors) != 0 {
		t.Errorf("the same tasks in another order: %q", r.errors)
	}
	// A lane missing, an end that differs, and a lane Go does not have.
	other := []runner.Event{
		ev("spinner", runner.PhaseStart, ""), ev("spinner", runner.PhasePoint, "frame"),
		ev("spinner", runner.PhasePoint, "late"), ev("spinner", runner.PhaseEnd, "flag"),
		ev("extra", runner.PhaseStart, ""),
	}
	r = &recorder{TB: t}
	r.run(func(tb testing.TB) { CheckSameTasks(tb, goEvents, other) })
	all := strings.Join(r.errors, "\n")
	for _, want := range []string{`task "slow call": in Go`, `task "spinner": Python 1 start(s), end "flag"`, "tasks only in Python: extra"} {
		if !strings.Contains(all, want) {
			t.Errorf("CheckSameTasks did not say %q:\n%s", want, all)
		}
	}
}

// Python swaps a demo's run for its program, keeps its parameters, and
// skips (or, under CI, fails) a test whose program this interpreter
// cannot run.
func TestPythonSwapsTheRun(t *testing.T) {
	files := fstest.MapFS{
		"echo.py": {Data: []byte("import sys\nimport walkthrough as wt\nwt.start('echo')\nprint('for', wt.text('for', '1s'), sys.argv[1:])\nwt.end('echo')\n")},
		"web.py":  {Data: []byte("import aiohttp\n")},
	}
	demos := standIns()
	demos[0].Python = "echo.py"
	demos[1].Python = "web.py"

	// No aiohttp: the download program is skipped, or fails under CI.
	// The test sets CI itself both ways, whatever the run it is part of.
	t.Setenv("CI", "")
	bare := &python.Interpreter{Version: "3.11.2"}
	r := &recorder{TB: t}
	r.run(func(tb testing.TB) { Python(tb, bare, demos, files, "ignores") })
	if len(r.skips) != 1 || !strings.Contains(r.skips[0], "python3-aiohttp") {
		t.Errorf("skips %q, want one naming python3-aiohttp", r.skips)
	}
	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	r.run(func(tb testing.TB) { Python(tb, bare, demos, files, "ignores") })
	if len(r.fatals) != 1 || len(r.skips) != 0 {
		t.Errorf("under CI: fatals %q, skips %q; want one failure", r.fatals, r.skips)
	}
	t.Setenv("CI", "")

	in := FindPython(t)
	py := Python(t, in, demos, files, "honours")
	if len(py) != 1 || py[0].ID != "honours" || len(py[0].Params) != 1 {
		t.Fatalf("got %+v, want the honours demo alone, its parameter kept", py)
	}
	res := MustRun(t, t.Context(), py, "honours", "for=250ms")
	if res.Err != nil || res.Output != "for 250ms ['for=250ms']\n" {
		t.Errorf("err %v, output %q; want the program's line", res.Err, res.Output)
	}
	if s := Tasks(res.Events)["echo"]; s.Starts != 1 || s.End != "ok" {
		t.Errorf("timeline %v, want the program's task", res.Events)
	}
	if _, err := Run(t.Context(), py, "honours", "for=1h"); err == nil {
		t.Error("a value the demo refuses was passed to the program")
	}
}
