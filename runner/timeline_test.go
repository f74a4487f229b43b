package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
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
	got, sum := Replay(events)
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
			got, sum := Replay(tt.events)
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
		got, sum := Replay(events)
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
	track := NewTrack()
	var mu sync.Mutex
	var counts []int
	tl := NewTimeline(func(e Event) {
		n := track.Add(e)
		mu.Lock()
		counts = append(counts, n)
		mu.Unlock()
	})
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range tasks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			name := fmt.Sprintf("task %02d", i)
			tl.Start(name)
			time.Sleep(time.Millisecond)
			tl.End(name, "ok")
		})
	}
	wg.Wait()
	sum := track.Summary()
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

// Over a real websocket, every event frame carries the in-flight count and
// the exit frame the summary, computed by the server.
func TestSocketSendsInFlightAndSummary(t *testing.T) {
	const limit = 2 // most tasks the demo below has open at once
	// Deterministic overlap: two open, then one swapped for another.
	semaphored := func(ctx context.Context, _ Values, _ io.Writer, ev Events) error {
		ev.Start("A")
		ev.Start("B")
		ev.Point("B", "header")
		ev.End("A", "ok")
		ev.Start("C")
		ev.End("B", "404")
		ev.End("C", "ok")
		return nil
	}
	reg, err := NewRegistry(Demo{ID: "sem", Lesson: "l", Title: "t", Source: "s.go", Run: semaphored})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSocket(reg, DefaultLimits(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"run","id":"r1","demo":"sem"}`)); err != nil {
		t.Fatal(err)
	}
	var seen []int
	var order []string
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		switch m.Type {
		case "event":
			if m.InFlight == nil {
				t.Fatalf("event frame without in_flight: %s", data)
			}
			seen = append(seen, *m.InFlight)
			if m.Event.Phase == PhaseEnd {
				order = append(order, m.Event.Task)
			}
		case "exit":
			for _, key := range []string{"ok", "elapsed_ms", "max_in_flight", "order", "unfinished"} {
				if _, ok := raw[key]; !ok {
					t.Errorf("exit frame lacks %q: %s", key, data)
				}
			}
			if m.TaskSummary == nil || m.MaxInFlight != limit || slices.Max(seen) != limit {
				t.Errorf("exit %s after in-flight counts %v, want max %d", data, seen, limit)
			}
			if want := []int{1, 2, 2, 1, 2, 1, 0}; !slices.Equal(seen, want) {
				t.Errorf("in-flight counts %v, want %v", seen, want)
			}
			if !slices.Equal(m.Order, order) || !slices.Equal(order, []string{"A", "B", "C"}) {
				t.Errorf("exit order %v, ends seen in order %v, last count %d", m.Order, order, seen[len(seen)-1])
			}
			return
		case "error":
			t.Fatalf("run rejected: %s", data)
		}
	}
}
