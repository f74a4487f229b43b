package socket

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Over a real websocket, every event frame carries the in-flight count and
// the exit frame the summary, computed by the server.
func TestSocketSendsInFlightAndSummary(t *testing.T) {
	const limit = 2 // most tasks the demo below has open at once
	// Deterministic overlap: two open, then one swapped for another.
	semaphored := func(ctx context.Context, _ runner.Values, _ io.Writer, ev runner.Events) error {
		ev.Start("A")
		ev.Start("B")
		ev.Point("B", "header")
		ev.End("A", "ok")
		ev.Start("C")
		ev.End("B", "404")
		ev.End("C", "ok")
		return nil
	}
	reg, err := runner.NewRegistry(runner.Demo{ID: "sem", Lesson: "l", Title: "t", Source: "s.go", Run: semaphored})
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSocket(reg, defaultLimits(), quiet())
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
	c, err := Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Run(ctx, "r1", "sem", nil); err != nil {
		t.Fatal(err)
	}
	var seen []int
	var order []string
	for {
		// Raw, to check the keys on the wire, not just what decodes.
		data, err := c.ReadRaw(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		var m Message
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		switch m.Type {
		case "event":
			if m.InFlight == nil {
				t.Fatalf("event frame without in_flight: %s", data)
			}
			seen = append(seen, *m.InFlight)
			if m.Event.Phase == runner.PhaseEnd {
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
