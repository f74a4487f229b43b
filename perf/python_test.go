package perf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/procfs"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The Python side of the course: a demo's asyncio program run as a child
// process when a learner picks Python. These benchmarks put it beside the
// Go demo: click to first output, the flag downloads against their ideal,
// and the memory one run's process takes. They skip without Python (and
// aiohttp), which CI installs.

// pythonClicks are the demos the click benchmark starts: the spinner
// (asyncio alone; its first frame is written at once) and the concurrent
// download (which imports aiohttp first; its first output is the first
// flag that arrives, at latency 0s).
var pythonClicks = []struct {
	demo   string
	params map[string]string
}{
	{"spinner-goroutine", clickParams},
	{"flags-concurrent", map[string]string{"latency": "0s", "count": "5"}},
}

// BenchmarkPythonClickToFirstOutput measures, over real loopback
// websockets, the time from sending "run" to the first "output" frame for
// a demo's Go code and for its asyncio program (a fresh interpreter, under
// prlimit, in its own process group), with 1, 2, 4 and 6 clients clicking
// at the same moment (6 is the default cap on Python runs at once).
func BenchmarkPythonClickToFirstOutput(b *testing.B) {
	in := lessontest.FindPython(b)
	if !in.HasAiohttp {
		b.Skipf("Python %s has no aiohttp: apt-get install python3-aiohttp", in.Version)
	}
	for _, click := range pythonClicks {
		for _, rt := range []string{"go", "python"} {
			for _, n := range []int{1, 2, 4, 6} {
				b.Run(fmt.Sprintf("demo=%s/runtime=%s/clients=%d", click.demo, rt, n), func(b *testing.B) {
					// Measure the server, not the busy answer: every client is
					// 127.0.0.1 here. The cap on Python runs stays the default.
					lim := socket.DefaultLimits()
					lim.Global, lim.PerClient = 1000, 1000
					lim.StartRate, lim.StartBurst = 1e6, 1e6
					lim.ClientFrameRate, lim.ClientFrameBurst = 1e6, 1e6
					c := startCourse(b, web.CourseConfig{Socket: lim})
					conns := dialMany(b, c.URL, n)
					var started, first durations
					round := 0
					for b.Loop() {
						round++
						var wg sync.WaitGroup
						for i, conn := range conns {
							wg.Go(func() {
								s, f := clickIn(b, conn, fmt.Sprintf("r%d-%d", round, i), click.demo, rt, click.params)
								started.add(s)
								first.add(f)
							})
						}
						wg.Wait()
					}
					report(b, "started", started.d)
					report(b, "first-output", first.d)
				})
			}
		}
	}
}

// clickIn runs demo once on conn in the given runtime and returns the
// times to "started" and to the first "output", reading on until "exit".
func clickIn(tb testing.TB, conn *socket.Client, id, demo, rt string, params map[string]string) (toStarted, toOutput time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	run := map[string]any{"type": "run", "id": id, "demo": demo, "runtime": rt, "params": params}
	if err := conn.Send(ctx, run); err != nil {
		tb.Error(err)
		return
	}
	end, err := conn.Follow(ctx, id, func(m socket.Message) {
		switch {
		case m.Type == "started" && toStarted == 0:
			toStarted = time.Since(start)
		case m.Type == "output" && toOutput == 0:
			toOutput = time.Since(start)
		}
	})
	switch {
	case err != nil:
		tb.Error(err)
	case end.Type == "error":
		tb.Errorf("run refused: %s", end.Error)
	case end.Error != "":
		tb.Errorf("run failed: %s", end.Error)
	}
	return toStarted, toOutput
}

// pythonDemo is demo id of the catalog with its run swapped for its
// asyncio program, as the server swaps it.
func pythonDemo(tb testing.TB, catalog *lessons.Catalog, in *python.Interpreter, id string) (goDemo, pyDemo *runner.Demo) {
	tb.Helper()
	d, ok := catalog.Registry().Lookup(id)
	if !ok {
		tb.Fatalf("no demo %s", id)
	}
	code := catalog.Code(id)
	if ok, why := in.CanRun(code.PythonText); !ok {
		tb.Skip(why)
	}
	py := *d
	py.Run = in.Program(code.PythonFile, code.PythonText)
	return d, &py
}

// semaphoreTotal is the time flags-semaphore printed for its 20 flags, in
// Go or in Python: measured by the program from its first request to its
// last answer, without the interpreter's start-up.
var semaphoreTotal = regexp.MustCompile(`20 flags in (\d+\.\d\d)s`)

// BenchmarkPythonFlagsAgainstIdeal downloads 20 flags at 100 ms of server
// latency with the semaphore at 1, 5 and 20, once with the Go demo and once
// with its asyncio program in every round, and reports both against the
// ideal ⌈20/N⌉ × 100 ms, and Python's time over Go's. go-ms and python-ms
// are the programs' own totals (as printed); python-run-ms is the whole
// run as the learner waits for it, interpreter start-up included.
func BenchmarkPythonFlagsAgainstIdeal(b *testing.B) {
	in := lessontest.FindPython(b)
	site, err := flagserver.Start("127.0.0.1:0", flagserver.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close(context.Background())
	env := runner.Env{FlagsURL: site.URL, Limits: runner.DefaultLimits()}
	catalog, err := lessons.Load()
	if err != nil {
		b.Fatal(err)
	}
	goDemo, pyDemo := pythonDemo(b, catalog, in, "flags-semaphore")
	const latency = 100 * time.Millisecond
	for _, limit := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			v, err := goDemo.Parse(map[string]string{
				"limit": fmt.Sprint(limit), "latency": latency.String(),
				"error_rate": "0", "missing": "none",
			})
			if err != nil {
				b.Fatal(err)
			}
			total := func(d *runner.Demo) (printed, whole time.Duration) {
				var out bytes.Buffer
				res := runner.Execute(context.Background(), env, d, v, &out, nil)
				if res.Err != nil {
					b.Fatalf("%s: %v\n%s", d.ID, res.Err, out.String())
				}
				m := semaphoreTotal.FindStringSubmatch(out.String())
				if m == nil {
					b.Fatalf("no total in\n%s", out.String())
				}
				s, _ := strconv.ParseFloat(m[1], 64)
				return time.Duration(s * float64(time.Second)), res.Elapsed
			}
			ideal := time.Duration((20+limit-1)/limit) * latency
			var goSum, pySum, pyRunSum time.Duration
			for b.Loop() {
				g, _ := total(goDemo)
				p, whole := total(pyDemo)
				goSum, pySum, pyRunSum = goSum+g, pySum+p, pyRunSum+whole
			}
			n := time.Duration(b.N)
			b.ReportMetric(ms(goSum/n), "go-ms")
			b.ReportMetric(ms(pySum/n), "python-ms")
			b.ReportMetric(ms(pyRunSum/n), "python-run-ms")
			b.ReportMetric(float64(goSum/n)/float64(ideal), "go-x-ideal")
			b.ReportMetric(float64(pySum/n)/float64(ideal), "python-x-ideal")
			b.ReportMetric(float64(pySum)/float64(goSum), "python/go")
		})
	}
}

// BenchmarkPythonRunPeakRSS runs a demo's asyncio program and reports the
// peak resident memory of its process (VmHWM, read from /proc while it
// runs): what one Python run costs the server, against the few KiB of a
// goroutine. There is no event to wait on for a process's memory, so the
// benchmark polls /proc every 5 ms for the run's lifetime.
func BenchmarkPythonRunPeakRSS(b *testing.B) {
	in := lessontest.FindPython(b)
	site, err := flagserver.Start("127.0.0.1:0", flagserver.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close(context.Background())
	env := runner.Env{FlagsURL: site.URL, Limits: runner.DefaultLimits()}
	catalog, err := lessons.Load()
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		demo   string
		params map[string]string
	}{
		{"spinner-goroutine", map[string]string{"slow": "500ms"}},
		{"flags-semaphore", map[string]string{"latency": "100ms"}},
	} {
		b.Run("demo="+tc.demo, func(b *testing.B) {
			_, d := pythonDemo(b, catalog, in, tc.demo)
			v, err := d.Parse(tc.params)
			if err != nil {
				b.Fatal(err)
			}
			var peak int64
			for b.Loop() {
				done := make(chan struct{})
				var watched sync.WaitGroup
				var hwm int64
				watched.Go(func() { hwm = childPeakRSS(done) })
				res := runner.Execute(context.Background(), env, d, v, &bytes.Buffer{}, nil)
				close(done)
				watched.Wait()
				if res.Err != nil {
					b.Fatal(res.Err)
				}
				peak = max(peak, hwm)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
		})
	}
}

// childPeakRSS polls the children of this process until done and returns
// the highest VmHWM (bytes) any of them reached while it looked.
func childPeakRSS(done <-chan struct{}) int64 {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	self := os.Getpid()
	var peak int64
	for {
		procs, _ := procfs.AllProcs()
		for _, p := range procs {
			// A process may end between the listing and the reads.
			if st, err := p.Stat(); err != nil || st.PPID != self {
				continue
			}
			if status, err := p.NewStatus(); err == nil {
				peak = max(peak, int64(status.VmHWM))
			}
		}
		select {
		case <-done:
			return peak
		case <-tick.C:
		}
	}
}
