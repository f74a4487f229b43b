package yieldfrom

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sections splits the console into the pull part, the channel part and the
// two summary lines.
func sections(output string) (pull, channels, summary []string, err error) {
	parts := strings.Split(strings.TrimSuffix(output, "\n"), "\n\n")
	if len(parts) != 3 {
		return nil, nil, nil, fmt.Errorf("want 3 blocks separated by blank lines, got %d:\n%s", len(parts), output)
	}
	return strings.Split(parts[0], "\n"), strings.Split(parts[1], "\n"), strings.Split(parts[2], "\n"), nil
}

// stage keeps the lines of one stage, in order.
func stage(lines []string, name string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, "] "+name+":") || strings.Contains(l, "]   "+name+":") {
			out = append(out, l)
		}
	}
	return out
}

// The pulled pipeline is one flow of control: its output is the same on
// every run, line for line. The channel pipeline's stages print
// concurrently, so each stage's own lines are pinned, not how they mix.
// Inside a synctest bubble the clock is fake and every printed time is
// exact: pulled, each 20ms step waits for the one before; with channels,
// making value k+1 overlaps with using value k.
func TestGeneratorsOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "generators", "items=3")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		pull, channels, summary, err := sections(res.Output)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintln(&b, strings.Join(pull, "\n"))
		fmt.Fprintln(&b, "-- channels, stage by stage --")
		fmt.Fprintln(&b, channels[0])
		for _, name := range []string{"produce", "relay", "consumer"} {
			fmt.Fprintln(&b, strings.Join(stage(channels, name), "\n"))
		}
		fmt.Fprintln(&b, strings.Join(summary, "\n"))
		const want = `== 1. iter.Pull: the generators move only when the consumer calls next() ==
[0.00s] consumer: next() #1
[0.02s]   produce: yield 1
[0.02s]   relay:   forward 1
[0.02s] consumer: got 1
[0.04s] consumer: next() #2
[0.06s]   produce: yield 2
[0.06s]   relay:   forward 2
[0.06s] consumer: got 2
[0.08s] consumer: next() #3
[0.10s]   produce: yield 3
[0.10s]   relay:   forward 3
[0.10s] consumer: got 3
[0.12s] consumer: next() #4
[0.12s]   produce: return (no more values)
[0.12s]   relay:   sub-generator finished, yield own value 6
[0.12s] consumer: got 6
[0.14s] consumer: next() #5
[0.14s] consumer: next() says no more values
-- channels, stage by stage --
== 2. goroutines + channels: every stage runs on its own ==
[0.02s]   produce: send 1
[0.04s]   produce: send 2
[0.06s]   produce: send 3
[0.06s]   produce: close channel
[0.02s]   relay:   forward 1
[0.04s]   relay:   forward 2
[0.06s]   relay:   forward 3
[0.06s]   relay:   input closed, send own value 6
[0.02s] consumer: got 1
[0.04s] consumer: got 2
[0.06s] consumer: got 3
[0.08s] consumer: got 6
[0.10s] consumer: channel closed, no more values
pull:     [1 2 3 6] in 0.14s, one stage at a time
channels: [1 2 3 6] in 0.10s, stages overlap
`
		if got := b.String(); got != want {
			t.Errorf("output:\n%s\nwant:\n%s", got, want)
		}
	})
}

// In the channel pipeline every value goes produce → relay → consumer, in
// that order, whatever the scheduling; every line belongs to some stage.
func TestChannelValuesFlowInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := lessontest.MustRun(t, t.Context(), Demos(), "generators", "items=6")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		_, channels, _, err := sections(res.Output)
		if err != nil {
			t.Fatal(err)
		}
		at := func(suffix string) int {
			i := slices.IndexFunc(channels, func(l string) bool { return strings.HasSuffix(l, suffix) })
			if i < 0 {
				t.Fatalf("no line ending %q in:\n%s", suffix, strings.Join(channels, "\n"))
			}
			return i
		}
		for k := 1; k <= 6; k++ {
			sent, fwd, got := at(fmt.Sprintf("produce: send %d", k)), at(fmt.Sprintf("relay:   forward %d", k)), at(fmt.Sprintf("consumer: got %d", k))
			if sent >= fwd || fwd >= got {
				t.Errorf("value %d: send at line %d, forward at %d, got at %d", k, sent, fwd, got)
			}
		}
		if own, last := at("send own value 21"), at("consumer: got 21"); own >= last || last != len(channels)-2 {
			t.Errorf("the sum: sent at line %d, got at %d of %d", own, last, len(channels))
		}
		n := len(stage(channels, "produce")) + len(stage(channels, "relay")) + len(stage(channels, "consumer"))
		if n != len(channels)-1 {
			t.Errorf("%d of %d lines belong to a stage", n, len(channels)-1)
		}
	})
}

// Each pipeline's tasks start and end once; the producer marks every value,
// relay and consumer every value plus the sum.
func TestTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 4
		res := lessontest.MustRun(t, t.Context(), Demos(), "generators", fmt.Sprintf("items=%d", n))
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		type tally struct{ start, points, end int }
		seen := map[string]*tally{}
		span := map[string][2]float64{}
		for _, e := range res.Events {
			if seen[e.Task] == nil {
				seen[e.Task] = &tally{}
			}
			s := span[e.Task]
			switch e.Phase {
			case runner.PhaseStart:
				seen[e.Task].start++
				s[0] = e.TMs
			case runner.PhasePoint:
				seen[e.Task].points++
			case runner.PhaseEnd:
				seen[e.Task].end++
				s[1] = e.TMs
			}
			span[e.Task] = s
		}
		want := map[string]tally{
			"pull: produce": {1, n, 1}, "pull: relay": {1, n + 1, 1}, "pull: consumer": {1, n + 1, 1},
			"chan: produce": {1, n, 1}, "chan: relay": {1, n + 1, 1}, "chan: consumer": {1, n + 1, 1},
		}
		for task, w := range want {
			if got := seen[task]; got == nil || *got != w {
				t.Errorf("%s: %+v, want %+v", task, got, w)
			}
		}
		if len(seen) != len(want) {
			t.Errorf("%d tasks, want %d", len(seen), len(want))
		}
		// Pulled, the steps take turns: exactly (2n+1) steps of 20ms (the
		// clock is fake). With channels making and using overlap: n+2 steps.
		pull := span["pull: consumer"][1] - span["pull: consumer"][0]
		chans := span["chan: consumer"][1] - span["chan: consumer"][0]
		if pull != float64((2*n+1)*20) {
			t.Errorf("pull took %.0fms, want %d steps of 20ms", pull, 2*n+1)
		}
		if chans != float64((n+2)*20) {
			t.Errorf("channels took %.0fms, pull %.0fms: want %d steps of 20ms, the stages overlapping", chans, pull, n+2)
		}
		if span["chan: consumer"][0] < span["pull: consumer"][1] {
			t.Error("the channel pipeline started before the pulled one finished")
		}
	})
}

// Stopping works in either half: Run returns at the very instant of the
// stop with ErrStopped, the consumer's task ends "stopped" and (the bubble,
// and TestMain) no goroutine or pulled generator is left behind.
func TestStop(t *testing.T) {
	for _, c := range []struct {
		name  string
		after time.Duration
		task  string
	}{
		// items=10 pulls for 21 steps of 20ms (420ms), then the channels take
		// 12 steps (240ms): the second stop lands in the middle of the
		// channel half. Both fall between two steps, never on one.
		{"while pulling", 150 * time.Millisecond, "pull: consumer"},
		{"while the channels run", 545 * time.Millisecond, "chan: consumer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.CheckStop(t, Demos(), "generators", lessontest.Stop{
					Params: []string{"items=10"}, After: c.after})
				ended := false
				for _, e := range res.Events {
					if e.Task == c.task && e.Phase == runner.PhaseEnd {
						ended = true
						if e.Status != "stopped" {
							t.Errorf("%s ended %q", c.task, e.Status)
						}
					}
				}
				if !ended {
					t.Errorf("%s never ended", c.task)
				}
				for _, e := range res.Events {
					// The stop must land in the half the case is about.
					if e.Task == "pull: consumer" && e.Phase == runner.PhaseEnd && c.task != e.Task && e.Status != "done" {
						t.Errorf("the pulled half ended %q before the channel half was stopped", e.Status)
					}
				}
			})
		})
	}
}

// With the default parameters, a stop anywhere in the run returns at once,
// in the pulled generators as in the channel stages.
func TestStopsAtOnceAnywhere(t *testing.T) {
	lessontest.CheckStopsEverywhere(t, Demos(), "generators", 10*time.Millisecond, lessontest.Stop{After: 5 * time.Millisecond})
}

// Bounds of items come from the declaration.
func TestItemsBounds(t *testing.T) {
	for _, v := range []string{"0", "51"} {
		if _, err := lessontest.Run(t.Context(), Demos(), "generators", "items="+v); err == nil {
			t.Errorf("items=%s accepted", v)
		}
	}
}
