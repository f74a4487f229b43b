package socket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/coder/websocket"
)

// The tests of the limits that keep one client from denying the course to
// the others. Clients are told apart by address; the test server's peer is
// always 127.0.0.1, so these tests trust it as a proxy and name each
// client in X-Forwarded-For, exactly as a real proxy would.

func startTrusting(t *testing.T, lim testLimits) *testServer {
	t.Helper()
	return startSocketTrusting(t, lim, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")})
}

// dialFrom opens a socket as client addr, or returns the refusal.
func dialFrom(t *testing.T, srv *testServer, addr string) (*client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, srv.URL, &DialOptions{Header: http.Header{"X-Forwarded-For": {addr}}})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.CloseNow() })
	return &client{t: t, c: c}, nil
}

func mustDialFrom(t *testing.T, srv *testServer, addr string) *client {
	t.Helper()
	cl, err := dialFrom(t, srv, addr)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

var long = map[string]string{"d": "1h"}

// A hog's many clicks queue behind each other; a learner's one click is
// served next when a slot frees, not after all of the hog's.
func TestQueueIsFairAcrossClients(t *testing.T) {
	lim := defaultLimits()
	lim.Global, lim.PerClient, lim.PerConn = 2, 10, 2
	srv := startTrusting(t, lim)
	var hog []*client
	for range 4 {
		hog = append(hog, mustDialFrom(t, srv, "198.51.100.66"))
	}
	hog[0].run("h0", "wait", long)
	hog[0].until("started", "h0")
	hog[0].run("h1", "wait", long)
	hog[0].until("started", "h1")
	for i, id := range []string{"h2", "h3", "h4", "h5"} {
		page := hog[1+i/2]
		page.run(id, "wait", long)
		if m := page.until("queued", id); m[len(m)-1].Position != i+1 {
			t.Errorf("%s queued at %d, want %d", id, m[len(m)-1].Position, i+1)
		}
	}
	learner := mustDialFrom(t, srv, "203.0.113.7")
	learner.run("mine", "wait", map[string]string{"d": "1ms"})
	if m := learner.until("queued", "mine"); m[len(m)-1].Position != 2 {
		t.Errorf("learner queued at %d, want 2: behind one hog click, ahead of the other three", m[len(m)-1].Position)
	}
	hog[0].stop("h0")
	hog[0].until("exit", "h0") // h2 takes that slot: it came first
	hog[0].stop("h1")
	hog[0].until("exit", "h1")
	// The second slot goes to the learner, whose run then ends at once.
	got := learner.until("exit", "mine")
	if got[len(got)-1].OK == nil || !*got[len(got)-1].OK {
		t.Errorf("learner's run: %+v", got)
	}
	if st := srv.socket.Stats(); st.Running != 2 || st.Queued != 2 {
		t.Errorf("after the learner: %+v, want h2 and one more hog run running, two hog clicks waiting", st)
	}
}

// A client at its own cap waits even when the server has room, while
// another client starts at once.
func TestPerClientCap(t *testing.T) {
	lim := defaultLimits()
	lim.PerClient = 2
	srv := startTrusting(t, lim)
	a1, a2 := mustDialFrom(t, srv, "198.51.100.1"), mustDialFrom(t, srv, "198.51.100.1")
	a1.run("1", "wait", long)
	a1.until("started", "1")
	a1.run("2", "wait", long)
	a1.until("started", "2")
	a2.run("3", "wait", long)
	a2.until("queued", "3")
	b := mustDialFrom(t, srv, "198.51.100.2")
	b.run("b", "wait", map[string]string{"d": "1ms"})
	b.until("exit", "b")
	a1.stop("1")
	a1.until("exit", "1")
	a2.until("started", "3")
}

// A click that waits longer than the queue wait gets one busy error and no
// exit; a click stopped while waiting gets one exit saying so.
func TestQueuedRunGetsBusyAfterTheWaitOrStops(t *testing.T) {
	lim := defaultLimits()
	lim.Global, lim.QueueWait = 1, 100*time.Millisecond
	srv := startTrusting(t, lim)
	a := mustDialFrom(t, srv, "198.51.100.1")
	a.run("a", "wait", long)
	a.until("started", "a")
	b := mustDialFrom(t, srv, "198.51.100.2")
	b.run("b1", "wait", long)
	got := b.until("error", "b1")
	if got[0].Type != "queued" || got[len(got)-1].Code != CodeBusy || !strings.Contains(got[len(got)-1].Error, "等了 100ms") {
		t.Errorf("frames %+v, want queued then busy", got)
	}
	for _, m := range got {
		if m.Type == "exit" || m.Type == "started" {
			t.Errorf("a run refused after the wait got %s", m.Type)
		}
	}
	b.run("b2", "wait", long)
	b.until("queued", "b2")
	b.stop("b2")
	got = b.until("exit", "b2")
	if m := got[len(got)-1]; m.OK == nil || *m.OK || m.Code != CodeStopped {
		t.Errorf("stopped while waiting: %+v", m)
	}
	if st := srv.socket.Stats(); st.Queued != 0 || st.Running != 1 {
		t.Errorf("after: %+v", st)
	}
}

// The queue is bounded per client: past it, busy at once.
func TestQueueBoundPerClient(t *testing.T) {
	lim := defaultLimits()
	lim.PerClient, lim.QueuePerClient, lim.PerConn = 1, 1, 2
	srv := startTrusting(t, lim)
	a, a2 := mustDialFrom(t, srv, "198.51.100.1"), mustDialFrom(t, srv, "198.51.100.1")
	a.run("1", "wait", long)
	a.until("started", "1")
	a.run("2", "wait", long)
	a.until("queued", "2")
	a2.run("3", "wait", long)
	if got := a2.until("error", "3"); got[len(got)-1].Code != CodeBusy {
		t.Errorf("%+v", got)
	}
}

// Sockets are capped per client (429) and in all (503), before the
// upgrade, with Retry-After; so is how fast one client may connect.
func TestSocketCaps(t *testing.T) {
	lim := defaultLimits()
	lim.SocketsPerClient, lim.Sockets = 2, 3
	srv := startTrusting(t, lim)
	mustDialFrom(t, srv, "198.51.100.1")
	mustDialFrom(t, srv, "198.51.100.1")
	_, err := dialFrom(t, srv, "198.51.100.1")
	checkRefusal(t, err, http.StatusTooManyRequests)
	mustDialFrom(t, srv, "198.51.100.2")
	_, err = dialFrom(t, srv, "198.51.100.3")
	checkRefusal(t, err, http.StatusServiceUnavailable)

	lim = defaultLimits()
	lim.ConnectBurst, lim.ConnectRate = 3, 0.001
	srv = startTrusting(t, lim)
	for range 3 {
		c := mustDialFrom(t, srv, "198.51.100.9")
		c.c.Close()
	}
	_, err = dialFrom(t, srv, "198.51.100.9")
	checkRefusal(t, err, http.StatusTooManyRequests)
	mustDialFrom(t, srv, "198.51.100.10") // someone else is fine
}

func checkRefusal(t *testing.T, err error, status int) {
	t.Helper()
	var de *DialError
	if !errors.As(err, &de) || de.Status != status || de.Header.Get("Retry-After") == "" {
		t.Errorf("dial: %v, want %d with Retry-After", err, status)
	}
}

// Over its frame budget a socket's frames are dropped and answered once;
// a client that goes on is closed with 1008.
func TestFrameBudgetThen1008(t *testing.T) {
	lim := defaultLimits()
	lim.FrameBurst, lim.FrameRate, lim.BadFrames = 3, 0.001, 3
	srv := startTrusting(t, lim)
	cl := mustDialFrom(t, srv, "198.51.100.1")
	for range 3 {
		cl.run("r", "wait", map[string]string{"d": "1ms"})
		cl.until("exit", "r")
	}
	for range 10 {
		cl.sendRaw(`{"type":"stop","id":"x"}`)
	}
	m := cl.next()
	if m.Type != "error" || m.Code != CodeTooFast {
		t.Errorf("first frame over budget: %+v", m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := cl.c.Next(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusPolicyViolation {
		t.Errorf("after the flood: %v, want close 1008 and no more answers", err)
	}
}

// Bad frames are answered one by one — a page makes a mistake now and then
// — but a client that keeps sending them is closed with 1008.
func TestBadFramesThen1008(t *testing.T) {
	lim := defaultLimits()
	lim.BadFrames = 5
	srv := startTrusting(t, lim)
	cl := mustDialFrom(t, srv, "198.51.100.1")
	for i := range 6 {
		cl.sendRaw(`{"type":"jump"}`)
		if i < 5 {
			if m := cl.next(); m.Type != "error" {
				t.Fatalf("bad frame %d: %+v", i, m)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := cl.c.Next(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusPolicyViolation {
		t.Errorf("after 6 bad frames: %v, want close 1008", err)
	}
}

// Pings past their budget get no pong, and a ping flood ends with 1008.
func TestPingFloodThen1008(t *testing.T) {
	lim := defaultLimits()
	lim.PingBurst, lim.PingRate, lim.BadFrames = 2, 0.001, 3
	srv := startTrusting(t, lim)
	cl := mustDialFrom(t, srv, "198.51.100.1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The client's reads deliver the pongs; read in the background.
	closed := make(chan error, 1)
	go func() {
		for {
			if _, err := cl.c.Next(ctx); err != nil {
				closed <- err
				return
			}
		}
	}()
	for i := range 2 {
		if err := cl.c.Conn().Ping(ctx); err != nil {
			t.Fatalf("ping %d within budget: %v", i, err)
		}
	}
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	if err := cl.c.Conn().Ping(short); err == nil {
		t.Error("a ping past the budget was answered")
	}
	cancelShort()
	for range 5 {
		pctx, c := context.WithTimeout(ctx, 10*time.Millisecond)
		cl.c.Conn().Ping(pctx)
		c()
	}
	if code := websocket.CloseStatus(<-closed); code != websocket.StatusPolicyViolation {
		t.Errorf("after a ping flood: close %v, want 1008", code)
	}
}

// Starting and stopping in a loop cannot pass the per-client start rate.
func TestStartRate(t *testing.T) {
	lim := defaultLimits()
	lim.StartBurst, lim.StartRate = 3, 0.001
	srv := startTrusting(t, lim)
	for i := range 3 {
		cl := mustDialFrom(t, srv, "198.51.100.1") // a new socket each time does not help
		cl.run("r", "wait", map[string]string{"d": "1ms"})
		if got := cl.until("exit", "r"); got[0].Type != "started" {
			t.Fatalf("run %d: %+v", i, got)
		}
		cl.c.Close()
	}
	cl := mustDialFrom(t, srv, "198.51.100.1")
	cl.run("r", "wait", map[string]string{"d": "1ms"})
	if got := cl.until("error", "r"); got[len(got)-1].Code != CodeTooFast {
		t.Errorf("fourth start: %+v", got)
	}
	other := mustDialFrom(t, srv, "198.51.100.2")
	other.run("r", "wait", map[string]string{"d": "1ms"})
	other.until("exit", "r")
}

// A socket with no run for the idle timeout is closed with 4000 "idle"; a
// socket whose run outlasts it is not.
func TestIdleSocketIsClosed(t *testing.T) {
	lim := defaultLimits()
	lim.IdleTimeout = 50 * time.Millisecond
	srv := startTrusting(t, lim)
	busy := mustDialFrom(t, srv, "198.51.100.2")
	busy.run("r", "wait", map[string]string{"d": "300ms"})
	idle := mustDialFrom(t, srv, "198.51.100.1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := idle.c.Next(ctx)
	if code := websocket.CloseStatus(err); code != statusIdle {
		t.Errorf("idle socket: %v, want close 4000", err)
	}
	if got := busy.until("exit", "r"); got[len(got)-1].OK == nil || !*got[len(got)-1].OK {
		t.Errorf("the run on a busy socket: %+v", got)
	}
}

// A peer that stops answering pings is dropped after one write timeout.
func TestDeadPeerIsDropped(t *testing.T) {
	lim := defaultLimits()
	lim.PingInterval, lim.WriteTimeout = 20*time.Millisecond, 100*time.Millisecond
	srv := startTrusting(t, lim)
	mustDialFrom(t, srv, "198.51.100.1") // never reads: its pongs are never sent
	if n := srv.socket.Stats().Sockets; n != 1 {
		t.Fatalf("%d sockets open, want 1", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Nothing signals the drop to the test, so it looks, with a deadline.
	for srv.socket.Stats().Sockets != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("a peer that does not answer pings is still connected")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Behind a proxy that ends TLS the page's origin is https while the request
// arrives as http: a trusted proxy's X-Forwarded-Proto (or Forwarded
// proto=) gives the scheme; anyone else's is ignored.
func TestOriginBehindATLSProxy(t *testing.T) {
	srv := startTrusting(t, defaultLimits()) // trusts 127.0.0.1, the test's own address
	host := strings.TrimPrefix(srv.URL, "http://")
	dialWith := func(h http.Header) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := Dial(ctx, srv.URL, &DialOptions{Header: h})
		if err == nil {
			c.CloseNow()
		}
		return err
	}
	for _, tc := range []struct {
		header http.Header
		ok     bool
	}{
		{http.Header{"Origin": {"https://" + host}, "X-Forwarded-Proto": {"https"}}, true},
		{http.Header{"Origin": {"https://" + host}, "Forwarded": {"for=198.51.100.1;proto=https"}}, true},
		{http.Header{"Origin": {"https://" + host}}, false},
		{http.Header{"Origin": {"http://" + host}, "X-Forwarded-Proto": {"https"}}, false},
		{http.Header{"Origin": {"https://evil.example"}, "X-Forwarded-Proto": {"https"}}, false},
	} {
		if err := dialWith(tc.header); (err == nil) != tc.ok {
			t.Errorf("%v: %v, want ok=%v", tc.header, err, tc.ok)
		}
	}
	// From an untrusted peer the header counts for nothing.
	plain := startSocket(t, defaultLimits())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Origin": {"https://" + strings.TrimPrefix(plain.URL, "http://")}, "X-Forwarded-Proto": {"https"}}
	if c, err := Dial(ctx, plain.URL, &DialOptions{Header: h}); err == nil {
		c.CloseNow()
		t.Error("an untrusted peer's X-Forwarded-Proto was believed")
	}
}

// childRuntimes stands in for the course's runtimes: every child's program
// is the waiting demo (what the socket decides is when a child's run
// function runs, not what it does; a traced run's trace frames are not
// these tests' business). An edit holding "syntax error" is refused on
// its line 3; every edit accepted is handed to edited.
type childRuntimes struct{ edited func([]byte) }

func (c childRuntimes) Resolve(d *runner.Demo, req runtimes.Request) (*runner.Demo, error) {
	if err := req.Check(); err != nil {
		return nil, err
	}
	child := *d
	child.Run = waitThenAnswer
	if req.Runtime == runtimes.Edited {
		src := req.Source
		if bytes.Contains(src, []byte("syntax error")) {
			return nil, &runtimes.Error{Code: runtimes.CodeCompile, Line: 3, Err: errors.New("第 3 行：语法错误")}
		}
		if c.edited != nil {
			c.edited(src)
		}
		if bytes.Contains(src, []byte("silent")) {
			child.Run = silentThenAnswer
		}
	}
	return &child, nil
}

// startChildren serves the test demos trusting 127.0.0.1 as a proxy, with
// Python and editing hooks whose programs are the waiting demo: what the
// socket decides is when a child's run function runs, not what it does.
// The edit hook refuses source holding "syntax error" on its line 3 and
// hands every source it accepts to edited.
func startChildren(t *testing.T, lim testLimits, edited func([]byte)) *testServer {
	t.Helper()
	s, err := New(Config{
		Demos: testDemos(t), Env: runner.Env{Limits: lim.runLimits}, Limits: lim.Limits, Log: quiet(),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Runtimes:       childRuntimes{edited},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
		srv.Close()
	})
	return &testServer{Server: srv, socket: s}
}

// silentThenAnswer says nothing for d (a child still building its
// program, as the socket sees it), then answers.
func silentThenAnswer(ctx context.Context, p runner.Values, out io.Writer, _ runner.Events) error {
	select {
	case <-time.After(p.Duration("d")):
	case <-ctx.Done():
		return ctx.Err()
	}
	fmt.Fprintln(out, "answer")
	return nil
}

// runIn asks for a run of the waiting demo for d in a runtime: "python",
// "edited" (with source), or "silent" (edited source whose run says
// nothing until it ends).
func (cl *client) runIn(rt, id, d string) {
	cl.t.Helper()
	frame := map[string]any{"type": "run", "id": id, "demo": "wait", "params": map[string]string{"d": d}}
	switch rt {
	case "edited", "silent":
		frame["source"] = "package demo\n// " + rt + "\n"
	case "traced":
		frame["trace"] = true
	default:
		frame["runtime"] = rt
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cl.c.Send(ctx, frame); err != nil {
		cl.t.Fatal(err)
	}
}

// Python runs have a cap of their own on the server on top of their
// charge: each is a process of tens of MiB. Past it a Python click waits
// in the queue, and takes its slot when a Python run ends, while Go runs
// go on.
func TestPythonRunsCap(t *testing.T) {
	lim := defaultLimits()
	lim.PythonRuns = 1
	srv := startChildren(t, lim, nil)
	a, b := mustDialFrom(t, srv, "198.51.100.1"), mustDialFrom(t, srv, "198.51.100.2")
	a.runIn("python", "p1", "1h")
	if got := a.until("started", "p1"); got[len(got)-1].Runtime != "python" {
		t.Errorf("started %+v, want runtime python", got[len(got)-1])
	}
	b.runIn("python", "p2", "1ms")
	b.until("queued", "p2")
	b.run("g", "wait", map[string]string{"d": "1ms"})
	b.until("exit", "g")
	a.stop("p1")
	a.until("exit", "p1")
	if got := b.until("exit", "p2"); got[0].Type != "started" || got[0].Runtime != "python" {
		t.Errorf("the waiting Python run: %+v, want started then exit", got)
	}
}

// Edited runs wait in the queue like any run (no busy at once), take
// their slot only when they start, and have a cap of their own on the
// server.
func TestEditedRunsQueue(t *testing.T) {
	lim := defaultLimits()
	lim.EditRuns = 1
	srv := startChildren(t, lim, nil)
	a, b := mustDialFrom(t, srv, "198.51.100.1"), mustDialFrom(t, srv, "198.51.100.2")
	a.runIn("edited", "e1", "1h")
	if m := a.until("started", "e1"); !m[len(m)-1].Edited || m[len(m)-1].Runtime != "go" {
		t.Errorf("started %+v, want edited go", m[len(m)-1])
	}
	b.runIn("edited", "e2", "1ms")
	if m := b.until("queued", "e2"); m[len(m)-1].Position != 1 {
		t.Errorf("second edited run: %+v, want queued at 1", m)
	}
	a.stop("e1")
	a.until("exit", "e1")
	if got := b.until("exit", "e2"); got[0].Type != "started" || !got[0].Edited {
		t.Errorf("the waiting edited run: %+v, want started then exit", got)
	}
	if st := srv.socket.Stats(); st.Running != 0 || st.Queued != 0 {
		t.Errorf("after: %+v", st)
	}
}

// Traced runs have a cap of their own on the server: past it a traced
// click waits in the queue while other runs go on.
func TestTraceRunsCap(t *testing.T) {
	lim := defaultLimits()
	lim.TraceRuns = 1
	srv := startChildren(t, lim, nil)
	a, b := mustDialFrom(t, srv, "198.51.100.1"), mustDialFrom(t, srv, "198.51.100.2")
	a.runIn("traced", "t1", "1h")
	if got := a.until("started", "t1"); !got[len(got)-1].Trace {
		t.Errorf("started %+v, want trace", got[len(got)-1])
	}
	b.runIn("traced", "t2", "1ms")
	b.until("queued", "t2")
	b.run("g", "wait", map[string]string{"d": "1ms"})
	b.until("exit", "g")
	a.stop("t1")
	a.until("exit", "t1")
	if got := b.until("exit", "t2"); got[0].Type != "started" {
		t.Errorf("the waiting traced run: %+v, want started then exit", got)
	}
}

// Edited programs building at once are capped (a build takes a core): a
// run counts as building until its first output or event, then the next
// edited run may build, while the first goes on running.
func TestBuildsAtOnce(t *testing.T) {
	lim := defaultLimits()
	lim.Builds, lim.EditRuns = 1, 10
	srv := startChildren(t, lim, nil)
	a, b, c := mustDialFrom(t, srv, "198.51.100.1"), mustDialFrom(t, srv, "198.51.100.2"), mustDialFrom(t, srv, "198.51.100.3")
	a.runIn("silent", "s1", "1h") // building, as far as anyone can tell
	a.until("started", "s1")
	b.runIn("edited", "e1", "1h")
	b.until("queued", "e1")
	c.runIn("python", "p1", "1ms") // a Python run builds nothing
	c.until("exit", "p1")
	a.stop("s1")
	a.until("exit", "s1")
	b.until("started", "e1")
	b.until("event", "e1") // it speaks: built, running
	c.runIn("edited", "e2", "1ms")
	if got := c.until("exit", "e2"); got[0].Type != "started" {
		t.Errorf("an edit while the other one runs (built): %+v, want started at once", got)
	}
}

// One client runs at most ChildPerClient child programs (Python and
// edited together) at once: its next one waits, while another client's
// starts at once.
func TestChildRunsPerClient(t *testing.T) {
	lim := defaultLimits()
	lim.ChildPerClient, lim.EditRuns, lim.PythonRuns = 2, 10, 10
	srv := startChildren(t, lim, nil)
	a1, a2 := mustDialFrom(t, srv, "198.51.100.1"), mustDialFrom(t, srv, "198.51.100.1")
	a1.runIn("edited", "e1", "1h")
	a1.until("started", "e1")
	a1.runIn("python", "p1", "1h")
	a1.until("started", "p1")
	a2.runIn("edited", "e2", "1ms")
	a2.until("queued", "e2")
	a2.run("g", "wait", map[string]string{"d": "1ms"}) // Go runs are not children
	a2.until("exit", "g")
	b := mustDialFrom(t, srv, "198.51.100.2")
	b.runIn("edited", "b1", "1ms")
	b.until("exit", "b1")
	a1.stop("p1")
	a1.until("exit", "p1")
	if got := a2.until("exit", "e2"); got[0].Type != "started" {
		t.Errorf("the client's third child: %+v, want started once one of its two ended", got)
	}
}

// A run may carry edited source up to EditBytes; that frame alone may pass
// ReadBytes. Any other frame over ReadBytes still closes the socket with
// 1009. A mistake in the source comes back as one error naming its line.
func TestEditedSourceFrames(t *testing.T) {
	lim := defaultLimits()
	var got []byte
	ts := startChildren(t, lim, func(src []byte) { got = src })
	cl := dial(t, ts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	source := "package demo\n// " + strings.Repeat("很长的注释", 2000) + "\n" // about 30 KiB
	edited := func(id, src, d string) map[string]any {
		return map[string]any{"type": "run", "id": id, "demo": "wait", "source": src, "params": map[string]string{"d": d}}
	}
	if err := cl.c.Send(ctx, edited("e1", source, "1ms")); err != nil {
		t.Fatal(err)
	}
	if m := cl.until("exit", "e1"); !m[0].Edited || m[0].Runtime != "go" {
		t.Errorf("started %+v, want edited go", m[0])
	}
	if string(got) != source {
		t.Errorf("the edit function got %d bytes, want the %d sent", len(got), len(source))
	}
	if err := cl.c.Send(ctx, edited("e3", "package demo\nsyntax error\n", "1ms")); err != nil {
		t.Fatal(err)
	}
	if m := cl.until("error", "e3"); m[len(m)-1].Line != 3 {
		t.Errorf("a source error: %+v, want line 3", m[len(m)-1])
	}

	// Any other frame over ReadBytes: 1009, as before.
	big := dial(t, ts)
	big.sendRaw(`{"type":"stop","id":"` + strings.Repeat("x", 5000) + `"}`)
	if _, err := big.c.Next(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("a large stop frame: %v, want 1009", err)
	}
	// And source past EditBytes: 1009 too.
	huge := dial(t, ts)
	huge.c.Send(ctx, edited("e4", strings.Repeat("x", int(lim.EditBytes)+1), "1ms"))
	if _, err := huge.c.Next(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("source past the limit: %v, want 1009", err)
	}
}
