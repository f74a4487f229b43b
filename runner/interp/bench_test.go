package interp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// BenchmarkEditedClickToFirstOutput measures a learner's edit of
// spinner-goroutine (a comment changes each round, so nothing can be
// reused) from "run" to the first byte of output: interpreted in a child
// (Program, then the run until its first write), against the Go Tour's
// way (write a main package, go build, exec, read the first byte), with
// the peak RSS of one child; then edited runs started at once, to find
// how many a 2-core machine takes before the first output passes 200 ms.
//
//	go test -run '^$' -bench EditedClickToFirstOutput -benchtime 20x ./runner/interp/
//
// The child is this test binary; INTERP_CHILD_EXE names another binary
// that calls ChildMain (the server's, say) to measure that one instead.
func BenchmarkEditedClickToFirstOutput(b *testing.B) {
	exe := os.Getenv("INTERP_CHILD_EXE")
	c := find(b, "spinner-goroutine")
	src := source(b, c)
	params := map[string]string{"slow": "100ms", "frame": "20ms"}

	b.Run("interpreted", func(b *testing.B) {
		var peak int64
		r := &Runner{Exe: exe, Observe: func(u Usage) { peak = max(peak, u.PeakRSS) }}
		var firsts []time.Duration
		round := 0
		for b.Loop() {
			round++
			firsts = append(firsts, editedFirstOutput(b, r, c, fmt.Sprintf("%s\n// round %d\n", src, round), params))
		}
		reportFirsts(b, firsts)
		b.ReportMetric(float64(peak)/(1<<20), "child-peak-rss-MiB")
	})

	b.Run("build-and-exec", func(b *testing.B) {
		buildAndExec(b, c)
	})

	for _, n := range []int{1, 2, 4, 8, 16, 32} {
		b.Run(fmt.Sprintf("interpreted-at-once=%d", n), func(b *testing.B) {
			r := &Runner{Exe: exe}
			var mu sync.Mutex
			var firsts []time.Duration
			round := 0
			for b.Loop() {
				round++
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						d := editedFirstOutput(b, r, c, fmt.Sprintf("%s\n// round %d.%d\n", src, round, i), params)
						mu.Lock()
						firsts = append(firsts, d)
						mu.Unlock()
					})
				}
				wg.Wait()
			}
			reportFirsts(b, firsts)
		})
	}
}

// editedFirstOutput runs one edit until its first output, then stops it.
func editedFirstOutput(b *testing.B, r *Runner, c courseDemo, edited string, params map[string]string) time.Duration {
	start := time.Now()
	run, err := r.Program(c.demo, c.files, []byte(edited))
	if err != nil {
		b.Fatal(err)
	}
	d := *c.demo
	d.Run = run
	v, err := d.Parse(params)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{first: make(chan struct{})}
	done := make(chan runner.Result, 1)
	go func() { done <- runner.Execute(ctx, envWith("", 30*time.Second), &d, v, out, nil) }()
	select {
	case <-out.first:
	case res := <-done:
		b.Fatalf("ended before its first output: %v", res.Err)
	}
	took := time.Since(start)
	cancel()
	<-done
	return took
}

func reportFirsts(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	pct := func(p int) float64 {
		return float64(d[min(len(d)-1, len(d)*p/100)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(50), "first-output-p50-ms")
	b.ReportMetric(pct(99), "first-output-p99-ms")
	b.ReportMetric(0, "ns/op")
}

// buildAndExec is the Tour's way: the demo as a main package, built and
// run for each edit; the build cache stays warm, which favours it.
func buildAndExec(b *testing.B, c courseDemo) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		b.Skip("no go toolchain here")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	// Inside the module, so that the runner import resolves, in a
	// directory the ./... pattern skips (its name starts with a dot).
	dir, err := os.MkdirTemp(root, ".bench-build-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	for _, name := range []string{"spinner_goroutine.go", "spinner_thread.go"} {
		text := strings.Replace(source(b, courseDemo{&runner.Demo{Source: name}, c.files}), "package spinner", "package main", 1)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var firsts []time.Duration
	round := 0
	for b.Loop() {
		round++
		main := fmt.Sprintf(`package main

// round %d

import (
	"context"
	"os"

	"github.com/bingfa-manyou/walkthrough/runner"
)

type noEvents struct{}

func (noEvents) Start(string)         {}
func (noEvents) End(string, string)   {}
func (noEvents) Point(string, string) {}
func (noEvents) Wait(string)          {}

func main() {
	d := runner.Demo{ID: "x", Lesson: "x", Title: "x", Source: "x", Run: spinGoroutine, Params: []runner.Param{
		{Name: "slow", Kind: runner.KindDuration, Default: "100ms"},
		{Name: "frame", Kind: runner.KindDuration, Default: "20ms"},
	}}
	v, _ := d.Parse(nil)
	spinGoroutine(context.Background(), v, os.Stdout, noEvents{})
}
`, round)
		start := time.Now()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644); err != nil {
			b.Fatal(err)
		}
		build := exec.Command(gobin, "build", "-o", "demo", ".")
		build.Dir = dir
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("build: %v\n%s", err, out)
		}
		cmd := exec.Command(filepath.Join(dir, "demo"))
		out, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if _, err := out.Read(make([]byte, 1)); err != nil {
			b.Fatal(err)
		}
		firsts = append(firsts, time.Since(start))
		cmd.Process.Kill()
		cmd.Wait()
	}
	reportFirsts(b, firsts)
}
