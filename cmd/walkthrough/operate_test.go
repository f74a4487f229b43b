package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// serve -metrics-addr serves Prometheus metrics on a listener of its own;
// -log-format json writes one JSON line per run with its demo, result,
// elapsed time and client.
func TestServeMetricsAndJSONLogs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := make(chan string, 2) // the course's, then the metrics'
	stderr := &syncBuffer{}
	c := &command{stdout: io.Discard, stderr: stderr, listen: catchListener(addrs)}
	done := make(chan error, 1)
	go func() {
		done <- c.run(ctx, []string{"-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0", "-log-format", "json"})
	}()
	course, metrics := "http://"+<-addrs, "http://"+<-addrs

	rctx, rcancel := context.WithTimeout(ctx, 20*time.Second)
	defer rcancel()
	cl, err := socket.Dial(rctx, course, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.CloseNow()
	if err := cl.Run(rctx, "r1", "spinner-goroutine", map[string]string{"slow": "100ms"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Until(rctx, "exit", "r1"); err != nil {
		t.Fatal(err)
	}
	// The course's own address has no metrics.
	if resp, err := http.Get(course + "/metrics"); err != nil {
		t.Error(err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("/metrics on the course's address: %d, want 404", resp.StatusCode)
		}
	}
	resp, err := http.Get(metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `walkthrough_runs_total{demo="spinner-goroutine",result="ok",runtime="go"} 1`) {
		t.Errorf("metrics lack the run:\n%s", body)
	}
	cl.CloseNow()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()

	var found bool
	for _, line := range strings.Split(stderr.String(), "\n") {
		var rec map[string]any
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "run" {
			found = rec["demo"] == "spinner-goroutine" && rec["result"] == "ok" && rec["client"] == "127.0.0.1" && rec["elapsed_ms"] != nil
		}
	}
	if !found {
		t.Errorf("no run line with demo, result, elapsed and client in:\n%s", stderr.String())
	}
}

func TestServeBadOperatorFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-log-format", "xml"},
		{"-drain-delay", "-1s"},
	} {
		c := &command{stdout: io.Discard, stderr: io.Discard, listen: catchListener(make(chan string, 2))}
		err := c.run(context.Background(), args)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "-")) {
			t.Errorf("%v: %v (exit %d), want 2 naming the flag", args, err, exitCode(err))
		}
	}
}
