package perf

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// BenchmarkFlagsAgainstIdeal downloads 20 flags at 100 ms of server latency
// with the semaphore at 1, 5 and 20, and reports the elapsed time against
// the ideal ⌈20/N⌉ × 100 ms (1.00 would be perfect).
func BenchmarkFlagsAgainstIdeal(b *testing.B) {
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
	d, ok := catalog.Registry().Lookup("flags-semaphore")
	if !ok {
		b.Fatal("no flags-semaphore demo")
	}
	const latency = 100 * time.Millisecond
	for _, limit := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			v, err := d.Parse(map[string]string{
				"limit": fmt.Sprint(limit), "latency": latency.String(),
				"error_rate": "0", "missing": "none",
			})
			if err != nil {
				b.Fatal(err)
			}
			ideal := time.Duration((20+limit-1)/limit) * latency
			var total time.Duration
			for b.Loop() {
				res := runner.Execute(context.Background(), env, d, v, io.Discard, nil)
				if res.Err != nil {
					b.Fatal(res.Err)
				}
				total += res.Elapsed
			}
			mean := total / time.Duration(b.N)
			b.ReportMetric(ms(mean), "elapsed-ms")
			b.ReportMetric(float64(mean)/float64(ideal), "x-ideal")
		})
	}
}
