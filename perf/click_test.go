package perf

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The demo every click benchmark starts: its first frame is written at once.
var clickParams = map[string]string{"slow": "100ms", "frame": "20ms"}

// BenchmarkClickToFirstOutput measures, over real loopback websockets, the
// time from sending "run" to receiving "started" and to the first "output"
// frame, with 1, 50, 200 and 1000 clients clicking at the same moment, each
// from its own loopback address (so many learners), on the default limits.
func BenchmarkClickToFirstOutput(b *testing.B) {
	for _, n := range []int{1, 50, 200, 1000} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			c := startCourse(b, web.CourseConfig{})
			conns := dialMany(b, c.URL, n)
			var started, first durations
			round := 0
			for b.Loop() {
				round++
				var wg sync.WaitGroup
				for i, conn := range conns {
					wg.Go(func() {
						s, f := click(b, conn, fmt.Sprintf("r%d-%d", round, i))
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

func report(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	b.ReportMetric(ms(percentile(d, 50)), name+"-p50-ms")
	b.ReportMetric(ms(percentile(d, 99)), name+"-p99-ms")
}

// dialMany opens n sockets, each from its own loopback address (127.0.a.b:
// the whole of 127.0.0.0/8 answers on lo), so that the server counts n
// learners rather than one client with n pages.
func dialMany(tb testing.TB, url string, n int) []*socket.Client {
	tb.Helper()
	conns := make([]*socket.Client, n)
	for i := range conns {
		from := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(1+i%250))}
		tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: from}).DialContext}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := socket.Dial(ctx, url, &socket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
		tr.CloseIdleConnections()
		cancel()
		if err != nil {
			tb.Fatal(err)
		}
		conns[i] = c
		tb.Cleanup(func() { c.Close() })
	}
	return conns
}

// click runs spinner-goroutine once on conn and returns the times to
// "started" and to the first "output", reading on until "exit".
func click(tb testing.TB, conn *socket.Client, id string) (toStarted, toOutput time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := conn.Run(ctx, id, "spinner-goroutine", clickParams); err != nil {
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
	}
	return toStarted, toOutput
}

// BenchmarkBuildAndRun is the same click served the way the Go Tour's local
// mode does it: write the demo as a main package, `go build` it, run the
// binary and wait for its first byte of output. Each round changes the
// source (a comment), as each learner's edit would, so the build is real;
// the build cache stays warm, which favours this side.
func BenchmarkBuildAndRun(b *testing.B) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		b.Fatal(err)
	}
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	// Inside the module (so the runner import resolves), in a directory
	// the ./... pattern skips because its name starts with a dot.
	dir, err := os.MkdirTemp(root, ".perf-build-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	demo, err := os.ReadFile(filepath.Join(root, "lessons", "spinner", "spinner_goroutine.go"))
	if err != nil {
		b.Fatal(err)
	}
	helper, err := os.ReadFile(filepath.Join(root, "lessons", "spinner", "spinner_thread.go"))
	if err != nil {
		b.Fatal(err)
	}
	// spinner_goroutine.go uses slowCall and status from spinner_thread.go.
	os.WriteFile(filepath.Join(dir, "spinner_goroutine.go"), []byte(strings.Replace(string(demo), "package spinner", "package main", 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "spinner_thread.go"), []byte(strings.Replace(string(helper), "package spinner", "package main", 1)), 0o644)

	var samples durations
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

func main() {
	d := runner.Demo{ID: "x", Lesson: "x", Title: "x", Source: "x", Run: spinGoroutine, Params: []runner.Param{
		{Name: "slow", Kind: runner.KindDuration, Default: "100ms"},
		{Name: "frame", Kind: runner.KindDuration, Default: "20ms"},
	}}
	v, _ := d.Parse(nil)
	runner.Execute(context.Background(), runner.Env{}, &d, v, os.Stdout, nil)
}
`, round)
		start := time.Now()
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644)
		build := exec.Command(gobin, "build", "-o", "demo", ".")
		build.Dir = dir
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("build: %v\n%s", err, out)
		}
		cmd := exec.Command(filepath.Join(dir, "demo"))
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 1)
		if _, err := out.Read(buf); err != nil {
			b.Fatal(err)
		}
		samples.add(time.Since(start))
		cmd.Process.Kill()
		cmd.Wait()
	}
	report(b, "first-output", samples.d)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
