package rawconn

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var port = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// byHost splits the console into each host's lines, in the order that host
// printed them, with times and ports masked; other lines go under "".
// How hosts interleave depends on timing; what one host prints does not.
func byHost(output string) map[string][]string {
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(output, "\n"), "\n") {
		line = port.ReplaceAllString(lessontest.MaskTimes(line), "127.0.0.1:<port>")
		host := ""
		if f := strings.Fields(line); len(f) > 1 && strings.HasSuffix(f[1], ".test") {
			host = f[1]
		}
		got[host] = append(got[host], line)
	}
	return got
}

func Example_wgetHeaders() {
	res, err := lessontest.Run(context.Background(), Demos(), "wget-headers", "delays=30ms,5ms,15ms")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	lines := byHost(res.Output)
	for _, host := range []string{"alpha.test", "bravo.test", "charlie.test", ""} {
		fmt.Println(strings.Join(lines[host], "\n"))
	}
	fmt.Println("err:", res.Err)
	// Output:
	// [<t>] alpha.test   * connected to 127.0.0.1:<port>
	// [<t>] alpha.test   > "GET / HTTP/1.0\r\nHost: alpha.test\r\n\r\n"
	// [<t>] alpha.test   < HTTP/1.0 200 OK
	// [<t>] alpha.test   < Server: tiny/alpha.test
	// [<t>] alpha.test   < X-Requested-Host: alpha.test
	// [<t>] alpha.test   < X-Line-Delay: <t>
	// [<t>] alpha.test   < Content-Length: 22
	// [<t>] alpha.test   * 5 header lines in <t>; body ignored, connection closed
	// [<t>] bravo.test   * connected to 127.0.0.1:<port>
	// [<t>] bravo.test   > "GET / HTTP/1.0\r\nHost: bravo.test\r\n\r\n"
	// [<t>] bravo.test   < HTTP/1.0 200 OK
	// [<t>] bravo.test   < Server: tiny/bravo.test
	// [<t>] bravo.test   < X-Requested-Host: bravo.test
	// [<t>] bravo.test   < X-Line-Delay: <t>
	// [<t>] bravo.test   < Content-Length: 22
	// [<t>] bravo.test   * 5 header lines in <t>; body ignored, connection closed
	// [<t>] charlie.test * connected to 127.0.0.1:<port>
	// [<t>] charlie.test > "GET / HTTP/1.0\r\nHost: charlie.test\r\n\r\n"
	// [<t>] charlie.test < HTTP/1.0 200 OK
	// [<t>] charlie.test < Server: tiny/charlie.test
	// [<t>] charlie.test < X-Requested-Host: charlie.test
	// [<t>] charlie.test < X-Line-Delay: <t>
	// [<t>] charlie.test < Content-Length: 24
	// [<t>] charlie.test * 5 header lines in <t>; body ignored, connection closed
	// 3 hosts read at once in <t>; one after another: <t> + <t> + <t> = <t>
	// err: <nil>
}

// The lines interleave by arrival: a fast host is done before a slow one
// has sent its second line, and the first status line is the fast host's.
func TestLinesInterleaveByArrival(t *testing.T) {
	res, err := lessontest.Run(context.Background(), Demos(), "wget-headers", "delays=100ms,5ms")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	var received []string // host of every "<" line, in printed order
	for _, line := range strings.Split(res.Output, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "<" {
			received = append(received, f[1])
		}
	}
	want := []string{"bravo.test", "bravo.test", "bravo.test", "bravo.test", "bravo.test",
		"alpha.test", "alpha.test", "alpha.test", "alpha.test", "alpha.test"}
	if !slices.Equal(received, want) {
		t.Errorf("header lines arrived from %v, want %v", received, want)
	}
}

// All hosts are read at once: every host is in flight together on the
// timeline, each has one point per header line and ends ok, and the whole
// run takes about one host's time, far less than the sum.
func TestHostsAreReadConcurrently(t *testing.T) {
	began := time.Now()
	res, err := lessontest.Run(context.Background(), Demos(), "wget-headers", "delays=60ms,60ms,60ms,60ms")
	took := time.Since(began)
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	if n := runner.MaxInFlight(res.Events); n != 4 {
		t.Errorf("%d hosts in flight at once, want 4", n)
	}
	// One after another would be 4 × 6 × 60ms = 1.44s; together ≈ 0.36s.
	if took > 900*time.Millisecond {
		t.Errorf("4 hosts took %v: were they read one after another?", took)
	}
	type tally struct{ start, points, end int }
	seen := map[string]*tally{}
	for _, e := range res.Events {
		if seen[e.Task] == nil {
			seen[e.Task] = &tally{}
		}
		switch e.Phase {
		case runner.PhaseStart:
			seen[e.Task].start++
		case runner.PhasePoint:
			seen[e.Task].points++
		case runner.PhaseEnd:
			seen[e.Task].end++
			if e.Status != "ok" {
				t.Errorf("%s ended %q", e.Task, e.Status)
			}
		}
	}
	for _, host := range []string{"alpha.test", "bravo.test", "charlie.test", "delta.test"} {
		if got := seen[host]; got == nil || *got != (tally{1, 5, 1}) {
			t.Errorf("%s: events %+v, want 1 start, 5 points, 1 end", host, got)
		}
	}
	if len(seen) != 4 {
		t.Errorf("tasks %v, want the 4 hosts", slices.Sorted(func(yield func(string) bool) {
			for k := range seen {
				if !yield(k) {
					return
				}
			}
		}))
	}
}

// A host with no delay answers at once; one host is enough.
func TestSingleHostNoDelay(t *testing.T) {
	res, err := lessontest.Run(context.Background(), Demos(), "wget-headers", "delays=0s")
	if err != nil || res.Err != nil {
		t.Fatal(err, res.Err)
	}
	if n := strings.Count(res.Output, "alpha.test   < "); n != 5 {
		t.Errorf("%d header lines, want 5:\n%s", n, res.Output)
	}
	if !strings.Contains(res.Output, "1 hosts read at once") {
		t.Errorf("no summary:\n%s", res.Output)
	}
}

func TestTooManyHosts(t *testing.T) {
	// The runner refuses a sixth host before the demo starts.
	_, err := lessontest.Run(context.Background(), Demos(), "wget-headers", "delays=0s,0s,0s,0s,0s,0s")
	var pe *runner.ParamError
	if !errors.As(err, &pe) || pe.Param != "delays" || !strings.Contains(err.Error(), "at most 5") {
		t.Errorf("err = %v, want a ParamError on delays", err)
	}
	// The declared bounds hold each delay to 0–2s.
	if _, err := lessontest.Run(context.Background(), Demos(), "wget-headers", "delays=100ms,3s"); err == nil {
		t.Error("a 3s delay was accepted")
	}
}

// Stop while every host is still waiting for its next line: Run returns at
// once with ErrStopped, each host ends "stopped", and (TestMain) no
// listener or connection goroutine is left behind. The hosts are real
// loopback connections, so this runs on the real clock.
func TestStopWhileReading(t *testing.T) {
	// At 250ms bravo (a line every 100ms) has sent two lines, alpha none.
	res := lessontest.CheckStop(t, Demos(), "wget-headers", lessontest.Stop{
		Params: []string{"delays=2s,100ms,2s"}, After: 250 * time.Millisecond, Within: lessontest.StopBound})
	if !strings.Contains(res.Output, "bravo.test   < HTTP/1.0 200 OK") {
		t.Errorf("bravo printed nothing before the stop:\n%s", res.Output)
	}
	if strings.Contains(res.Output, "alpha.test   <") {
		t.Errorf("alpha printed a line it could not have received yet:\n%s", res.Output)
	}
	ends := 0
	for _, e := range res.Events {
		if e.Phase == runner.PhaseEnd {
			ends++
			if e.Status != "stopped" {
				t.Errorf("%s ended %q, want stopped", e.Task, e.Status)
			}
		}
	}
	if ends != 3 {
		t.Errorf("%d hosts ended, want 3", ends)
	}
}
