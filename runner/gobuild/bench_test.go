package gobuild_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// firstWrite notes when the first byte of output arrived.
type firstWrite struct {
	once sync.Once
	at   time.Time
}

func (f *firstWrite) Write(p []byte) (int, error) {
	f.once.Do(func() { f.at = time.Now() })
	return len(p), nil
}

// editToFirstOutput runs one fresh edit (a comment that differs each
// time, so the lesson package really compiles) of spinner-goroutine and
// returns how long from the click to its first output, and the start-up
// (build and sandboxes) the run reported.
func editToFirstOutput(b *testing.B, n int) (time.Duration, time.Duration) {
	_, cat := builder(b)
	src := append(original(b, cat, "spinner-goroutine"), fmt.Sprintf("\n// edit %d %d\n", n, time.Now().UnixNano())...)
	var w firstWrite
	start := time.Now()
	res, err := runEditTo(b, context.Background(), "spinner-goroutine", src, map[string]string{"slow": "100ms", "frame": "20ms"}, gobuild.Options{}, &w)
	if err != nil || res.Err != nil {
		b.Fatal(err, res.Err)
	}
	return w.at.Sub(start), res.Startup
}

// pct is the p-th percentile of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// BenchmarkEditToFirstOutput: a learner's edit, built and run in the
// sandbox on a warm cache, from the click to the first output.
//
//	go test -run '^$' -bench EditToFirstOutput -benchtime 30x ./runner/gobuild/
func BenchmarkEditToFirstOutput(b *testing.B) {
	builder(b)
	var first, startup []time.Duration
	for i := 0; b.Loop(); i++ {
		f, s := editToFirstOutput(b, i)
		first, startup = append(first, f), append(startup, s)
	}
	b.ReportMetric(float64(pct(first, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(first, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(pct(startup, 0.5).Microseconds())/1000, "startup-p50-ms")
}

// BenchmarkEditsAtOnce: 8 learners editing at the same moment.
//
//	go test -run '^$' -bench EditsAtOnce -benchtime 5x ./runner/gobuild/
func BenchmarkEditsAtOnce(b *testing.B) {
	builder(b)
	const learners = 8
	var all []time.Duration
	var mu sync.Mutex
	for i := 0; b.Loop(); i++ {
		var wg sync.WaitGroup
		for l := range learners {
			wg.Go(func() {
				f, _ := editToFirstOutput(b, i*learners+l)
				mu.Lock()
				all = append(all, f)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(pct(all, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(all, 0.99).Microseconds())/1000, "p99-ms")
}

// BenchmarkSandboxSetUp: one sandbox built and torn down with nothing run
// in it — namespaces, root, loopback, Landlock, seccomp.
//
//	go test -run '^$' -bench SandboxSetUp -benchtime 50x ./runner/gobuild/
func BenchmarkSandboxSetUp(b *testing.B) {
	sb := sandbox.New(context.Background())
	defer sb.Close()
	if !sb.Status().Available {
		b.Skip(sb.Status().Detail)
	}
	for b.Loop() {
		cmd, err := sb.Command(sandbox.Spec{Tmpfs: []sandbox.Tmpfs{{Inside: "/tmp", Bytes: 1 << 20}},
			Services: []sandbox.Service{{Name: gobuild.FlagsService, Port: gobuild.FlagsPort}}})
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuiltInClick: the same demo, built in, for comparison.
//
//	go test -run '^$' -bench BuiltInClick -benchtime 200x ./runner/gobuild/
func BenchmarkBuiltInClick(b *testing.B) {
	_, cat := builder(b)
	d, _ := cat.Registry().Lookup("spinner-goroutine")
	v, _ := d.Parse(map[string]string{"slow": "100ms", "frame": "20ms"})
	var first []time.Duration
	for b.Loop() {
		var w firstWrite
		start := time.Now()
		runner.Execute(context.Background(), runner.Env{}, d, v, &w, nil)
		first = append(first, w.at.Sub(start))
	}
	b.ReportMetric(float64(pct(first, 0.5).Microseconds())/1000, "p50-ms")
}

// ownTime runs demo id's own source in a child (traced or not) and
// returns the run's time beyond the child's start — the program's own
// time, plus for a traced run the reading and summing up of its trace —
// and the summary.
func ownTime(b *testing.B, id string, raw map[string]string, traced bool) (time.Duration, *trace.Summary) {
	bld, cat := builder(b)
	d, _ := cat.Registry().Lookup(id)
	var sum *trace.Summary
	var sumErr error
	run, err := bld.Program(d, cat.Files(id), nil, gobuild.Options{Trace: traced, Traced: func(s *trace.Summary, err error) { sum, sumErr = s, err }})
	if err != nil {
		b.Fatal(err)
	}
	v, _ := d.Parse(raw)
	ed := *d
	ed.Run = run
	res := runner.Execute(context.Background(), runner.Env{}, &ed, v, io.Discard, nil)
	if res.Err != nil || sumErr != nil {
		b.Fatal(res.Err, sumErr)
	}
	return res.Elapsed - res.Startup, sum
}

// BenchmarkTraceOverhead: what trace mode adds to a flags-semaphore run
// beyond the child's start (tracing, the trace's transfer, reading and
// summing it up), p50 of traced minus untraced runs taken in turn; and
// the size of its trace frames.
//
//	go test -run '^$' -bench TraceOverhead -benchtime 10x ./runner/gobuild/
func BenchmarkTraceOverhead(b *testing.B) {
	builder(b)
	var plain, traced []time.Duration
	bytes := 0
	for b.Loop() {
		p, _ := ownTime(b, "flags-semaphore", nil, false)
		tr, sum := ownTime(b, "flags-semaphore", nil, true)
		plain, traced = append(plain, p), append(traced, tr)
		bytes = max(bytes, frameBytesB(b, sum))
	}
	b.ReportMetric(float64(pct(plain, 0.5).Microseconds())/1000, "plain-p50-ms")
	b.ReportMetric(float64(pct(traced, 0.5).Microseconds())/1000, "traced-p50-ms")
	b.ReportMetric(float64((pct(traced, 0.5)-pct(plain, 0.5)).Microseconds())/1000, "added-p50-ms")
	b.ReportMetric(float64((pct(traced, 0.9)-pct(plain, 0.5)).Microseconds())/1000, "added-p90-ms")
	b.ReportMetric(float64(bytes), "frame-bytes")
}

func frameBytesB(b *testing.B, s *trace.Summary) int {
	n := 0
	for _, f := range s.Frames(16) {
		data, err := json.Marshal(f)
		if err != nil {
			b.Fatal(err)
		}
		n += len(data) + len(`{"type":"trace","id":"r1234567890",}`)
	}
	return n
}
