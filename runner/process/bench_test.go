//go:build linux

package process_test

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/process"
)

// BenchmarkServerBesideBusyRuns measures how late this process — the
// server — wakes for its timers (a time limit, a write timeout, the next
// frame) while eight runs burn the CPU, each a child started by RunWith
// as the runtimes start theirs: nice=0 as equals (the default), nice=5
// yielding (walkthrough serve -run-nice 5). server=busy keeps one goroutine of the server
// computing throughout, as a server streaming many runs' output does:
// then the server's session wants its share all the time. Each op is one
// 5 ms timer; reported: how late it fired, p50, p99 and the worst.
func BenchmarkServerBesideBusyRuns(b *testing.B) {
	for _, c := range []struct {
		server string
		nice   int
	}{{"idle", 0}, {"idle", 5}, {"busy", 0}, {"busy", 5}} {
		b.Run(fmt.Sprintf("server=%s/nice=%d", c.server, c.nice), func(b *testing.B) {
			nice := c.nice
			ctx, stop := context.WithCancel(b.Context())
			var runs sync.WaitGroup
			defer runs.Wait()
			defer stop()
			if c.server == "busy" {
				spun := new(int) // the work, where the compiler cannot drop it
				runs.Go(func() {
					for ctx.Err() == nil {
						for i := 0; i < 1e6; i++ {
							*spun++
						}
					}
				})
			}
			for range 8 {
				cmd := exec.Command("/bin/sh", "-c", "while :; do :; done")
				runs.Go(func() {
					process.RunWith(ctx, cmd, func(r io.Reader) { io.Copy(io.Discard, r) }, process.Options{Nice: nice})
				})
			}
			late := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				t := time.NewTimer(5 * time.Millisecond)
				<-t.C
				late = append(late, time.Since(start)-5*time.Millisecond)
			}
			slices.Sort(late)
			ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
			b.ReportMetric(ms(late[len(late)/2]), "late-p50-ms")
			b.ReportMetric(ms(late[len(late)*99/100]), "late-p99-ms")
			b.ReportMetric(ms(late[len(late)-1]), "late-max-ms")
		})
	}
}
