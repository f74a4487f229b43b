package flags

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// What both demos share: downloading a single flag is the same code
// whether one loop calls it or twenty goroutines do.

// getFlag fetches /{cc}/{cc}.gif and returns the image bytes. The request
// carries ctx, so stopping the run also abandons a request in flight.
func getFlag(ctx context.Context, client *http.Client, baseURL, code, query string) ([]byte, error) {
	cc := strings.ToLower(code)
	url := baseURL + "/" + cc + "/" + cc + ".gif?" + query
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close() // always, or the connection cannot be reused
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // a flag is a few hundred bytes
}

// httpError is an answer other than 200 OK; it prints as the bare code.
type httpError int

func (e httpError) Error() string { return fmt.Sprint(int(e)) }

// status is what a download's bar on the timeline ends with.
func status(ctx context.Context, err error) string {
	switch {
	case err == nil:
		return "ok"
	case ctx.Err() != nil:
		return "stopped"
	case errors.Is(err, httpError(http.StatusNotFound)):
		return "404"
	}
	return "error"
}
