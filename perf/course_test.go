package perf

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/web"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// course is the real server, in process, on loopback, built by the one
// constructor `walkthrough serve` uses.
type course struct {
	URL string
}

func startCourse(tb testing.TB, cfg web.CourseConfig) *course {
	tb.Helper()
	c, err := web.NewCourse(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.Shutdown(context.Background())
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Shutdown(ctx); err != nil {
			tb.Error(err)
		}
		<-done
	})
	// The lessons wait for the runtimes' probes: measure a course that
	// has them.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.Ready(ctx); err != nil {
		tb.Fatal(err)
	}
	return &course{URL: "http://" + ln.Addr().String()}
}

// client is an HTTP client with its own connection pool, closed after use
// so that no keep-alive goroutine outlives a benchmark.
func client(tb testing.TB, conns int) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// percentile is the nearest-rank p-th percentile of sorted durations, the
// same definition `walkthrough-load` uses, so their figures compare.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// durations collects samples from many goroutines.
type durations struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *durations) add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
