package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// startServe runs serve on a free loopback port with extra flags and
// returns its base URL and a stop function (what SIGTERM does) that
// returns serve's error and how long it took to return.
func startServe(t *testing.T, flags ...string) (string, func() (error, time.Duration)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	args := append([]string{"-addr", "127.0.0.1:0"}, flags...)
	go func() { done <- run(ctx, args, &out, io.Discard) }()
	addr := regexp.MustCompile(`serving at (http://[0-9.:]+)/`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no address printed: %q", out.String())
		}
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	stopped := false
	stop := func() (error, time.Duration) {
		if stopped {
			return nil, 0
		}
		stopped = true
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			return err, time.Since(start)
		case <-time.After(10 * time.Second):
			return errors.New("serve did not return within 10 s"), time.Since(start)
		}
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

// A client that opens a connection and sends half a request is dropped
// after the header timeout, while everyone else is served.
func TestSlowHeadersAreDropped(t *testing.T) {
	base, _ := startServe(t, "-read-header-timeout", "300ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	// Meanwhile a whole request is answered.
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(conn) // ends when the server hangs up
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a client that never finished its headers was still connected after %v", time.Since(start))
	}
	t.Logf("dropped after %v (header timeout 300ms), with %q", time.Since(start), got)
	if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 408") {
		t.Errorf("the server answered a half request with %q", got)
	}
}

// SIGTERM with several pages open, some running demos: every run gets an
// exit saying stopped, every socket is closed with 1001, and serve returns
// within 5 s.
func TestShutdownWithSeveralSockets(t *testing.T) {
	base, stop := startServe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	type pageConn struct {
		c    *websocket.Conn
		runs int
	}
	var pages []pageConn
	for i := range 4 {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		runs := i % 3 // 0, 1 or 2 runs on a page: idle pages are closed too
		for r := range runs {
			msg, _ := json.Marshal(map[string]any{"type": "run", "id": string(rune('a' + r)), "demo": "spinner-goroutine",
				"params": map[string]string{"slow": "10s"}})
			if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
				t.Fatal(err)
			}
		}
		for started := 0; started < runs; {
			_, data, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(data), `"started"`) {
				started++
			}
		}
		pages = append(pages, pageConn{c: c, runs: runs})
	}

	results := make(chan error, len(pages))
	for i, p := range pages {
		go func() {
			stopped := 0
			for {
				_, data, err := p.c.Read(ctx)
				if err != nil {
					if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
						results <- errors.New("page " + string(rune('0'+i)) + ": closed with " + code.String() + ": " + err.Error())
						return
					}
					if stopped != p.runs {
						results <- errors.New("page " + string(rune('0'+i)) + ": not every run got an exit saying stopped")
						return
					}
					results <- nil
					return
				}
				if strings.Contains(string(data), `"exit"`) && strings.Contains(string(data), `"stopped"`) {
					stopped++
				}
			}
		}()
	}
	err, took := stop()
	if err != nil {
		t.Errorf("serve returned %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	t.Logf("shutdown took %v", took)
	for range pages {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
}
