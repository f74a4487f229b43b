package lessons

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// withFlagServer loads the course and starts a real flag server on
// loopback for its download demos: the environment runs get.
func withFlagServer(t *testing.T) (*Catalog, runner.Env) {
	t.Helper()
	running, err := flagserver.Start("127.0.0.1:0", flagserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { running.Close(context.Background()) })
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c, runner.Env{FlagsURL: running.URL, Limits: runner.DefaultLimits()}
}

// Every demo runs to a successful end with its default parameters, and
// reports at least one task on its timeline.
func TestEveryDemoRunsWithDefaults(t *testing.T) {
	c, env := withFlagServer(t)
	for _, d := range c.Registry().All() {
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
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

// Every demo stops within 100 ms of Stop, wherever it is. Each is stopped
// at a few points of its run; at each point it has three tries, because a
// machine busy with other tests can be slow once, while a demo that ignored
// its context there would be late every time.
func TestEveryDemoStopsWithin100ms(t *testing.T) {
	c, env := withFlagServer(t)
	for _, d := range c.Registry().All() {
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			v, err := d.Parse(nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, after := range []time.Duration{5 * time.Millisecond, 60 * time.Millisecond, 250 * time.Millisecond} {
				var took []time.Duration
				for range 3 {
					late, err := stopAfter(env, d, v, after)
					if err == nil {
						break // finished before the stop
					}
					if !errors.Is(err, runner.ErrStopped) {
						t.Errorf("stopped after %v: err %v", after, err)
					}
					took = append(took, late)
					if late <= 100*time.Millisecond {
						break
					}
				}
				if len(took) > 0 && slices.Min(took) > 100*time.Millisecond {
					t.Errorf("stopped after %v: took %v to return", after, took)
				}
			}
		})
	}
}

// stopAfter runs d and stops it after a while; it returns how long the demo
// took to return once stopped, and how the run ended.
func stopAfter(env runner.Env, d *runner.Demo, v runner.Values, after time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan time.Time, 1)
	time.AfterFunc(after, func() { stopped <- time.Now(); cancel() })
	res := runner.Execute(ctx, env, d, v, io.Discard, nil)
	if res.Err == nil {
		return 0, nil
	}
	return time.Since(<-stopped), res.Err
}
