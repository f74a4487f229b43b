package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// syncBuffer is written by the server goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// catchListener is a command's listen that hands the test every address
// the command listens on, so no test reads it from the output.
func catchListener(addrs chan<- string) func(network, addr string) (net.Listener, error) {
	return func(network, addr string) (net.Listener, error) {
		ln, err := net.Listen(network, addr)
		if err == nil {
			addrs <- ln.Addr().String()
		}
		return ln, err
	}
}

// serving is `walkthrough serve` running in the test on a free loopback
// port.
type serving struct {
	URL    string // http://127.0.0.1:PORT, from the listener serve was given
	stdout *syncBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	took   time.Duration
	err    error
}

// startServe runs the command (serve, the default) with extra flags, and
// stops it when the test ends.
func startServe(t *testing.T, flags ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan string, 1)
	s := &serving{stdout: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	c := &command{stdout: s.stdout, stderr: io.Discard, listen: catchListener(addrs)}
	args := append([]string{"-addr", "127.0.0.1:0"}, flags...)
	go func() { s.done <- c.run(ctx, args) }()
	select {
	case addr := <-addrs:
		s.URL = "http://" + addr
	case err := <-s.done:
		cancel()
		t.Fatalf("serve returned before it listened: %v", err)
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// stop does what SIGTERM does, and returns how long serve took to return
// and its error.
func (s *serving) stop() (time.Duration, error) {
	s.once.Do(func() {
		start := time.Now()
		s.cancel()
		select {
		case s.err = <-s.done:
		case <-time.After(10 * time.Second):
			s.err = errors.New("serve did not return within 10 s")
		}
		s.took = time.Since(start)
	})
	return s.took, s.err
}

func dialSocket(t *testing.T, ctx context.Context, base string) *socket.Client {
	t.Helper()
	c, err := socket.Dial(ctx, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// Serve, use, then stop as SIGTERM would: a run in progress is stopped, its
// socket closed with 1001, and serve returns well within 5 s. The course's
// URL is the first line serve prints.
func TestServeAndShutdown(t *testing.T) {
	srv := startServe(t)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("healthz = %q", body)
	}

	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	c := dialSocket(t, wctx, srv.URL)
	if err := c.Run(wctx, "r1", "spinner-goroutine", map[string]string{"slow": "10s"}); err != nil {
		t.Fatal(err)
	}
	if m, err := c.Next(wctx); err != nil || m.Type != "started" {
		t.Fatalf("first frame %+v, %v", m, err)
	}

	stopped := make(chan struct{})
	var serveErr error
	var took time.Duration
	go func() {
		defer close(stopped)
		took, serveErr = srv.stop()
	}()
	var sawExit bool
	for {
		m, err := c.Next(wctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
				t.Errorf("socket closed with %v (%v), want 1001", code, err)
			}
			break
		}
		if m.Type == "exit" {
			sawExit = m.Code == "stopped"
		}
	}
	if !sawExit {
		t.Error("the run in progress did not get an exit saying stopped")
	}
	<-stopped
	if serveErr != nil {
		t.Errorf("serve returned %v", serveErr)
	}
	if took > 5*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	lines := strings.Split(srv.stdout.String(), "\n")
	if want := "并发漫游 serving at " + srv.URL + "/"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if !slices.Contains(lines, "并发漫游 stopped") {
		t.Errorf("serve did not say it stopped:\n%s", srv.stdout.String())
	}
}

// A client that opens a connection and sends half a request is dropped
// after the header timeout, while everyone else is served.
func TestSlowHeadersAreDropped(t *testing.T) {
	srv := startServe(t, "-read-header-timeout", "300ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
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
	resp, err := client.Get(srv.URL + "/healthz")
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
	srv := startServe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	type pageConn struct {
		c    *socket.Client
		runs int
	}
	var pages []pageConn
	for i := range 4 {
		c := dialSocket(t, ctx, srv.URL)
		runs := i % 3 // 0, 1 or 2 runs on a page: idle pages are closed too
		for r := range runs {
			if err := c.Run(ctx, string(rune('a'+r)), "spinner-goroutine", map[string]string{"slow": "10s"}); err != nil {
				t.Fatal(err)
			}
		}
		for r := range runs {
			if _, err := c.Until(ctx, "started", string(rune('a'+r))); err != nil {
				t.Fatal(err)
			}
		}
		pages = append(pages, pageConn{c: c, runs: runs})
	}

	results := make(chan error, len(pages))
	for i, p := range pages {
		go func() {
			stopped := 0
			for {
				m, err := p.c.Next(ctx)
				if err != nil {
					if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
						results <- fmt.Errorf("page %d: closed with %v: %w", i, code, err)
						return
					}
					if stopped != p.runs {
						results <- fmt.Errorf("page %d: not every run got an exit saying stopped", i)
						return
					}
					results <- nil
					return
				}
				if m.Type == "exit" && m.Code == "stopped" {
					stopped++
				}
			}
		}()
	}
	took, err := srv.stop()
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

// Every server flag that is wrong is named, with what it must be, and the
// command exits 2 before it listens or starts anything.
func TestServeFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"serve", "extra"}, `serve takes flags only, not ["extra"]`},
		{[]string{"-addr", "127.0.0.1:0", "extra"}, `serve takes flags only, not ["extra"]`},
		{[]string{"-runs-global", "-1"}, "-runs-global must be at least 0"},
		{[]string{"-budget-cpu", "0.5"}, `invalid value "0.5" for flag -budget-cpu: want a number of cores, at least 1 (what the dearest run is charged) (walkthrough help serve lists its flags)`},
		{[]string{"-budget-memory", "x"}, `invalid value "x" for flag -budget-memory: want a number of MiB, at least 256 (what the dearest run is charged) (walkthrough help serve lists its flags)`},
		{[]string{"-budget-memory", "100"}, `invalid value "100" for flag -budget-memory: want a number of MiB, at least 256 (what the dearest run is charged) (walkthrough help serve lists its flags)`},
		{[]string{"-runs-per-conn", "0"}, "-runs-per-conn must be at least 1"},
		{[]string{"-read-bytes", "0"}, "-read-bytes must be at least 1"},
		{[]string{"-write-timeout", "0s"}, "-write-timeout must be positive"},
		{[]string{"-run-time", "-1s"}, "-run-time must be positive"},
		{[]string{"-output-bytes", "0"}, "-output-bytes must be at least 1"},
		{[]string{"-read-header-timeout", "0s"}, "-read-header-timeout must be positive"},
		{[]string{"-flags-latency", "-1s"}, "-flags-latency must not be negative"},
		{[]string{"-flags-error-rate", "1.5"}, "-flags-error-rate must be between 0 and 1"},
		{[]string{"-flags-404", "CD,X1"}, `-flags-404: "X1" is not a country code such as CD`},
		{[]string{"-flags-addr", "10.0.0.1:0"}, `-flags-addr "10.0.0.1:0" is not a loopback address such as 127.0.0.1:0`},
		{[]string{"-flags-url", "ftp://x"}, `-flags-url "ftp://x" is not a URL such as http://127.0.0.1:8001`},
		{[]string{"-runs-global", "x"}, `invalid value "x" for flag -runs-global: parse error (walkthrough help serve lists its flags)`},
		{[]string{"serve", "-nope"}, "flag provided but not defined: -nope (walkthrough help serve lists its flags)"},
	} {
		var out, errOut bytes.Buffer
		c := &command{stdout: &out, stderr: &errOut, listen: func(string, string) (net.Listener, error) {
			t.Errorf("%v: serve listened", tc.args)
			return nil, errors.New("no listening in this test")
		}}
		err := c.run(context.Background(), tc.args)
		if exitCode(err) != 2 || err.Error() != tc.says {
			t.Errorf("%v: exit %d, %v; want 2 with %q", tc.args, exitCode(err), err, tc.says)
		}
		// main prints the error, once; nothing else is printed.
		if out.Len()+errOut.Len() > 0 {
			t.Errorf("%v printed %q and %q", tc.args, out.String(), errOut.String())
		}
	}
}
