package rawconn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// wgetHeaders starts a few tiny local web hosts (see tinyhost.go), then
// talks to all of them at once over raw TCP: connect, write an HTTP request
// by hand, and print every header line of the answer the moment it arrives.
// Each host sends its lines at its own pace, so the lines interleave.
func wgetHeaders(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	delays := p.Durations("delays") // 1 to maxHosts values, checked by the runner
	hosts, err := startHosts(ctx, delays)
	if err != nil {
		return err
	}
	defer hosts.Close() // listeners closed, their goroutines joined

	start := time.Now()
	took := make([]time.Duration, len(hosts.hosts))
	errs := make([]error, len(hosts.hosts))
	var wg sync.WaitGroup
	for i, h := range hosts.hosts {
		// One goroutine per host, like one coroutine per wget(host) in
		// asyncio: each blocks on its own socket, none blocks the others.
		wg.Go(func() {
			took[i], errs[i] = wget(ctx, h, start, out, ev)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	var sum time.Duration
	parts := make([]string, len(took))
	for i, d := range took {
		sum += d
		parts[i] = seconds(d)
	}
	fmt.Fprintf(out, "%d hosts read at once in %s; one after another: %s = %s\n",
		len(took), seconds(time.Since(start)), strings.Join(parts, " + "), seconds(sum))
	return nil
}

// wget fetches the header of one host and reports how long that took.
func wget(ctx context.Context, h tinyHost, start time.Time, out io.Writer, ev runner.Events) (took time.Duration, err error) {
	say := func(format string, args ...any) {
		at := time.Since(start).Seconds()
		fmt.Fprintf(out, "[%.2fs] %-12s %s\n", at, h.name, fmt.Sprintf(format, args...))
	}
	began := time.Now()
	ev.Start(h.name)
	defer func() {
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
			ev.End(h.name, "stopped")
		case err != nil:
			ev.End(h.name, "error")
		default:
			ev.End(h.name, "ok")
		}
	}()

	// Dial is asyncio.open_connection: a TCP connection, nothing more.
	// We already know the address, so there is no DNS lookup.
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// Read has no ctx argument. To stop a Read that is waiting for the
	// next line, close the connection when the run is stopped.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	say("* connected to %s", conn.RemoteAddr())

	// The whole HTTP/1.0 request, by hand: request line, one header, and
	// an empty line. Every line ends in \r\n, as the protocol says.
	request := "GET / HTTP/1.0\r\nHost: " + h.name + "\r\n\r\n"
	if _, err := io.WriteString(conn, request); err != nil {
		return 0, err
	}
	say("> %q", request)

	// bufio.Reader is the StreamReader: ReadString('\n') is readline().
	// It waits until a whole line is there; meanwhile the other hosts'
	// goroutines run.
	r := bufio.NewReader(conn)
	lines := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, fmt.Errorf("%s: %w", h.name, err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break // the empty line: end of the header
		}
		lines++
		say("< %s", line)
		ev.Point(h.name, "header")
	}
	took = time.Since(began)
	say("* %d header lines in %s; body ignored, connection closed", lines, seconds(took))
	return took, nil
}

// seconds prints a duration the way the console does: 1.23s.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
