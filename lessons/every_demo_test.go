package lessons

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// withFlagServer loads the course and starts a real flag server on
// loopback for its download demos: the environment runs get.
func withFlagServer(t *testing.T) (*Catalog, runner.Env) {
	t.Helper()
	url := lessontest.FlagServer(t, flagserver.Config{})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c, runner.Env{FlagsURL: url, Limits: runner.DefaultLimits()}
}

// Every demo runs to a successful end with its default parameters, and
// reports at least one task on its timeline.
func TestEveryDemoRunsWithDefaults(t *testing.T) {
	c, env := withFlagServer(t)
	for _, d := range c.Registry().All() {
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			skipIfRacy(t, d.ID)
			v, err := d.Parse(nil)
			if err != nil {
				t.Fatal(err)
			}
			starts := 0
			res := runner.Execute(context.Background(), env, d, v, io.Discard, func(e runner.Event, _ int) {
				if e.Phase == runner.PhaseStart {
					starts++
				}
			})
			if res.Err != nil {
				t.Fatalf("default run failed: %v", res.Err)
			}
			if starts == 0 {
				t.Error("no task on the timeline")
			}
			t.Logf("%s: %v", d.ID, res.Elapsed.Round(time.Millisecond))
		})
	}
}

// Every demo stops within 100 ms of Stop, wherever it is: the course's
// promise, checked here for the whole registry, with default parameters,
// on the real clock, as the server runs them, so that a demo whose lesson
// forgot its own stop test is still held to it. (Each lesson checks its
// demos more closely with lessontest.CheckStop; a demo that only waits on
// timers, there inside a synctest bubble, must return at the very instant
// of the stop, wherever it is stopped.) Each is stopped at a few points of
// its run, once at each: the time is measured from the cancel to the
// return of Execute, so a busy machine does not count against the demo,
// and nothing is retried.
func TestEveryDemoStopsWithin100ms(t *testing.T) {
	c, env := withFlagServer(t)
	var demos []runner.Demo
	for _, d := range c.Registry().All() {
		demos = append(demos, *d)
	}
	for _, d := range demos {
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			skipIfRacy(t, d.ID)
			for _, after := range []time.Duration{5 * time.Millisecond, 60 * time.Millisecond, 250 * time.Millisecond} {
				lessontest.CheckStop(t, demos, d.ID, lessontest.Stop{FlagsURL: env.FlagsURL, After: after, Within: lessontest.StopBound, MayEndFirst: true})
			}
		})
	}
}
