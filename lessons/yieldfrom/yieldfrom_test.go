package yieldfrom

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sections splits the console into the pull part, the channel part and the
// two summary lines, times masked.
func sections(output string) (pull, channels, summary []string, err error) {
	parts := strings.Split(lessontest.MaskTimes(strings.TrimSuffix(output, "\n")), "\n\n")
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
func Example_generators() {
	res, err := lessontest.Run(context.Background(), Demos(), "generators", "items=3")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	pull, channels, summary, err := sections(res.Output)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(pull, "\n"))
	fmt.Println("-- channels, stage by stage --")
	fmt.Println(channels[0])
	for _, name := range []string{"produce", "relay", "consumer"} {
		fmt.Println(strings.Join(stage(channels, name), "\n"))
	}
	fmt.Println(strings.Join(summary, "\n"))
	fmt.Println("err:", res.Err)
	// Output:
	// == 1. iter.Pull: the generators move only when the consumer calls next() ==
	// [<t>] consumer: next() #1
	// [<t>]   produce: yield 1
	// [<t>]   relay:   forward 1
	// [<t>] consumer: got 1
	// [<t>] consumer: next() #2
	// [<t>]   produce: yield 2
	// [<t>]   relay:   forward 2
	// [<t>] consumer: got 2
	// [<t>] consumer: next() #3
	// [<t>]   produce: yield 3
	// [<t>]   relay:   forward 3
	// [<t>] consumer: got 3
	// [<t>] consumer: next() #4
	// [<t>]   produce: return (no more values)
	// [<t>]   relay:   sub-generator finished, yield own value 6
	// [<t>] consumer: got 6
	// [<t>] consumer: next() #5
	// [<t>] consumer: next() says no more values
	// -- channels, stage by stage --
	// == 2. goroutines + channels: every stage runs on its own ==
	// [<t>]   produce: send 1
	// [<t>]   produce: send 2
	// [<t>]   produce: send 3
	// [<t>]   produce: close channel
	// [<t>]   relay:   forward 1
	// [<t>]   relay:   forward 2
	// [<t>]   relay:   forward 3
	// [<t>]   relay:   input closed, send own value 6
	// [<t>] consumer: got 1
	// [<t>] consumer: got 2
	// [<t>] consumer: got 3
	// [<t>] consumer: got 6
	// [<t>] consumer: channel closed, no more values
	// pull:     [1 2 3 6] in <t>, one stage at a time
	// channels: [1 2 3 6] in <t>, stages overlap
	// err: <nil>
}

// In the channel pipeline every value goes produce → relay → consumer, in
// that order, whatever the scheduling; every line belongs to some stage.
func TestChannelValuesFlowInOrder(t *testing.T) {
	res, err := lessontest.Run(context.Background(), Demos(), "generators", "items=6")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
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
}

// Each pipeline's tasks start and end once; the producer marks every value,
// relay and consumer every value plus the sum.
func TestTimeline(t *testing.T) {
	const n = 4
	res, err := lessontest.Run(context.Background(), Demos(), "generators", fmt.Sprintf("items=%d", n))
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
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
	// Pulled, the steps take turns: (2n+1) steps of 20ms. With channels
	// making and using overlap: about n+2 steps.
	pull := span["pull: consumer"][1] - span["pull: consumer"][0]
	chans := span["chan: consumer"][1] - span["chan: consumer"][0]
	if pull < float64((2*n+1)*20) {
		t.Errorf("pull took %.0fms, less than %d steps", pull, 2*n+1)
	}
	if chans > 0.8*pull {
		t.Errorf("channels took %.0fms, pull %.0fms: the stages did not overlap", chans, pull)
	}
	if span["chan: consumer"][0] < span["pull: consumer"][1] {
		t.Error("the channel pipeline started before the pulled one finished")
	}
}

// Stopping works in either half: Run returns at once with ErrStopped, the
// consumer's task ends "stopped" and (TestMain) no goroutine or pulled
// generator is left behind.
func TestStop(t *testing.T) {
	for _, c := range []struct {
		name  string
		after time.Duration
		task  string
	}{
		{"while pulling", 150 * time.Millisecond, "pull: consumer"},
		{"while the channels run", 540 * time.Millisecond, "chan: consumer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan lessontest.Result, 1)
			go func() {
				res, _ := lessontest.Run(ctx, Demos(), "generators", "items=10")
				done <- res
			}()
			// items=10 pulls for about 420ms, then the channels take ~240ms;
			// the second stop lands in the middle of the channel half.
			time.Sleep(c.after)
			cancel()
			stopped := time.Now()
			res := <-done
			if d := time.Since(stopped); d > lessontest.StopBound {
				t.Errorf("took %v to stop", d)
			}
			if !errors.Is(res.Err, runner.ErrStopped) {
				t.Errorf("err = %v, want stopped", res.Err)
			}
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
	}
}

// Bounds of items come from the declaration.
func TestItemsBounds(t *testing.T) {
	for _, v := range []string{"0", "51"} {
		if _, err := lessontest.Run(context.Background(), Demos(), "generators", "items="+v); err == nil {
			t.Errorf("items=%s accepted", v)
		}
	}
}
