//go:build unix

package perf

import (
	"context"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/web"
)

// BenchmarkDemoCost measures what one run of each demo costs the process,
// the figures the socket's charges (socket.DefaultCharges) stand on: n runs
// at once, in this process, with the course's environment (its flag site
// included), their output thrown away; CPU of the process (user + system)
// per second of wall time, divided by n, in thousandths of a core; and the
// heap and stacks each run holds at the peak. What the socket adds per
// frame it writes is measured by the click benchmarks and the load runs.
func BenchmarkDemoCost(b *testing.B) {
	course, err := web.NewCourse(web.CourseConfig{Python: runtimes.PythonConfig{Off: true}, Edit: runtimes.EditConfig{Off: true}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { course.Shutdown(context.Background()) })
	env := course.Env()
	const n = 100
	for _, d := range course.Catalog().Registry().All() {
		b.Run(d.ID, func(b *testing.B) {
			vals, err := d.Parse(nil)
			if err != nil {
				b.Fatal(err)
			}
			var cpu, wall time.Duration
			var held uint64
			for b.Loop() {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				cpu0, wall0 := processCPU(), time.Now()
				for range n {
					wg.Go(func() { runner.Execute(ctx, env, d, vals, io.Discard, nil) })
				}
				// The heap and stacks held while they run, 50 ms in (a
				// demo that is over by then shows next to nothing).
				time.Sleep(50 * time.Millisecond)
				var during runtime.MemStats
				runtime.ReadMemStats(&during)
				wg.Wait()
				cpu += processCPU() - cpu0
				wall += time.Since(wall0)
				cancel()
				held += (during.HeapInuse + during.StackInuse) - min(during.HeapInuse+during.StackInuse, before.HeapInuse+before.StackInuse)
			}
			rounds := float64(b.N)
			b.ReportMetric(float64(cpu.Microseconds())/float64(wall.Microseconds())*1000/n, "millicores/run")
			b.ReportMetric(float64(held)/rounds/n/1024, "KiB/run")
			b.ReportMetric(float64(wall.Milliseconds())/rounds, "ms-wall")
		})
	}
}

// processCPU is the CPU time of this process so far, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Every demo declares what its runs cost (runner.Cost), and the socket
// charges a click by it before the run starts; a demo that keeps a thread
// of its own or talks over the network but says it only waits would be
// let in by the thousand. So the declaration is checked against the very
// files the demo runs: a call to runtime.LockOSThread makes a thread demo,
// an import of net or net/http a network demo, and a demo declaring more
// than it does is flagged too.
func TestDeclaredCostsMatchTheSource(t *testing.T) {
	catalog, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range catalog.Demos() {
		var src strings.Builder
		for _, name := range append([]string{d.Source}, d.Also...) {
			data, err := fs.ReadFile(catalog.Files(d.ID), name)
			if err != nil {
				t.Fatalf("%s: %v", d.ID, err)
			}
			src.Write(data)
		}
		text := src.String()
		want := runner.CostWaits
		switch {
		case strings.Contains(text, "runtime.LockOSThread()"):
			want = runner.CostThread
		case strings.Contains(text, "\"net/http\"") || strings.Contains(text, "\"net\""):
			want = runner.CostNetwork
		}
		if d.Cost != want && d.Cost != runner.CostCPU { // computing is for the demo to say
			t.Errorf("%s declares Cost %v; its source says %v", d.ID, d.Cost, want)
		}
	}
}
