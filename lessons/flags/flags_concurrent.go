package flags

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsConcurrent starts one goroutine per flag, so every request is on
// its way before the first answer comes back: the total time is roughly
// one latency, however many flags there are. getFlag is the very function
// the sequential demo calls (see download.go).
func flagsConcurrent(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// The server says where its flag site is; the learner cannot.
	baseURL := p.FlagsURL()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	query := flagserver.Config{Latency: p.Duration("latency")}.Query()

	start := time.Now()
	// Many goroutines count at once, so the counters must be atomic.
	var downloaded, failed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range flagserver.Countries()[:p.Int("count")] {
		// wg.Go starts the function in a new goroutine and counts it;
		// the loop goes straight on to the next country.
		wg.Go(func() {
			ev.Start(c.Code)
			_, err := getFlag(ctx, client, baseURL, c.Code, query)
			ev.End(c.Code, status(ctx, err))
			switch {
			case ctx.Err() != nil:
				// stopped: print nothing
			case err != nil:
				failed.Add(1)
				fmt.Fprintf(out, "%s(%v) ", c.Code, err)
			default:
				downloaded.Add(1)
				// Printed when this download ends, so the codes
				// appear in the order the answers arrive.
				fmt.Fprint(out, c.Code+" ")
			}
		})
	}
	wg.Wait() // like asyncio.gather: wait for every download
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "%d flags downloaded in %.2fs", downloaded.Load(), time.Since(start).Seconds())
	if n := failed.Load(); n > 0 {
		fmt.Fprintf(out, ", %d failed", n)
	}
	fmt.Fprintln(out)
	return nil
}
