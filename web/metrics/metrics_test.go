package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The budget and what each kind of run holds of it are read from the
// socket when scraped; the queue wait is kept by kind.
func TestBudgetAndWaitByKind(t *testing.T) {
	st := socket.Stats{
		Running: 3, Budget: socket.Resources{CPU: 2000, Memory: 1 << 30},
		InUse: socket.Resources{CPU: 502, Memory: 256<<20 + 256<<10},
		Kinds: []socket.KindStats{
			{Kind: socket.KindGo, Running: 2, InUse: socket.Resources{CPU: 2, Memory: 256 << 10}},
			{Kind: socket.KindEdited, Running: 1, Queued: 4, InUse: socket.Resources{CPU: 500, Memory: 256 << 20}},
		},
	}
	m := New(func() socket.Stats { return st })
	m.RunDone(socket.RunReport{Demo: "spinner-goroutine", Runtime: runtimes.Edited, Kind: socket.KindEdited, Result: "ok", Waited: 3 * time.Second})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		"walkthrough_budget_cpu_cores_limit 2\n",
		"walkthrough_budget_memory_bytes_limit 1.073741824e+09\n",
		`walkthrough_budget_cpu_cores{kind="edited"} 0.5` + "\n",
		`walkthrough_budget_cpu_cores{kind="go"} 0.002` + "\n",
		`walkthrough_budget_memory_bytes{kind="edited"} 2.68435456e+08` + "\n",
		`walkthrough_runs_queued_by_kind{kind="edited"} 4` + "\n",
		`walkthrough_runs_in_flight_by_kind{kind="go"} 2` + "\n",
		`walkthrough_queue_wait_seconds_bucket{kind="edited",le="2"} 0` + "\n",
		`walkthrough_queue_wait_seconds_bucket{kind="edited",le="5"} 1` + "\n",
		`walkthrough_queue_wait_seconds_count{kind="go"} 0` + "\n",
		`walkthrough_runs_total{demo="spinner-goroutine",result="ok",runtime="edited"} 1` + "\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %q in the scrape", want)
		}
	}
}
