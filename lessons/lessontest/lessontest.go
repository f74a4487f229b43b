// Package lessontest runs a demo the way the server does, for the lessons'
// tests: output collected, events recorded, and one shared check that a
// stopped run returns in time (CheckStop, CheckStopsEverywhere, and
// CheckTimeLimit for the time limit).
//
// A demo that only waits on timers is tested inside a testing/synctest
// bubble: its clock is fake, so its printed times, its timeline and how
// late it returns after a stop are exact, and the pinned output is the
// whole output, times included. A demo that does real I/O (the flag site
// over loopback, a blocking read(2)) runs on the real clock; MaskTimes
// hides its printed durations and StopBound bounds its stops.
package lessontest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// Result is what one run produced.
type Result struct {
	Output  string
	Events  []runner.Event
	Err     error
	Elapsed time.Duration // as Execute measured it; exact inside a synctest bubble
}

// Run finds id among demos, parses params (name=value pairs) and runs it
// under the default limits, with no flag site.
func Run(ctx context.Context, demos []runner.Demo, id string, params ...string) (Result, error) {
	return RunAt(ctx, "", demos, id, params...)
}

// RunAt is Run for a demo that downloads: Execute hands it flagsURL, as
// the server hands its demos the built-in flag site.
func RunAt(ctx context.Context, flagsURL string, demos []runner.Demo, id string, params ...string) (Result, error) {
	d, v, err := find(demos, id, params)
	if err != nil {
		return Result{}, err
	}
	return execute(ctx, serverEnv(flagsURL), d, v, nil), nil
}

// find looks id up among demos and parses params (name=value pairs) the
// way the server parses what a learner typed.
func find(demos []runner.Demo, id string, params []string) (*runner.Demo, runner.Values, error) {
	reg, err := runner.NewRegistry(demos...)
	if err != nil {
		return nil, runner.Values{}, err
	}
	d, ok := reg.Lookup(id)
	if !ok {
		return nil, runner.Values{}, fmt.Errorf("no demo %q", id)
	}
	raw := map[string]string{}
	for _, kv := range params {
		name, value, found := strings.Cut(kv, "=")
		if !found {
			return nil, runner.Values{}, fmt.Errorf("parameter %q is not name=value", kv)
		}
		raw[name] = value
	}
	v, err := d.Parse(raw)
	if err != nil {
		return nil, runner.Values{}, err
	}
	return d, v, nil
}

// serverEnv is what the server hands a run: the default limits, and the
// flag site for the demos that download.
func serverEnv(flagsURL string) runner.Env {
	return runner.Env{FlagsURL: flagsURL, Limits: runner.DefaultLimits()}
}

// execute runs d through runner.Execute, collecting what it printed and
// the events it reported; onEvent, if set, is called after each event.
func execute(ctx context.Context, env runner.Env, d *runner.Demo, v runner.Values, onEvent func()) Result {
	var out bytes.Buffer
	var events []runner.Event // Execute hands events over one at a time
	res := runner.Execute(ctx, env, d, v, &out, func(e runner.Event, _ int) {
		events = append(events, e)
		if onEvent != nil {
			onEvent()
		}
	})
	return Result{Output: out.String(), Events: events, Err: res.Err, Elapsed: res.Elapsed}
}

// A time as demos print it: 1.23s, 250ms, 0.5 s, 12µs, 1m2.5s.
var times = regexp.MustCompile(`\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s)\b|\d+m\d+(?:\.\d+)?s`)

// MaskTimes replaces every printed duration with "<t>".
func MaskTimes(s string) string { return times.ReplaceAllString(s, "<t>") }

// Screen renders output the way a terminal shows it once the program has
// finished: \r returns to the line start, \b steps back one column, other
// characters overwrite. Trailing spaces are trimmed from every line.
func Screen(s string) string {
	lines := [][]rune{{}}
	row, col := 0, 0
	for _, r := range s {
		switch r {
		case '\n':
			row++
			col = 0
			if row == len(lines) {
				lines = append(lines, []rune{})
			}
		case '\r':
			col = 0
		case '\b':
			if col > 0 {
				col--
			}
		default:
			for len(lines[row]) <= col {
				lines[row] = append(lines[row], ' ')
			}
			lines[row][col] = r
			col++
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return strings.Join(out, "\n")
}

// StartFlagServer serves the built-in flag site on a loopback port, for
// tests and Example functions of the download lessons: its base URL, and a
// function that stops it.
func StartFlagServer(cfg flagserver.Config) (string, func(), error) {
	running, err := flagserver.Start("127.0.0.1:0", cfg)
	if err != nil {
		return "", nil, err
	}
	return running.URL, func() { running.Close(context.Background()) }, nil
}

// FlagServer is StartFlagServer for a test: stopped when the test ends.
func FlagServer(tb testing.TB, cfg flagserver.Config) string {
	tb.Helper()
	url, stop, err := StartFlagServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return url
}

// StopBound is how late a stop may be on the real clock: the course's
// promise, 100 ms, the same for a Go demo and a Python program, measured
// from the instant the run's context is cancelled to the instant Execute
// returns, in one try (see testenv.StopBound). A demo that only waits on
// timers needs no room: inside a synctest bubble it returns at the very
// instant of the stop (Stop.Within 0).
const StopBound = testenv.StopBound

// Stop describes one stop check: a run of a demo, stopped After into it.
type Stop struct {
	FlagsURL string   // the flag site, for a demo that downloads
	Params   []string // name=value, as for Run

	// After is when the run is stopped, counted from its start, or from
	// its first timeline event if FromFirstEvent is set.
	After time.Duration
	// FromFirstEvent counts After from the run's first timeline event: a
	// Python program spends its first tens of milliseconds starting an
	// interpreter, more on a busy machine, and a stop meant for the
	// middle of its work must not land in that.
	FromFirstEvent bool
	// Within is how long after the stop the run may take to return. The
	// zero value demands the same instant, which only the fake clock of a
	// synctest bubble can measure; on the real clock use StopBound.
	Within time.Duration
	// MayEndFirst lets a run end by itself before the stop comes (or as
	// it comes, finishing in time): the check then has nothing to measure
	// and passes. For a sweep of stop points over demos whose lengths
	// differ.
	MayEndFirst bool
}

// Stopped is how a run that was stopped ended.
type Stopped struct {
	Result
	// Cancelled says the stop came before the run returned.
	Cancelled bool
	// Late is how long the run took to return once stopped: from the
	// cancel to the return of Execute. Exact inside a synctest bubble.
	Late time.Duration
	// At is how far into the run the stop came: on a busy machine, later
	// than asked. Exact inside a synctest bubble.
	At time.Duration
}

// StopAfter executes d with v under env, as the server does, and stops it
// after the given time, as the Stop button does: it cancels the run's
// context. A run that ends by itself before that is not stopped, and its
// Err is not runner.ErrStopped.
func StopAfter(ctx context.Context, env runner.Env, d *runner.Demo, v runner.Values, after time.Duration) Stopped {
	return stopRun(ctx, env, d, v, after, false)
}

// StopAfterStart is StopAfter counted from the run's first timeline event
// rather than from its start (Stop.FromFirstEvent). A run that reports no
// event is never stopped.
func StopAfterStart(ctx context.Context, env runner.Env, d *runner.Demo, v runner.Values, after time.Duration) Stopped {
	return stopRun(ctx, env, d, v, after, true)
}

// stopRun is StopAfter and StopAfterStart. The instant of the stop is
// taken just before the cancel and the instant of the return just after
// Execute: Late is the run's own time to stop, whatever the machine was
// doing before.
func stopRun(ctx context.Context, env runner.Env, d *runner.Demo, v runner.Values, after time.Duration, fromFirstEvent bool) Stopped {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := make(chan struct{})
	var once sync.Once
	begin := func() { once.Do(func() { close(started) }) }
	if !fromFirstEvent {
		begin()
	}
	stoppedAt := make(chan time.Time, 1)
	var stopper sync.WaitGroup
	stopper.Go(func() {
		select {
		case <-started:
		case <-ctx.Done():
			return
		}
		t := time.NewTimer(after)
		defer t.Stop()
		select {
		case <-t.C:
			stoppedAt <- time.Now()
			cancel()
		case <-ctx.Done():
		}
	})
	begun := time.Now()
	res := execute(ctx, env, d, v, begin)
	returned := time.Now()
	cancel()
	stopper.Wait()
	got := Stopped{Result: res}
	select {
	case at := <-stoppedAt:
		// A stop that came as the run was returning by itself did not
		// stop it.
		if !at.After(returned) {
			got.Cancelled = true
			got.Late = returned.Sub(at)
			got.At = at.Sub(begun)
		}
	default: // ended (or failed) before the stop came
	}
	return got
}

// CheckStop is the lessons' one stop test, for Go demos and Python
// programs alike. It runs demo id of demos with s.Params, stops it
// s.After into the run (or into its timeline), and fails t unless the run
// returned runner.ErrStopped at most s.Within after the stop. One run, no
// second chance. The caller checks the rest (what was printed, which
// tasks ended how) on the result.
//
// Inside a synctest bubble (a demo that only waits on timers) leave Within
// at zero: the run must return at the very instant it was stopped, unless
// the lesson is that it cannot (the thread spinner finishes its frame).
// On the real clock use StopBound.
func CheckStop(t testing.TB, demos []runner.Demo, id string, s Stop) Stopped {
	t.Helper()
	d, v, err := find(demos, id, s.Params)
	if err != nil {
		t.Fatal(err)
	}
	got := stopRun(t.Context(), serverEnv(s.FlagsURL), d, v, s.After, s.FromFirstEvent)
	into := "its run"
	if s.FromFirstEvent {
		into = "its timeline"
	}
	if s.MayEndFirst && (!got.Cancelled || got.Err == nil) {
		// Over by itself, before the stop or as it came (a run that ends
		// as the stop arrives finishes): only a finish long after it
		// would be a stop ignored.
		if got.Cancelled && got.Late > s.Within {
			t.Errorf("%s stopped %v into %s: finished %v after the stop, allowed %v", describe(id, s.Params), s.After, into, got.Late, s.Within)
		}
		return got
	}
	if !errors.Is(got.Err, runner.ErrStopped) {
		t.Errorf("%s stopped %v into %s: err = %v, want %v; output:\n%s", describe(id, s.Params), s.After, into, got.Err, runner.ErrStopped, got.Output)
		return got
	}
	if got.Late > s.Within {
		t.Errorf("%s stopped %v into %s: returned %v after the stop, allowed %v", describe(id, s.Params), s.After, into, got.Late, s.Within)
	}
	return got
}

// CheckStopsEverywhere is CheckStop all along a run, for a demo that only
// waits on timers. It runs the demo once to its end to learn how long it
// takes, then stops fresh runs at s.After, s.After+step, ... up to that
// end, each in a synctest bubble of its own, where time costs nothing; a
// run that returned more than s.Within after any of those stops fails t.
//
// Choose s.After and step so that no stop falls on an instant at which a
// timer of the demo fires (with durations of whole 10 ms, stops at 5 ms +
// n×10 ms never do): at one and the same fake instant, which of the two
// goes first is up to the scheduler, and a demo that had just finished by
// itself would not count as stopped.
func CheckStopsEverywhere(t *testing.T, demos []runner.Demo, id string, step time.Duration, s Stop) {
	t.Helper()
	if step <= 0 {
		t.Fatalf("step %v: want a positive step", step)
	}
	var whole time.Duration
	synctest.Test(t, func(t *testing.T) {
		res := MustRunAt(t, t.Context(), s.FlagsURL, demos, id, s.Params...)
		if res.Err != nil {
			t.Fatalf("%s: the unstopped run failed: %v", describe(id, s.Params), res.Err)
		}
		whole = res.Elapsed
	})
	points := 0
	for after := s.After; after < whole; after += step {
		at := s
		at.After = after
		synctest.Test(t, func(t *testing.T) { CheckStop(t, demos, id, at) })
		points++
		if t.Failed() {
			return // the first late stop says it; a hundred more would not
		}
	}
	if points == 0 {
		t.Errorf("%s: the run takes %v, no stop before its end", describe(id, s.Params), whole)
	}
	t.Logf("%s: %d stops, every %v from %v, in a run of %v", describe(id, s.Params), points, step, s.After, whole)
}

// describe names a run in a message: "hello-tasks durations=5s,10ms".
func describe(id string, params []string) string {
	if len(params) == 0 {
		return id + " (defaults)"
	}
	return id + " " + strings.Join(params, " ")
}

// MustRun is Run for a test: a demo id or parameter the test got wrong
// ends the test at once. How the run itself ended is in Result.Err.
func MustRun(tb testing.TB, ctx context.Context, demos []runner.Demo, id string, params ...string) Result {
	tb.Helper()
	return MustRunAt(tb, ctx, "", demos, id, params...)
}

// MustRunAt is RunAt for a test.
func MustRunAt(tb testing.TB, ctx context.Context, flagsURL string, demos []runner.Demo, id string, params ...string) Result {
	tb.Helper()
	res, err := RunAt(ctx, flagsURL, demos, id, params...)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}
