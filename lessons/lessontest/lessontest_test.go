package lessontest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// standIns are demos that behave in the three ways a stop check must tell
// apart: one honours its context, one ignores it for a while (its
// time.Sleep is the behaviour under test, a demo that waits out a call),
// one is over before any stop.
func standIns() []runner.Demo {
	wait := []runner.Param{{Name: "for", Kind: runner.KindDuration, Default: "1s", Min: "1ms", Max: "10s", Help: "how long"}}
	return []runner.Demo{
		{ID: "honours", Lesson: "test", Title: "honours", Source: "honours.go", Params: wait,
			Run: func(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
				ev.Start("wait")
				defer ev.End("wait", "done")
				t := time.NewTimer(p.Duration("for"))
				defer t.Stop()
				select {
				case <-t.C:
					fmt.Fprintln(out, "waited")
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}},
		{ID: "ignores", Lesson: "test", Title: "ignores", Source: "ignores.go", Params: wait,
			Run: func(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
				ev.Start("wait")
				defer ev.End("wait", "done")
				time.Sleep(p.Duration("for")) // deaf to the stop: the fault under test
				return ctx.Err()
			}},
	}
}

func stopAfter(t *testing.T, id, param string, after time.Duration) Stopped {
	t.Helper()
	d, v, err := find(standIns(), id, []string{param})
	if err != nil {
		t.Fatal(err)
	}
	return StopAfter(t.Context(), serverEnv(""), d, v, after)
}

// On the fake clock, StopAfter measures exactly how late a run returns:
// 0 for a demo that honours its context, the rest of its sleep for one
// that does not, and nothing for a run that was over before the stop.
func TestStopAfterMeasuresExactly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := stopAfter(t, "honours", "for=1s", 300*time.Millisecond)
		if !errors.Is(got.Err, runner.ErrStopped) || got.Late != 0 {
			t.Errorf("honours: err %v, late %v; want stopped, 0 late", got.Err, got.Late)
		}
		if got.Elapsed != 300*time.Millisecond {
			t.Errorf("honours: elapsed %v, want the 300ms until the stop", got.Elapsed)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		got := stopAfter(t, "ignores", "for=1s", 300*time.Millisecond)
		if !errors.Is(got.Err, runner.ErrStopped) || got.Late != 700*time.Millisecond {
			t.Errorf("ignores: err %v, late %v; want stopped, 700ms late", got.Err, got.Late)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		got := stopAfter(t, "honours", "for=100ms", 300*time.Millisecond)
		if got.Err != nil || got.Late != 0 || got.Output != "waited\n" {
			t.Errorf("over before the stop: err %v, late %v, output %q; want a whole run", got.Err, got.Late, got.Output)
		}
	})
}

// On the real clock too: a demo deaf to its context for 750ms after the
// stop is seen to be later than StopBound (the margin absorbs a stop timer
// that itself fires late on a busy machine), one that honours it is not.
func TestStopAfterRealClock(t *testing.T) {
	got := stopAfter(t, "ignores", "for=800ms", 50*time.Millisecond)
	if !errors.Is(got.Err, runner.ErrStopped) || got.Late <= StopBound {
		t.Errorf("ignores: err %v, late %v; want stopped, later than %v", got.Err, got.Late, StopBound)
	}
	got = stopAfter(t, "honours", "for=5s", 50*time.Millisecond)
	if !errors.Is(got.Err, runner.ErrStopped) || got.Late > StopBound {
		t.Errorf("honours: err %v, late %v; want stopped within %v", got.Err, got.Late, StopBound)
	}
}

func TestFindRefusesBadInput(t *testing.T) {
	if _, _, err := find(standIns(), "honours", []string{"for=2s"}); err != nil {
		t.Fatalf("a good id and parameter refused: %v", err)
	}
	for _, c := range [][]string{{"nobody", "for=1s"}, {"honours", "for"}, {"honours", "for=1h"}} {
		if _, _, err := find(standIns(), c[0], c[1:]); err == nil {
			t.Errorf("find(%q, %q) accepted", c[0], c[1:])
		}
	}
}
