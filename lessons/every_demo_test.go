package lessons

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/flagserver"
)

// withFlagServer loads the course against a real flag server on loopback.
func withFlagServer(t *testing.T) *Catalog {
	t.Helper()
	fs, err := flagserver.New(flagserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	c, err := Load(Options{FlagsURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every demo runs to a successful end with its default parameters, and
// reports at least one task on its timeline.
func TestEveryDemoRunsWithDefaults(t *testing.T) {
	c := withFlagServer(t)
	for _, d := range c.Registry().All() {
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			v, err := d.Parse(nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := runner.NewRecorder()
			res := runner.Execute(context.Background(), d, v, io.Discard, rec, runner.DefaultLimits(), slog.New(slog.DiscardHandler))
			if res.Err != nil {
				t.Fatalf("default run failed: %v", res.Err)
			}
			starts := 0
			for _, e := range rec.Events() {
				if e.Phase == runner.PhaseStart {
					starts++
				}
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
	c := withFlagServer(t)
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
					late, err := stopAfter(d, v, after)
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
func stopAfter(d *runner.Demo, v runner.Values, after time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan time.Time, 1)
	time.AfterFunc(after, func() { stopped <- time.Now(); cancel() })
	res := runner.Execute(ctx, d, v, io.Discard, runner.NoEvents{}, runner.DefaultLimits(), slog.New(slog.DiscardHandler))
	if res.Err == nil {
		return 0, nil
	}
	return time.Since(<-stopped), res.Err
}
