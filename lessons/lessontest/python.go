package lessontest

// The asyncio programs. Every demo shows a Python program beside its Go
// code, and a learner can run it: the server swaps the demo's run function
// for the program (runner/python) and keeps everything else, parameters,
// limits and timeline. Python makes the same swap for a test, so Run,
// RunAt, CheckStop and the rest run the program exactly as the server
// does, on the real clock: a child process has no fake clock to share.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// FindPython finds the interpreter the server would find (python.Find with
// the default limits and candidates). Where there is none, tb is skipped
// with what to install, and fails under CI (CI=true).
func FindPython(tb testing.TB) *python.Interpreter {
	tb.Helper()
	in, err := python.Find(context.Background(), python.DefaultLimits())
	if err != nil {
		testenv.Missing(tb, "no Python for the asyncio programs (apt-get install python3 python3-aiohttp): %v", err)
	}
	// A stopped program's end is finished behind its run, as on the
	// server; tb ends once every one has.
	tb.Cleanup(in.Reaper().Wait)
	return in
}

// Python returns demo id of demos, run by its asyncio program instead of
// its Go code: the demo's Python file, read from files (the lesson's
// embedded sources, which the page shows), run by in. Everything else is
// the demo's own, its parameters and their checks included; the result is
// a one-demo list for Run, RunAt, CheckStop and the rest. A program that
// in cannot run (it imports aiohttp, which in lacks) skips tb, and fails
// it under CI.
func Python(tb testing.TB, in *python.Interpreter, demos []runner.Demo, files fs.FS, id string) []runner.Demo {
	tb.Helper()
	i := slices.IndexFunc(demos, func(d runner.Demo) bool { return d.ID == id })
	if i < 0 {
		tb.Fatalf("no demo %q", id)
	}
	d := demos[i]
	if d.Python == "" {
		tb.Fatalf("demo %s has no Python program", id)
	}
	src, err := fs.ReadFile(files, d.Python)
	if err != nil {
		tb.Fatalf("demo %s: %v", id, err)
	}
	if ok, why := in.CanRun(src); !ok {
		testenv.Missing(tb, "demo %s: %s", id, why)
	}
	d.Run = in.Program(d.Python, src)
	return []runner.Demo{d}
}

// RunWithin is RunAt under a time limit of its own (the output cap stays
// the default), for a test of what the limit does to a run.
func RunWithin(ctx context.Context, limit time.Duration, flagsURL string, demos []runner.Demo, id string, params ...string) (Result, error) {
	d, v, err := find(demos, id, params)
	if err != nil {
		return Result{}, err
	}
	env := serverEnv(flagsURL)
	env.Limits.RunTime = limit
	return execute(ctx, env, d, v, nil), nil
}

// CheckTimeLimit runs demo id of demos with s.Params under a time limit
// of s.After: the run must end with runner.ErrTimeout, at most s.Within
// after the limit fired. One run, no second chance.
//
// The bound is on what the course does once the limit has fired, as
// CheckStop's is from the stop: the limit's moment is taken from a timer
// of the same length started with the run, which fires with the run's
// own deadline — on a starved machine, both late alike. A run that
// overstays its limit, or whose limit is longer than it should be, is
// still measured from the moment the right limit fired.
func CheckTimeLimit(t testing.TB, demos []runner.Demo, id string, s Stop) Result {
	t.Helper()
	fired := make(chan time.Time, 1)
	limit := time.AfterFunc(s.After, func() { fired <- time.Now() })
	got, err := RunWithin(t.Context(), s.After, s.FlagsURL, demos, id, s.Params...)
	returned := time.Now()
	early := limit.Stop() // true: the limit has not fired yet
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(got.Err, runner.ErrTimeout) {
		t.Fatalf("%s under a limit of %v: err = %v, want %v; output:\n%s",
			describe(id, s.Params), s.After, got.Err, runner.ErrTimeout, got.Output)
	}
	if early {
		t.Errorf("%s under a limit of %v: ended with %v after %v, before its limit", describe(id, s.Params), s.After, got.Err, got.Elapsed)
		return got
	}
	if over := returned.Sub(<-fired); over > s.Within {
		t.Errorf("%s under a limit of %v: returned %v after the limit fired (%v into the run), allowed %v",
			describe(id, s.Params), s.After, over, got.Elapsed, s.Within)
	}
	return got
}

// TaskSummary is what one task did on a timeline: how often it started,
// how it ended, and the kinds of moment it marked (each point status
// once, sorted), for comparing two runs of one idea whose timing differs.
type TaskSummary struct {
	Waits  int // waits before a start (a permit, a lock): the grey 排队 on the timeline
	Starts int
	End    string // "" while it never ended
	Points []string
}

func (s TaskSummary) String() string {
	waits := ""
	if s.Waits > 0 {
		waits = fmt.Sprintf("%d wait(s), ", s.Waits)
	}
	return fmt.Sprintf("%s%d start(s), end %q, points %q", waits, s.Starts, s.End, s.Points)
}

// Tasks sums up events task by task.
func Tasks(events []runner.Event) map[string]TaskSummary {
	tasks := map[string]TaskSummary{}
	for _, e := range events {
		s := tasks[e.Task]
		switch e.Phase {
		case runner.PhaseWait:
			s.Waits++
		case runner.PhaseStart:
			s.Starts++
		case runner.PhaseEnd:
			s.End = e.Status
		case runner.PhasePoint:
			if !slices.Contains(s.Points, e.Status) {
				s.Points = append(s.Points, e.Status)
				slices.Sort(s.Points)
			}
		}
		tasks[e.Task] = s
	}
	return tasks
}

// CheckSameTasks fails t unless two runs of one idea, the Go demo's and
// its Python program's, put the same tasks on the timeline, each queued
// and started as often, ended with the same status and marking the same kinds of
// moment: the page draws both on one scale, lane for lane.
func CheckSameTasks(t testing.TB, goEvents, pyEvents []runner.Event) {
	t.Helper()
	want, got := Tasks(goEvents), Tasks(pyEvents)
	for _, task := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[task]
		switch {
		case !ok:
			t.Errorf("task %q: in Go (%v), not in Python", task, want[task])
		case g.Waits != want[task].Waits || g.Starts != want[task].Starts || g.End != want[task].End || !slices.Equal(g.Points, want[task].Points):
			t.Errorf("task %q: Python %v, Go %v", task, g, want[task])
		}
	}
	var extra []string
	for task := range got {
		if _, ok := want[task]; !ok {
			extra = append(extra, task)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		t.Errorf("tasks only in Python: %s", strings.Join(extra, ", "))
	}
}
