package semaphore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsSemaphore starts a goroutine for every flag at once, but lets at
// most `limit` of them talk to the server at the same time. It prints each
// result as soon as it arrives and ends with a tally.
func flagsSemaphore(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// The server says where its flag site is; the learner cannot.
	baseURL := p.FlagsURL()
	limit := p.Int("limit")
	cfg := flagserver.Config{
		Latency:   p.Duration("latency"),
		ErrorRate: p.Float("error_rate"),
		Seed:      int64(p.Int("seed")), // same seed, same failures: runs repeat
	}
	if m := p.Choice("missing"); m != "none" {
		cfg.NotFound = strings.Split(m, ",")
	}
	// One Transport per run, keeping a connection per slot for reuse;
	// its idle connections are closed when the run ends.
	tr := &http.Transport{MaxIdleConnsPerHost: limit}
	defer tr.CloseIdleConnections()
	d := &downloader{
		client: &http.Client{Transport: tr},
		base:   baseURL,
		query:  cfg.Query(),
		// The semaphore is a channel with `limit` slots. Sending into it
		// takes a slot and blocks while every slot is taken; receiving
		// from it gives a slot back.
		sem: make(chan struct{}, limit),
		ev:  ev,
	}

	start := time.Now()
	countries := flagserver.Countries()[:20]
	// Buffered, so that a finished download never waits for the
	// printer: every goroutine can deliver its result and exit.
	results := make(chan result, len(countries))
	var wg sync.WaitGroup
	for _, c := range countries {
		wg.Go(func() {
			results <- result{code: c.Code, err: d.downloadOne(ctx, c.Code)}
		})
	}

	// The as_completed loop: take results in the order they finish,
	// not in the order the goroutines were started.
	tally := map[string]int{}
	for range countries {
		r := <-results
		if ctx.Err() != nil {
			continue // stopped: drain quietly, the goroutines end at once
		}
		kind := classify(r.err)
		tally[kind]++
		line := fmt.Sprintf("[%.2fs] %s %s", time.Since(start).Seconds(), r.code, kind)
		if kind == "error" {
			line += fmt.Sprintf(" (%v)", r.err)
		}
		fmt.Fprintln(out, line)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d ok, %d not found, %d errors\n", tally["ok"], tally["not found"], tally["error"])
	fmt.Fprintf(out, "%d flags in %.2fs, at most %d requests in flight (limit %d)\n",
		len(countries), time.Since(start).Seconds(), d.peak, limit)
	return nil
}

// result is what one download goroutine reports.
type result struct {
	code string
	err  error
}

// downloader holds what every download of one run shares.
type downloader struct {
	client *http.Client
	base   string        // e.g. http://127.0.0.1:40123
	query  string        // the run's server settings, e.g. latency=100ms&seed=1
	sem    chan struct{} // the semaphore
	ev     runner.Events

	mu             sync.Mutex // guards the two counters below
	inFlight, peak int        // requests holding a slot now, and the most ever
}

// downloadOne waits for a slot, fetches one flag and gives the slot back.
func (d *downloader) downloadOne(ctx context.Context, code string) error {
	select {
	case d.sem <- struct{}{}: // acquire, like `async with semaphore:`
	case <-ctx.Done(): // stopped while waiting in the queue
		return ctx.Err()
	}
	defer func() { <-d.sem }() // release, whatever happens below

	d.enter()
	defer d.leave()
	// The task starts on the timeline only once it holds a slot, so the
	// timeline shows exactly what the semaphore allows.
	d.ev.Start(code)
	err := d.getFlag(ctx, code)
	d.ev.End(code, timelineStatus(ctx, err))
	return err
}

func (d *downloader) enter() {
	d.mu.Lock()
	d.inFlight++
	d.peak = max(d.peak, d.inFlight)
	d.mu.Unlock()
}

func (d *downloader) leave() {
	d.mu.Lock()
	d.inFlight--
	d.mu.Unlock()
}

// errNotFound is the server's 404: the flag does not exist. It is not a
// failure of the download, so it is counted apart from the errors.
var errNotFound = errors.New("not found")

// getFlag fetches /{cc}/{cc}.gif and checks the answer's status.
func (d *downloader) getFlag(ctx context.Context, code string) error {
	cc := strings.ToLower(code)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.base+"/"+cc+"/"+cc+".gif?"+d.query, nil)
	if err != nil {
		return err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // the image itself
		return err
	case http.StatusNotFound:
		return errNotFound
	}
	return fmt.Errorf("HTTP %d", resp.StatusCode)
}

// classify sorts a download's outcome into the tally's three kinds.
func classify(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errNotFound):
		return "not found"
	}
	return "error"
}

// timelineStatus is what a download's bar on the timeline ends with.
func timelineStatus(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return "stopped"
	case errors.Is(err, errNotFound):
		return "404"
	case err != nil:
		return "error"
	}
	return "ok"
}
