package rawconn

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxHosts is how many pretend web sites one run may start.
const maxHosts = 5

// hostName names the i-th pretend site. The .test domain is reserved for
// exactly this: names that can never reach a real host.
func hostName(i int) string {
	return [maxHosts]string{"alpha.test", "bravo.test", "charlie.test", "delta.test", "echo.test"}[i]
}

// tinyHost is one pretend web site: a TCP listener on a loopback port that
// answers any request with a handful of header lines, one line per delay.
// It stands in for the real sites the Python notes connect to, so the demo
// needs no internet and each host's slowness is a knob.
type tinyHost struct {
	name  string
	addr  string // where it listens, e.g. 127.0.0.1:40123
	delay time.Duration
}

// hostSet owns the listeners and every goroutine serving them.
type hostSet struct {
	hosts []tinyHost
	lns   []net.Listener
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// startHosts opens one listener per delay and serves each in the background
// until Close.
func startHosts(ctx context.Context, delays []time.Duration) (*hostSet, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &hostSet{stop: cancel}
	for i, d := range delays {
		ln, err := net.Listen("tcp", "127.0.0.1:0") // port 0: any free port
		if err != nil {
			s.Close()
			return nil, err
		}
		h := tinyHost{name: hostName(i), addr: ln.Addr().String(), delay: d}
		s.lns = append(s.lns, ln)
		s.hosts = append(s.hosts, h)
		s.wg.Go(func() { s.serve(ctx, ln, h) })
	}
	return s, nil
}

// Close stops the hosts: no new connections, open ones cut, and it returns
// only when every goroutine they started has finished.
func (s *hostSet) Close() {
	s.stop()
	for _, ln := range s.lns {
		ln.Close()
	}
	s.wg.Wait()
}

// serve accepts connections until the listener is closed.
func (s *hostSet) serve(ctx context.Context, ln net.Listener, h tinyHost) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return // the listener was closed by Close
		}
		s.wg.Go(func() { answer(ctx, conn, h) })
	}
}

// answer reads one request up to its blank line, then writes the response
// header one line at a time, waiting h.delay before each line, and a short
// body. HTTP/1.0 style: one request per connection, closed at the end.
func answer(ctx context.Context, conn net.Conn, h tinyHost) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	asked := "?"
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Host: "); ok {
			asked = v
		}
	}

	body := "hello from " + h.name + "\n"
	lines := []string{
		"HTTP/1.0 200 OK",
		"Server: tiny/" + h.name,
		"X-Requested-Host: " + asked,
		"X-Line-Delay: " + h.delay.String(),
		"Content-Length: " + strconv.Itoa(len(body)),
		"", // the empty line that ends the header
	}
	for _, l := range lines {
		t := time.NewTimer(h.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		if _, err := io.WriteString(conn, l+"\r\n"); err != nil {
			return // the client went away; nothing else to do
		}
	}
	io.WriteString(conn, body) // the client may have hung up already: fine
}
