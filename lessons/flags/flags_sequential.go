package flags

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsSequential downloads the flags one after another: the next request
// is sent only when the previous answer has fully arrived, so the total
// time is roughly count × latency. getFlag and status, shared with the
// concurrent demo, are in download.go.
func flagsSequential(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// The server says where its flag site is; the learner cannot.
	baseURL := p.FlagsURL()
	// A Transport of our own, so that the connections it opens are
	// closed when this run ends instead of lingering in a shared pool.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// The query string asks the server to wait before every answer.
	query := flagserver.Config{Latency: p.Duration("latency")}.Query()

	start := time.Now()
	downloaded, failed := 0, 0
	for _, c := range flagserver.Countries()[:p.Int("count")] {
		ev.Start(c.Code)
		_, err := getFlag(ctx, client, baseURL, c.Code, query)
		ev.End(c.Code, status(ctx, err))
		if ctx.Err() != nil {
			return ctx.Err() // stopped: leave at once
		}
		if err != nil {
			failed++
			fmt.Fprintf(out, "%s(%v) ", c.Code, err)
			continue
		}
		downloaded++
		fmt.Fprint(out, c.Code+" ") // like show(cc): code after code on one line
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "%d flags downloaded in %.2fs", downloaded, time.Since(start).Seconds())
	if failed > 0 {
		fmt.Fprintf(out, ", %d failed", failed)
	}
	fmt.Fprintln(out)
	return nil
}
