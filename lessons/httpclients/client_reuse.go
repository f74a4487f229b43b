package httpclients

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// clientReuse makes the same requests twice. First every request gets a
// brand-new client (a new http.Transport, the Go counterpart of a new
// aiohttp.ClientSession), so every request must open its own connection.
// Then one client serves all of them and hands finished connections on to
// the next request. httptrace tells us, per request, which way it went.
func clientReuse(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// The server says where its flag site is; the learner cannot.
	baseURL := p.FlagsURL()
	count, parallel := p.Int("count"), p.Int("parallel")
	handshake := p.Duration("handshake")
	// No server latency: this demo is about what happens before the
	// request is even sent.
	query := url.Values{"latency": {"0s"}}.Encode()

	// The same list of URLs for both rounds: the 20 flags, round and round.
	countries := flagserver.Countries()[:20]
	urls := make([]string, count)
	for i := range urls {
		cc := strings.ToLower(countries[i%len(countries)].Code)
		urls[i] = baseURL + "/" + cc + "/" + cc + ".gif?" + query
	}
	fmt.Fprintf(out, "%d requests, %d at a time; opening a connection takes %v\n\n", count, parallel, handshake)

	// Round 1: a new Transport per request, thrown away right after.
	freshClient := func() (*http.Client, func()) {
		tr := newTransport(ctx, handshake, 1)
		return &http.Client{Transport: tr}, tr.CloseIdleConnections
	}
	perRequest, err := round(ctx, "new client per request", "fresh", urls, parallel, freshClient, out, ev)
	if err != nil {
		return err
	}

	// Round 2: one Transport for the whole round. It keeps finished
	// connections in its idle pool, so the next request skips the dial.
	shared := newTransport(ctx, handshake, parallel)
	defer shared.CloseIdleConnections() // no idle connection outlives the run
	sharedClient := &http.Client{Transport: shared}
	same := func() (*http.Client, func()) { return sharedClient, func() {} }
	oneClient, err := round(ctx, "one shared client", "shared", urls, parallel, same, out, ev)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n%-24s %8s %9s %7s %8s\n", "client", "requests", "new conns", "reused", "time")
	for _, t := range []tally{perRequest, oneClient} {
		fmt.Fprintf(out, "%-24s %8d %9d %7d %7.3fs\n", t.label, count, t.newConns, t.reused, t.elapsed.Seconds())
	}
	if n := perRequest.failed + oneClient.failed; n > 0 {
		fmt.Fprintf(out, "%d requests failed\n", n)
	}
	fmt.Fprintf(out, "\nshared client: %.1fx as fast; connections opened: %d instead of %d\n",
		perRequest.elapsed.Seconds()/oneClient.elapsed.Seconds(), oneClient.newConns, perRequest.newConns)
	return nil
}

// newTransport returns a Transport whose dials take `handshake` longer. On
// loopback a connection opens in microseconds; across the internet TCP and
// TLS cost a few round trips before the first byte of the request, and
// this wait stands in for them.
func newTransport(runCtx context.Context, handshake time.Duration, conns int) *http.Transport {
	var d net.Dialer
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			t := time.NewTimer(handshake)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done(): // the Transport gave up on this dial
				return nil, ctx.Err()
			case <-runCtx.Done(): // the learner pressed Stop
				return nil, runCtx.Err()
			}
			return d.DialContext(ctx, network, addr)
		},
		// The default keeps only 2 idle connections per host; with more
		// requests in flight than that, good connections would be closed
		// and dialled again. Keep one per request in flight, and open no
		// more than that.
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
	}
}

// tally is what one round found.
type tally struct {
	label                    string
	newConns, reused, failed int
	elapsed                  time.Duration
}

// round makes every request, `parallel` at a time, each with the client that
// clientFor hands out (and with the cleanup it returns once the request is
// done). It prints a mark as each request finishes: "+" when it had to open
// a new connection, "." when it reused one, "x" when it failed; 50 a row.
func round(ctx context.Context, label, task string, urls []string, parallel int,
	clientFor func() (*http.Client, func()), out io.Writer, ev runner.Events) (tally, error) {
	fmt.Fprintf(out, "%-24s ", label)
	t := tally{label: label}
	marks := 0        // printed so far, to wrap the row
	var mu sync.Mutex // guards t and marks
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	start := time.Now()
	for i, url := range urls {
		select {
		case sem <- struct{}{}: // wait for a free slot
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		name := fmt.Sprintf("%s %02d", task, i+1)
		wg.Go(func() {
			defer func() { <-sem }()
			client, done := clientFor()
			defer done()
			ev.Start(name)
			reused, err := get(ctx, client, url, func() { ev.Point(name, "conn") })
			mark, status := "+", "new"
			switch {
			case err != nil:
				mark, status = "x", "error"
			case reused:
				mark, status = ".", "reused"
			}
			ev.End(name, status)
			mu.Lock()
			defer mu.Unlock()
			switch mark {
			case "+":
				t.newConns++
			case ".":
				t.reused++
			default:
				t.failed++
			}
			if marks > 0 && marks%50 == 0 {
				fmt.Fprintf(out, "\n%-24s ", "")
			}
			marks++
			fmt.Fprint(out, mark)
		})
	}
	wg.Wait()
	t.elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		fmt.Fprintln(out)
		return t, err
	}
	fmt.Fprintf(out, "  %.3fs\n", t.elapsed.Seconds())
	return t, nil
}

// get makes one request and reports whether it rode on a connection that
// an earlier request had already used. httptrace calls GotConn the moment
// the Transport hands the request a connection, new or from the pool.
func get(ctx context.Context, client *http.Client, url string, gotConn func()) (reused bool, err error) {
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			reused = info.Reused
			gotConn()
		},
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	// Read the body to the end: only then does the Transport put the
	// connection back in its pool for the next request.
	_, err = io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return reused, err
}
