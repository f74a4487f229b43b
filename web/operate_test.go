package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The metrics count runs by demo, runtime and result, refusals by reason,
// and show the socket's gauges and the Go runtime's own figures.
func TestMetrics(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := socket.Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.CloseNow()
	if err := cl.Run(ctx, "r1", "spinner-goroutine", map[string]string{"slow": "100ms", "frame": "20ms"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Until(ctx, "exit", "r1"); err != nil {
		t.Fatal(err)
	}
	// A foreign host and a foreign origin are refused and counted.
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultTransport.RoundTrip(req); err == nil {
		resp.Body.Close()
	}
	if _, err := socket.Dial(ctx, srv.URL, &socket.DialOptions{Header: http.Header{"Origin": {"http://evil.example"}}}); err == nil {
		t.Fatal("a foreign origin was let in")
	}

	rec := httptest.NewRecorder()
	srv.Course.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`walkthrough_runs_total{demo="spinner-goroutine",result="ok",runtime="go"} 1`,
		`walkthrough_refused_total{reason="host"} 1`,
		`walkthrough_refused_total{reason="origin"} 1`,
		`walkthrough_refused_total{reason="busy"} 0`,
		`walkthrough_runs_in_flight 0`,
		`walkthrough_runs_queued 0`,
		`walkthrough_sockets_open 1`,
		`walkthrough_first_output_seconds_count{runtime="go"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// A course shutting down drains: /readyz turns 503 at once while pages,
// /healthz and runs carry on for the drain delay; then runs stop and
// sockets close with 1001.
func TestDrainBeforeShutdown(t *testing.T) {
	const drain = 400 * time.Millisecond
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{DrainDelay: drain})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := socket.Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.CloseNow()
	if err := cl.Run(ctx, "long", "spinner-goroutine", map[string]string{"slow": "10s"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Until(ctx, "started", "long"); err != nil {
		t.Fatal(err)
	}
	status := func(path string) int {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("/readyz"); got != http.StatusOK {
		t.Fatalf("readyz before: %d", got)
	}
	// Shutdown's first step, taken here so the test knows it happened.
	srv.Course.Drain()
	done := make(chan error, 1)
	began := time.Now()
	go func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- srv.Course.Shutdown(sctx)
	}()
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining: %d, want 503", got)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("healthz while draining: %d, want 200", got)
	}
	if got := status("/lessons/spinner"); got != http.StatusOK {
		t.Errorf("a page while draining: %d, want 200", got)
	}
	_, err = socket.Dial(ctx, srv.URL, nil)
	var refused *socket.DialError
	if !errors.As(err, &refused) || refused.Status != http.StatusServiceUnavailable {
		t.Errorf("a new socket while draining: %v, want 503", err)
	}
	frames, err := cl.Until(ctx, "exit", "long")
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < drain {
		t.Errorf("the run was stopped %v into the drain, before its %v", took, drain)
	}
	if m := frames[len(frames)-1]; m.Code != socket.CodeStopped {
		t.Errorf("exit %+v, want stopped", m)
	}
	_, err = cl.Next(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
		t.Errorf("close %v, want 1001", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
}
