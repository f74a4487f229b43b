package gobuild_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// tracedRun runs demo id (its own source when edited is nil) in trace mode
// at GOMAXPROCS procs, and returns the summary, the result and the
// timeline's events.
func tracedRun(t *testing.T, id string, edited []byte, raw map[string]string, procs int) (*trace.Summary, runner.Result, []runner.Event) {
	t.Helper()
	b, cat := builder(t)
	d, _ := cat.Registry().Lookup(id)
	var sum *trace.Summary
	var sumErr error
	calls := 0
	run, err := b.Program(d, cat.Files(id), edited, gobuild.Options{Trace: true, Procs: procs,
		Traced: func(s *trace.Summary, err error) { sum, sumErr = s, err; calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	ed := *d
	ed.Run = run
	var mu sync.Mutex
	var events []runner.Event
	var out lockedBuffer
	res := runner.Execute(context.Background(), runner.Env{Limits: runner.Limits{RunTime: 60 * time.Second, OutputBytes: 1 << 20}},
		&ed, v, &out, func(e runner.Event, _ int) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		})
	if res.Err != nil {
		t.Fatalf("run: %v\n%s", res.Err, out.String())
	}
	if calls != 1 || sumErr != nil {
		t.Fatalf("Traced called %d times, err %v; want once, without an error", calls, sumErr)
	}
	if want := float64(res.Startup.Microseconds()) / 1000; math.Abs(sum.StartMs-want) > 0.01 {
		t.Errorf("the trace starts at %.2f ms, the program began at %.2f ms", sum.StartMs, want)
	}
	return sum, res, events
}

func rowOf(t *testing.T, s *trace.Summary, task string) trace.Goroutine {
	t.Helper()
	g, ok := s.Tasks[task]
	if !ok {
		t.Fatalf("task %q has no goroutine: %v", task, s.Tasks)
	}
	for _, r := range s.Goroutines {
		if r.ID == g {
			return r
		}
	}
	t.Fatalf("goroutine %d (task %q) not listed", g, task)
	return trace.Goroutine{}
}

// stateAt is a goroutine's state at t_ms.
func stateAt(r trace.Goroutine, t float64) (trace.State, bool) {
	for _, s := range r.States {
		if s.T0 <= t && t < s.T1 {
			return s, true
		}
	}
	return trace.State{}, false
}

func timeIn(r trace.Goroutine, state string) float64 {
	total := 0.0
	for _, s := range r.States {
		if s.State == state {
			total += s.T1 - s.T0
		}
	}
	return total
}

// A small deterministic program, traced through the real path (built,
// sandboxed, its trace on fd 4): two goroutines play ping-pong on a
// channel while a third sleeps; the summary has both Ps, the three
// goroutines linked to their tasks, and the states they were in.
func TestTracePingPong(t *testing.T) {
	_, cat := builder(t)
	src := strings.Replace(string(original(t, cat, "flags-semaphore")), "\tbaseURL := p.FlagsURL()\n", `	ball := make(chan int)
	var players sync.WaitGroup
	players.Go(func() {
		ev.Start("ping")
		for i := range 100 {
			ball <- i
			<-ball
		}
		close(ball)
		ev.End("ping", "ok")
	})
	players.Go(func() {
		ev.Start("pong")
		for x := range ball {
			ball <- x
		}
		ev.End("pong", "ok")
	})
	players.Go(func() {
		ev.Start("sleeper")
		time.Sleep(50 * time.Millisecond)
		ev.End("sleeper", "ok")
	})
	players.Wait()
	return nil
	baseURL := p.FlagsURL()
`, 1)
	s, _, _ := tracedRun(t, "flags-semaphore", []byte(src), nil, 2)
	if s.Procs != 2 || len(s.Lanes) != 2 {
		t.Fatalf("procs %d, %d lanes; want 2", s.Procs, len(s.Lanes))
	}
	for _, task := range []string{"ping", "pong"} {
		r := rowOf(t, s, task)
		if timeIn(r, trace.Chan) <= 0 || timeIn(r, trace.Running) <= 0 {
			t.Errorf("%s: want time running and time waiting on the channel: %v", task, r.States)
		}
	}
	sleeper := rowOf(t, s, "sleeper")
	if d := timeIn(sleeper, trace.Sleep); d < 45 {
		t.Errorf("the sleeper slept %.1f ms, want about 50: %v", d, sleeper.States)
	}
	if s.EndMs < s.StartMs+50 {
		t.Errorf("trace %.1f..%.1f ms, shorter than the sleep", s.StartMs, s.EndMs)
	}
}

// blocking-go at GOMAXPROCS=1: while main is in read(2) on its thread,
// the one P runs the spinner on another thread; two threads are busy.
func TestTraceBlockingGoHandsOffTheP(t *testing.T) {
	s, _, _ := tracedRun(t, "blocking-go", nil, map[string]string{"block": "500ms"}, 1)
	if s.Procs != 1 || len(s.Lanes) != 1 {
		t.Fatalf("procs %d, want 1", s.Procs)
	}
	main := rowOf(t, s, "read(2)")
	var read trace.State
	for _, st := range main.States {
		if st.State == trace.Syscall && st.T1-st.T0 > read.T1-read.T0 {
			read = st
		}
	}
	if read.T1-read.T0 < 300 || read.M == 0 {
		t.Fatalf("main's longest system call: %+v; want read(2), about 500 ms, on a thread", read)
	}
	moved := false
	for _, x := range s.Lanes[0].Slices {
		if x.T0 >= read.T0 && x.T1 <= read.T1 && x.M != read.M {
			moved = true
		}
	}
	if !moved {
		t.Errorf("the P ran nothing on another thread while main was in read(2) on thread %d", read.M)
	}
	two := false
	for _, st := range s.Threads {
		if st.TMs >= read.T0 && st.TMs < read.T1 && st.Busy >= 2 {
			two = true
		}
	}
	if !two {
		t.Errorf("never two busy threads during the read: %v", s.Threads)
	}
}

// spinner-thread's spinner is locked to a thread of its own.
func TestTraceSpinnerThreadIsLocked(t *testing.T) {
	s, _, _ := tracedRun(t, "spinner-thread", nil, map[string]string{"slow": "500ms", "frame": "20ms"}, 2)
	spinner := rowOf(t, s, "spinner")
	if spinner.LockedM == 0 {
		t.Fatalf("the spinner is not shown locked to a thread: %+v", spinner)
	}
	if slow := rowOf(t, s, "slow call"); slow.LockedM != 0 {
		t.Errorf("main is shown locked too: %+v", slow)
	}
}

// The semaphore at its default limit: once all twenty downloads are
// waiting or running, five hold a permit and fifteen are parked on the
// semaphore's channel; the frames of the run fit 200 KB.
func TestTraceSemaphore(t *testing.T) {
	s, _, events := tracedRun(t, "flags-semaphore", nil, nil, 2)
	// A moment in the middle of the first wave: after the fifth start,
	// before the first end.
	starts, firstEnd := 0, 0.0
	var fifth float64
	for _, e := range events {
		switch {
		case e.Phase == runner.PhaseStart:
			if starts++; starts == 5 {
				fifth = e.TMs
			}
		case e.Phase == runner.PhaseEnd && firstEnd == 0:
			firstEnd = e.TMs
		}
	}
	if starts != 20 || fifth == 0 || firstEnd <= fifth {
		t.Fatalf("%d starts, the fifth at %.1f, the first end at %.1f", starts, fifth, firstEnd)
	}
	// The moment most goroutines are parked on the semaphore at once,
	// among every moment a download goroutine changed state before the
	// first download ended: when the machine is busy, the last goroutines
	// reach the semaphore later, so no one instant is fixed in advance.
	count := func(at float64) (parked, holding int) {
		for _, r := range s.Goroutines {
			if !strings.Contains(r.By, "flagsSemaphore") {
				continue
			}
			st, ok := stateAt(r, at)
			switch {
			case !ok:
			case st.State == trace.Select && strings.Contains(st.Where, "downloadOne"):
				parked++
			case len(r.Tasks) > 0:
				holding++
			}
		}
		return parked, holding
	}
	at, parked, holding := 0.0, -1, 0
	for _, r := range s.Goroutines {
		if !strings.Contains(r.By, "flagsSemaphore") {
			continue
		}
		for _, st := range r.States {
			if st.T0 < fifth || st.T0 >= firstEnd {
				continue
			}
			if p, h := count(st.T0); p > parked {
				at, parked, holding = st.T0, p, h
			}
		}
	}
	if parked != 15 || holding != 5 {
		t.Errorf("at %.1f ms, the most parked at once before the first end (%.1f ms): %d parked on the semaphore, %d holding a permit; want 15 and 5", at, firstEnd, parked, holding)
	}
	if n := frameBytes(t, s); n > 200<<10 {
		t.Errorf("the trace frames of a flags-semaphore run are %d bytes, over 200 KB", n)
	}
}

// frameBytes is what the trace frames of s weigh on the socket, with
// their envelope ({"type":"trace","id":"..."}).
func frameBytes(t *testing.T, s *trace.Summary) int {
	n := 0
	for _, f := range s.Frames(16) {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(b) + len(`{"type":"trace","id":"r1234567890",}`)
	}
	return n
}

// pingPongSource is flags-semaphore's source with its body replaced by n
// rounds of ping-pong on a channel, then, if crash, a panic on a
// goroutine of its own: the program dies at once, its trace cut short.
func pingPongSource(t *testing.T, n int, crash bool) []byte {
	_, cat := builder(t)
	end := "return nil"
	if crash {
		end = "go func() { panic(\"boom\") }()\n\ttime.Sleep(time.Minute)\n\treturn nil"
	}
	src := strings.Replace(string(original(t, cat, "flags-semaphore")), "\tbaseURL := p.FlagsURL()\n", `	ball := make(chan int)
	var players sync.WaitGroup
	players.Go(func() {
		for i := range `+strconv.Itoa(n)+` {
			ball <- i
			<-ball
		}
		close(ball)
	})
	players.Go(func() {
		for x := range ball {
			ball <- x
		}
	})
	players.Wait()
	`+end+`
	baseURL := p.FlagsURL()
`, 1)
	return []byte(src)
}

// A trace over the bound is one clean error, the run itself unharmed; a
// program that crashes ends its run with its panic, and its trace is
// still summed up — or, if the runtime left too little, one clean error.
func TestTraceTooLargeOrCut(t *testing.T) {
	b, cat := builder(t)
	d, _ := cat.Registry().Lookup("flags-semaphore")
	lim := gobuild.DefaultLimits()
	lim.TraceBytes = 32 << 10
	small := gobuild.New(context.Background(), gobuild.Config{Sandbox: fixture.sandbox, Limits: lim})
	for _, c := range []struct {
		name    string
		builder *gobuild.Builder
		src     []byte
		want    []error
		runOK   bool
	}{
		{"too large", small, pingPongSource(t, 20000, false), []error{trace.ErrTooLarge}, true},
		{"crash", b, pingPongSource(t, 1000, true), []error{nil, trace.ErrBroken, trace.ErrEmpty}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			var got error
			var sum *trace.Summary
			run, err := c.builder.Program(d, cat.Files(d.ID), c.src, gobuild.Options{Trace: true,
				Traced: func(s *trace.Summary, err error) { calls, got, sum = calls+1, err, s }})
			if err != nil {
				t.Fatal(err)
			}
			v, _ := d.Parse(nil)
			ed := *d
			ed.Run = run
			res := runner.Execute(context.Background(), runner.Env{}, &ed, v, io.Discard, nil)
			if _, panicked := errors.AsType[*gobuild.PanicError](res.Err); (res.Err == nil) != c.runOK || (!c.runOK && !panicked) {
				t.Errorf("run: %v", res.Err)
			}
			if calls != 1 || !slices.ContainsFunc(c.want, func(e error) bool { return errors.Is(got, e) }) || (got == nil) != (sum != nil) {
				t.Fatalf("Traced called %d times with %v; want once with one of %v", calls, got, c.want)
			}
		})
	}
}
