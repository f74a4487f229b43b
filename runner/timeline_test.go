package runner

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

func ev(task, phase string, ms float64, status string) Event {
	return Event{Task: task, Phase: phase, TMs: ms, Status: status}
}

func TestTrackCountsTasksInFlight(t *testing.T) {
	events := []Event{
		ev("US", PhaseStart, 0, ""),
		ev("FR", PhaseStart, 1, ""),
		ev("spinner", PhasePoint, 2, "frame"), // an instant: no change
		ev("FR", PhaseEnd, 100, "ok"),
		ev("CN", PhaseStart, 101, ""),
		ev("BR", PhaseStart, 102, ""),
		ev("US", PhaseEnd, 150, "404"),
		ev("CN", PhaseEnd, 180, "error"),
		ev("BR", PhaseEnd, 200, "ok"),
	}
	got, sum := replay(events)
	want := []int{1, 2, 2, 1, 2, 3, 2, 1, 0}
	if !slices.Equal(got, want) {
		t.Errorf("in flight = %v, want %v", got, want)
	}
	if sum.MaxInFlight != 3 || sum.MaxAtMs != 102 {
		t.Errorf("max = %d at %v ms, want 3 at 102 ms", sum.MaxInFlight, sum.MaxAtMs)
	}
	if want := []string{"FR", "US", "CN", "BR"}; !slices.Equal(sum.Order, want) {
		t.Errorf("order = %v, want %v", sum.Order, want)
	}
	if sum.Unfinished != 0 {
		t.Errorf("unfinished = %d, want 0", sum.Unfinished)
	}
}

func TestTrackOddStreams(t *testing.T) {
	tests := []struct {
		name       string
		events     []Event
		inFlight   []int
		max        int
		order      []string
		unfinished int
	}{
		{"no events", nil, []int{}, 0, []string{}, 0},
		{"only points", []Event{ev("spinner", PhasePoint, 1, "frame"), ev("spinner", PhasePoint, 2, "frame")},
			[]int{0, 0}, 0, []string{}, 0},
		{"end without start is ignored",
			[]Event{ev("a", PhaseEnd, 1, "ok"), ev("b", PhaseStart, 2, ""), ev("a", PhaseEnd, 3, "ok")},
			[]int{0, 1, 1}, 1, []string{}, 1},
		{"a name run twice in a row",
			[]Event{ev("retry", PhaseStart, 0, ""), ev("retry", PhaseEnd, 1, "error"), ev("retry", PhaseStart, 2, ""), ev("retry", PhaseEnd, 3, "ok")},
			[]int{1, 0, 1, 0}, 1, []string{"retry", "retry"}, 0},
		{"two instances of one name at once",
			[]Event{ev("w", PhaseStart, 0, ""), ev("w", PhaseStart, 1, ""), ev("w", PhaseEnd, 2, "ok"), ev("w", PhaseEnd, 3, "ok"), ev("w", PhaseEnd, 4, "ok")},
			[]int{1, 2, 1, 0, 0}, 2, []string{"w", "w"}, 0},
		{"stopped with tasks open",
			[]Event{ev("slow call", PhaseStart, 0, ""), ev("spinner", PhaseStart, 0.1, ""), ev("spinner", PhaseEnd, 50, "stopped")},
			[]int{1, 2, 1}, 2, []string{"spinner"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sum := replay(tt.events)
			if !slices.Equal(got, tt.inFlight) {
				t.Errorf("in flight = %v, want %v", got, tt.inFlight)
			}
			if sum.MaxInFlight != tt.max || !slices.Equal(sum.Order, tt.order) || sum.Unfinished != tt.unfinished {
				t.Errorf("summary = %+v, want max %d order %v unfinished %d", sum, tt.max, tt.order, tt.unfinished)
			}
			if sum.Order == nil {
				t.Error("order is nil; the exit frame would say null instead of []")
			}
		})
	}
}

// On well-formed streams (every end after its start) the live count agrees
// with MaxInFlight, the function the lesson tests use.
func TestTrackAgreesWithMaxInFlight(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var events []Event
		var open []string
		for i := range 30 {
			if len(open) > 0 && rng.IntN(2) == 0 {
				k := rng.IntN(len(open))
				events = append(events, ev(open[k], PhaseEnd, float64(len(events)), "ok"))
				open = slices.Delete(open, k, k+1)
				continue
			}
			name := fmt.Sprintf("t%d", i)
			open = append(open, name)
			events = append(events, ev(name, PhaseStart, float64(len(events)), ""))
		}
		got, sum := replay(events)
		if sum.MaxInFlight != MaxInFlight(events) || slices.Max(got) != sum.MaxInFlight {
			t.Fatalf("round %d: Track max %d, series max %d, MaxInFlight %d", round, sum.MaxInFlight, slices.Max(got), MaxInFlight(events))
		}
		if sum.Unfinished != len(open) || got[len(got)-1] != len(open) {
			t.Fatalf("round %d: unfinished %d, last %d, want %d", round, sum.Unfinished, got[len(got)-1], len(open))
		}
	}
}

// The count the Track reports live is exact even when many goroutines report
// at once: tasks behind a semaphore of 3 never show more than 3.
func TestTrackUnderConcurrentTimeline(t *testing.T) {
	const limit, tasks = 3, 40
	var counts []int // Execute hands events over one at a time
	semaphored := demo("sem", func(_ context.Context, _ Values, _ io.Writer, tl Events) error {
		sem := make(chan struct{}, limit)
		var wg sync.WaitGroup
		for i := range tasks {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				name := fmt.Sprintf("task %02d", i)
				tl.Start(name)
				time.Sleep(time.Millisecond) // hold the slot so that tasks overlap
				tl.End(name, "ok")
			})
		}
		wg.Wait()
		return nil
	})
	res := Execute(context.Background(), Env{}, semaphored, Values{}, io.Discard, func(_ Event, n int) { counts = append(counts, n) })
	sum := res.Tasks
	if sum.MaxInFlight < 1 || sum.MaxInFlight > limit {
		t.Errorf("max in flight = %d, want 1..%d", sum.MaxInFlight, limit)
	}
	if slices.Max(counts) != sum.MaxInFlight || counts[len(counts)-1] != 0 || len(counts) != 2*tasks {
		t.Errorf("counts = %v, summary %+v", counts, sum)
	}
	if len(sum.Order) != tasks || sum.Unfinished != 0 {
		t.Errorf("order has %d tasks, %d unfinished; want %d, 0", len(sum.Order), sum.Unfinished, tasks)
	}
}

// Waits are counted apart: a waiting task is not in flight, its start ends
// the oldest wait of its name, and waits no start ended are reported.
func TestTrackWaits(t *testing.T) {
	events := []Event{
		ev("A", PhaseWait, 0, ""),
		ev("B", PhaseWait, 1, ""),
		ev("C", PhaseWait, 2, ""),
		ev("A", PhaseStart, 3, ""),
		ev("A", PhaseEnd, 50, "ok"),
		ev("B", PhaseStart, 51, ""),
		ev("B", PhaseEnd, 90, "ok"),
	}
	got, sum := replay(events)
	if want := []int{0, 0, 0, 1, 0, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("in flight = %v, want %v", got, want)
	}
	if sum.MaxInFlight != 1 || sum.Waited != 3 || sum.MaxWaiting != 3 || sum.StillWaiting != 1 {
		t.Errorf("summary = %+v, want max 1, 3 waits, 3 at once, 1 still waiting", sum)
	}
	if sum.WaitedMs != 3+50 {
		t.Errorf("waited %v ms, want 53", sum.WaitedMs)
	}
	// A start without a wait leaves the queue alone.
	_, sum = replay([]Event{ev("A", PhaseStart, 0, ""), ev("A", PhaseWait, 1, ""), ev("A", PhaseEnd, 2, "ok")})
	if sum.Waited != 1 || sum.StillWaiting != 1 || sum.WaitedMs != 0 || sum.Unfinished != 0 {
		t.Errorf("summary = %+v", sum)
	}
}

// Execute reports the start-up and shut-down a child runtime marks, and 0
// without one.
func TestExecuteStartup(t *testing.T) {
	child := demo("child", func(_ context.Context, _ Values, _ io.Writer, tl Events) error {
		time.Sleep(20 * time.Millisecond) // the child's start-up, on the real clock
		tl.(ChildProgram).ProgramStarted()
		tl.(ChildProgram).ProgramStarted() // only the first counts
		time.Sleep(5 * time.Millisecond)   // the program
		tl.(ChildProgram).ProgramEnded()
		time.Sleep(10 * time.Millisecond) // the child's shut-down
		return nil
	})
	res := Execute(context.Background(), Env{}, child, Values{}, io.Discard, nil)
	if res.Startup < 20*time.Millisecond || res.Shutdown < 10*time.Millisecond || res.Program() < 5*time.Millisecond {
		t.Errorf("startup %v, program %v, shutdown %v of %v; want ≥ 20ms, ≥ 5ms, ≥ 10ms", res.Startup, res.Program(), res.Shutdown, res.Elapsed)
	}
	if res.Startup+res.Program()+res.Shutdown != res.Elapsed {
		t.Errorf("the parts %v + %v + %v do not add up to %v", res.Startup, res.Program(), res.Shutdown, res.Elapsed)
	}
	plain := demo("plain", func(context.Context, Values, io.Writer, Events) error { return nil })
	if res := Execute(context.Background(), Env{}, plain, Values{}, io.Discard, nil); res.Startup != 0 || res.Shutdown != 0 || res.Program() != res.Elapsed {
		t.Errorf("an in-process demo reported startup %v, shutdown %v", res.Startup, res.Shutdown)
	}
}
