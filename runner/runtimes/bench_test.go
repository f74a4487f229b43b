package runtimes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// BenchmarkStopUnderLoad measures what a learner waits for after Stop: the
// time from the cancel to the run's return: its child (if any) killed and
// reaped — or, when the kernel takes more than 15 ms to end a sandbox,
// handed to the sandbox's Reaper — and its files removed. The run is spinner-goroutine, stopped at its first
// event, in each runtime the way the server runs it (Python and edits in
// the sandbox, where there is one). hogs=8 runs it beside eight CPU-bound
// processes in this benchmark's own session — on 2 cores, about what a
// second test suite running beside this one costs — for the whole
// measurement; hogs=0 is the idle machine. Reported: stop-p50-ms and
// stop-p99-ms over the iterations.
func BenchmarkStopUnderLoad(b *testing.B) {
	cat, err := lessons.Load()
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Catalog: cat})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	d, _ := cat.Registry().Lookup("spinner-goroutine")
	own, err := fs.ReadFile(cat.Files(d.ID), cat.Code(d.ID).GoFile)
	if err != nil {
		b.Fatal(err)
	}
	vals, err := d.Parse(map[string]string{"slow": "10s"})
	if err != nil {
		b.Fatal(err)
	}
	for _, hogs := range []int{0, 8} {
		for _, rt := range []Runtime{Go, Python, Edited} {
			b.Run(fmt.Sprintf("hogs=%d/runtime=%v", hogs, rt), func(b *testing.B) {
				if ok, why := s.Status(rt, d.ID); !ok {
					testenv.Missing(b, "%v cannot run here: %s", rt, why)
				}
				req := Request{Runtime: rt}
				if rt == Edited {
					req.Source = own
				}
				run, err := s.Resolve(d, req)
				if err != nil {
					b.Fatal(err)
				}
				stopHogs := startHogs(b, hogs)
				var stops []time.Duration
				for b.Loop() {
					stops = append(stops, stopAtFirstEvent(b, run, vals))
				}
				stopHogs()
				slices.Sort(stops)
				b.ReportMetric(float64(stops[len(stops)/2].Microseconds())/1000, "stop-p50-ms")
				b.ReportMetric(float64(stops[(len(stops)*99)/100].Microseconds())/1000, "stop-p99-ms")
			})
		}
	}
}

// stopAtFirstEvent runs d, cancels it at its first timeline event and
// returns how long after the cancel the run returned.
func stopAtFirstEvent(b *testing.B, d *runner.Demo, vals runner.Values) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var stopped time.Time
	res := runner.Execute(ctx, runner.Env{Limits: runner.DefaultLimits()}, d, vals, io.Discard, func(runner.Event, int) {
		once.Do(func() { stopped = time.Now(); cancel() })
	})
	late := time.Since(stopped)
	if stopped.IsZero() || !errors.Is(res.Err, runner.ErrStopped) {
		b.Fatalf("the run was not stopped at its first event: %v", res.Err)
	}
	return late
}

// startHogs starts n processes that only burn CPU, in this process's
// session, and returns what stops them; they are stopped when b ends in
// any case.
func startHogs(b *testing.B, n int) func() {
	var hogs []*exec.Cmd
	stop := sync.OnceFunc(func() {
		for _, h := range hogs {
			h.Process.Kill()
			h.Wait()
		}
	})
	b.Cleanup(stop)
	for range n {
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		hogs = append(hogs, cmd)
	}
	return stop
}
