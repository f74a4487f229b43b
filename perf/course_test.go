package perf

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/flagserver"
	"github.com/bingfa-manyou/walkthrough/web"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// course is the real server, in process, on loopback: catalog, socket,
// pages and a flag server, as `walkthrough serve` wires them.
type course struct {
	URL    string
	flags  *httptest.Server
	socket *runner.Socket
	srv    *httptest.Server
}

func startCourse(tb testing.TB, lim runner.Limits) *course {
	tb.Helper()
	log := slog.New(slog.DiscardHandler)
	fs, err := flagserver.New(flagserver.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	flags := httptest.NewServer(fs)
	catalog, err := lessons.Load(lessons.Options{FlagsURL: flags.URL})
	if err != nil {
		tb.Fatal(err)
	}
	socket, err := runner.NewSocket(catalog.Registry(), lim, log)
	if err != nil {
		tb.Fatal(err)
	}
	h, err := web.NewHandler(web.Config{Catalog: catalog, Socket: socket, Flags: fs, Log: log})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	c := &course{URL: srv.URL, flags: flags, socket: socket, srv: srv}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		socket.Close(ctx)
		srv.Close()
		flags.Close()
	})
	return c
}

// client is an HTTP client with its own connection pool, closed after use
// so that no keep-alive goroutine outlives a benchmark.
func client(tb testing.TB, conns int) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// percentile is the nearest-rank p-th percentile of sorted durations, the
// same definition `walkthrough load` uses, so their figures compare.
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
