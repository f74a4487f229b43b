package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	rtrace "runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

func TestMain(m *testing.M) {
	switch os.Getenv("TRACE_TEST_CHILD") {
	case "pingpong":
		pingPong()
		os.Exit(0)
	case "downloads":
		downloads()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pingPong is the child: traced to its standard output, it marks its
// begin, then two goroutines hand a ball back and forth 200 times on an
// unbuffered channel while a third sleeps 50 ms; each logs its task.
func pingPong() {
	if err := rtrace.Start(os.Stdout); err != nil {
		panic(err)
	}
	ctx := context.Background()
	rtrace.Log(ctx, trace.Category, trace.Begin)
	ball := make(chan int)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // ping
		defer wg.Done()
		rtrace.Log(ctx, trace.Category, trace.StartTask+"ping")
		for i := range 200 {
			ball <- i
			<-ball
		}
		close(ball)
	}()
	go func() { // pong
		defer wg.Done()
		rtrace.Log(ctx, trace.Category, trace.StartTask+"pong")
		for x := range ball {
			ball <- x
		}
	}()
	go func() { // sleeper
		defer wg.Done()
		rtrace.Log(ctx, trace.Category, trace.StartTask+"sleeper")
		time.Sleep(50 * time.Millisecond)
	}()
	wg.Wait()
	rtrace.Stop()
}

// traced runs the child at GOMAXPROCS procs and returns its trace.
func traced(t *testing.T, procs string) []byte {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = []string{"TRACE_TEST_CHILD=pingpong", "GOMAXPROCS=" + procs}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// row finds the goroutine that started task.
func row(t *testing.T, s *trace.Summary, task string) trace.Goroutine {
	t.Helper()
	g, ok := s.Tasks[task]
	if !ok {
		t.Fatalf("task %s not linked to a goroutine: %v", task, s.Tasks)
	}
	for _, r := range s.Goroutines {
		if r.ID == g {
			return r
		}
	}
	t.Fatalf("goroutine %d of task %s not listed", g, task)
	return trace.Goroutine{}
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

// A small program's trace holds its procs, its goroutines and the states
// they were in: two goroutines waiting on a channel in turn, one asleep.
func TestPingPongSummary(t *testing.T) {
	data := traced(t, "2")
	s, err := trace.Summarize(data, trace.Options{BeganMs: 1000, Procs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Procs != 2 || len(s.Lanes) != 2 {
		t.Fatalf("procs %d, lanes %d; want 2 and 2", s.Procs, len(s.Lanes))
	}
	if s.StartMs != 1000 || s.EndMs < 1050 {
		t.Errorf("axis %v..%v ms, want from 1000 (the begin) past 1050 (the sleep)", s.StartMs, s.EndMs)
	}
	for _, task := range []string{"ping", "pong"} {
		r := row(t, s, task)
		if timeIn(r, trace.Chan) <= 0 || timeIn(r, trace.Running) <= 0 {
			t.Errorf("%s: want time running and time waiting on the channel; states %v", task, r.States)
		}
		if len(r.Tasks) != 1 || r.Tasks[0] != task {
			t.Errorf("%s's row names tasks %v", task, r.Tasks)
		}
	}
	sleeper := row(t, s, "sleeper")
	if d := timeIn(sleeper, trace.Sleep); d < 45 || d > 500 {
		t.Errorf("sleeper slept %.1f ms, want about 50; states %v", d, sleeper.States)
	}
	if !strings.Contains(sleeper.By, "pingPong") {
		t.Errorf("sleeper made by %q, want pingPong", sleeper.By)
	}
	// Every slice on a lane is on the axis and ran on a numbered thread.
	ran := map[int64]bool{}
	for _, l := range s.Lanes {
		for _, x := range l.Slices {
			if x.T0 < s.StartMs || x.T1 > s.EndMs || x.T1 < x.T0 || x.M < 1 {
				t.Fatalf("P%d slice %+v outside %v..%v or without a thread", l.P, x, s.StartMs, s.EndMs)
			}
			ran[x.G] = true
		}
	}
	for _, task := range []string{"ping", "pong", "sleeper"} {
		if !ran[s.Tasks[task]] {
			t.Errorf("%s's goroutine is on no P lane", task)
		}
	}
	if len(s.Threads) == 0 || s.Threads[len(s.Threads)-1].Seen < 1 {
		t.Errorf("no threads: %v", s.Threads)
	}
	// On the wire: compact arrays.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"sleep",0,"time.Sleep"]`)) || !bytes.Contains(b, []byte(`"procs":2`)) {
		t.Errorf("JSON lacks the sleep state or procs: %.300s", b)
	}
}

// At GOMAXPROCS=1 there is one lane.
func TestOneProc(t *testing.T) {
	s, err := trace.Summarize(traced(t, "1"), trace.Options{Procs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if s.Procs != 1 || len(s.Lanes) != 1 || len(s.Lanes[0].Slices) == 0 {
		t.Fatalf("procs %d, lanes %v", s.Procs, len(s.Lanes))
	}
}

// A cut trace, garbage, nothing, too many bytes or events: one clean
// error each, never a panic.
func TestBadTraces(t *testing.T) {
	data := traced(t, "2")
	for name, c := range map[string]struct {
		data []byte
		lim  trace.Limits
		want error
	}{
		"truncated":  {data: data[:len(data)*2/3], want: trace.ErrBroken},
		"header":     {data: data[:10], want: trace.ErrBroken},
		"garbage":    {data: []byte("go 1.26 trace\x00\x00\x00\x00" + strings.Repeat("\xff", 100)), want: trace.ErrBroken},
		"empty":      {data: nil, want: trace.ErrEmpty},
		"too large":  {data: data, lim: trace.Limits{Bytes: int64(len(data) - 1), Events: 1 << 30, Goroutines: 10, Followed: 10, Pieces: 10, Tasks: 10, NameBytes: 10}, want: trace.ErrTooLarge},
		"too many":   {data: data, lim: trace.Limits{Bytes: 1 << 30, Events: 100, Goroutines: 10, Followed: 10, Pieces: 10, Tasks: 10, NameBytes: 10}, want: trace.ErrTooManyEvents},
		"not traced": {data: []byte("hello"), want: trace.ErrBroken},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := trace.Summarize(c.data, trace.Options{Limits: c.lim})
			if !errors.Is(err, c.want) || s != nil {
				t.Fatalf("got %v, %v; want %v", s != nil, err, c.want)
			}
		})
	}
	// Read stops at the bound.
	if _, err := trace.Read(bytes.NewReader(data), trace.Limits{Bytes: 100}); !errors.Is(err, trace.ErrTooLarge) {
		t.Errorf("Read past the bound: %v", err)
	}
}

// Dense rows are merged down to the piece limit, and say so.
func TestDenseIsMerged(t *testing.T) {
	lim := trace.DefaultLimits()
	lim.Pieces = 20
	s, err := trace.Summarize(traced(t, "2"), trace.Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range s.Lanes {
		if len(l.Slices) > lim.Pieces {
			t.Errorf("P%d has %d slices, over %d", l.P, len(l.Slices), lim.Pieces)
		}
	}
	if s.ResMs <= 0 || len(s.Notes) == 0 {
		t.Errorf("merged without saying so: res %v, notes %v", s.ResMs, s.Notes)
	}
}

// What goes on the wire reads back the same (to 10 µs).
func TestRoundTrip(t *testing.T) {
	s, err := trace.Summarize(traced(t, "2"), trace.Options{BeganMs: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back trace.Summary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("round trip differs:\n%.400s\n%.400s", b, b2)
	}
}
