package trace_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	rtrace "runtime/trace"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// downloads is a child shaped like flags-semaphore: twenty goroutines,
// five at a time (a channel as semaphore), each fetching from a loopback
// server that answers in 100 ms.
func downloads() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(100 * time.Millisecond)
		w.Write(make([]byte, 2000))
	}))
	if err := rtrace.Start(os.Stdout); err != nil {
		panic(err)
	}
	ctx := context.Background()
	rtrace.Log(ctx, trace.Category, trace.Begin)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 5}}
	sem := make(chan struct{}, 5)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rtrace.Log(ctx, trace.Category, trace.StartTask+string(rune('A'+i)))
			resp, err := client.Get("http://" + l.Addr().String())
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	rtrace.Stop()
}

// BenchmarkSummarize: reading and summing up the trace of a run shaped
// like flags-semaphore (twenty downloads, five at a time).
//
//	go test -run '^$' -bench Summarize -benchtime 50x ./runner/trace/
func BenchmarkSummarize(b *testing.B) {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = []string{"TRACE_TEST_CHILD=downloads", "GOMAXPROCS=2"}
	data, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	var s *trace.Summary
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if s, err = trace.Summarize(data, trace.Options{Procs: 2}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "trace-bytes")
	b.ReportMetric(float64(s.Events), "events")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/parse")
}
