package multireq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// flagsMetadata saves every flag under a file name like "China--CN.gif".
// The image alone is not enough for that: the country's name lives in a
// second resource, metadata.json. So each download is now two requests, and
// all the requests of all the countries share ONE semaphore, so that the
// server never sees more than `limit` of them at once.
func flagsMetadata(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	// The server says where its flag site is; the learner cannot.
	baseURL := p.FlagsURL()
	limit := p.Int("limit")
	together := p.Choice("pair") == "parallel"
	start := time.Now()
	stamp := func() string { return fmt.Sprintf("[%.2fs]", time.Since(start).Seconds()) }

	// "Saving" writes real files, into a directory that exists only for
	// this run. Go needs no run_in_executor here: a goroutine blocked in
	// a file write does not stop the others.
	dir, err := os.MkdirTemp("", "flags-metadata-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	tr := &http.Transport{MaxIdleConnsPerHost: limit} // keep a connection per slot for reuse
	defer tr.CloseIdleConnections()
	// Always name the latency, even 0s: a value left out would fall
	// back to whatever the server was started with.
	query := url.Values{"latency": {p.Duration("latency").String()}}.Encode()
	f := &fetcher{
		client: &http.Client{Transport: tr},
		base:   baseURL,
		query:  query,
		sem:    make(chan struct{}, limit), // the ONE semaphore of the run
		ev:     ev,
	}

	countries := flagserver.Countries()[:20]
	var wg sync.WaitGroup
	var mu sync.Mutex // guards failed
	failed := 0
	for _, c := range countries {
		wg.Go(func() {
			name, err := f.downloadOne(ctx, c.Code, together, dir)
			if ctx.Err() != nil {
				return // stopped: nothing worth printing
			}
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
				fmt.Fprintf(out, "%s %s failed: %v\n", stamp(), c.Code, err)
				return
			}
			ev.Point("files", c.Code)
			fmt.Fprintf(out, "%s %s\n", stamp(), name)
		})
	}
	wg.Wait() // every goroutine is done before Run returns
	if err := ctx.Err(); err != nil {
		return err
	}

	// Count what really landed on disk rather than trusting a counter.
	saved, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d files saved in %.2fs (%d requests, at most %d at a time)",
		len(saved), time.Since(start).Seconds(), 2*len(countries), limit)
	if failed > 0 {
		fmt.Fprintf(out, ", %d failed", failed)
	}
	fmt.Fprintln(out)
	return nil
}

// fetcher makes the requests of one run.
type fetcher struct {
	client *http.Client
	base   string        // e.g. http://127.0.0.1:40123
	query  string        // the run's server settings, e.g. latency=100ms
	sem    chan struct{} // the semaphore: a slot taken per request in flight
	ev     runner.Events
}

// downloadOne fetches a country's flag and its name, then saves the file.
// It returns the file name.
func (f *fetcher) downloadOne(ctx context.Context, cc string, together bool, dir string) (string, error) {
	lower := strings.ToLower(cc)
	var image, meta []byte
	var imageErr, metaErr error
	if together {
		// Both requests at once: each still takes its own semaphore slot.
		var wg sync.WaitGroup
		wg.Go(func() { image, imageErr = f.get(ctx, cc+" gif", "/"+lower+"/"+lower+".gif") })
		meta, metaErr = f.get(ctx, cc+" meta", "/"+lower+"/metadata.json")
		wg.Wait()
	} else {
		// One after the other, like two `async with semaphore:` blocks in a
		// row. The slot is given back in between, so another country may
		// slip in before our second request.
		image, imageErr = f.get(ctx, cc+" gif", "/"+lower+"/"+lower+".gif")
		if imageErr == nil {
			meta, metaErr = f.get(ctx, cc+" meta", "/"+lower+"/metadata.json")
		}
	}
	if imageErr != nil {
		return "", imageErr
	}
	if metaErr != nil {
		return "", metaErr
	}

	var m struct {
		Country string `json:"country"`
	}
	if err := json.Unmarshal(meta, &m); err != nil || m.Country == "" {
		return "", fmt.Errorf("metadata.json without a country name")
	}
	name := strings.NewReplacer(" ", "_", "/", "-").Replace(m.Country) + "--" + cc + ".gif"
	return name, os.WriteFile(filepath.Join(dir, name), image, 0o644)
}

// get takes a semaphore slot, makes one request and gives the slot back.
// The task starts on the timeline only once the slot is ours and ends
// before we give it back, so the timeline shows exactly what the semaphore
// allows: never more than `limit` bars at once.
func (f *fetcher) get(ctx context.Context, task, path string) ([]byte, error) {
	select {
	case f.sem <- struct{}{}: // acquire: blocks while all slots are taken
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-f.sem }() // release, after End below

	f.ev.Start(task)
	body, err := f.fetch(ctx, path)
	f.ev.End(task, status(ctx, err))
	return body, err
}

// httpStatusError is an answer other than 200 OK.
type httpStatusError struct{ code int }

func (e httpStatusError) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

func (f *fetcher) fetch(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+path+"?"+f.query, nil)
	if err != nil {
		return nil, err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), httpStatusError{resp.StatusCode})
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

// status is what the timeline shows at the end of a request.
func status(ctx context.Context, err error) string {
	var he httpStatusError
	switch {
	case err == nil:
		return "ok"
	case ctx.Err() != nil:
		return "stopped"
	case errors.As(err, &he):
		return fmt.Sprint(he.code)
	}
	return "error"
}
