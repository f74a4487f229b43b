package deploy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The page's reconnect schedule (static/socket.js): the first retry after
// 500 ms, each later one twice as late, up to 8 s.
const (
	firstRetry = 500 * time.Millisecond
	lastRetry  = 8 * time.Second
)

// learner is one page, driven the way static/socket.js and panel.js drive
// it, over the protocol's Go client. Each learner connects from a loopback
// address of its own (127.0.0.x), which nginx forwards and the replicas
// log as the client: that is how the test knows where each one landed.
type learner struct {
	name   string // its source address
	local  netip.Addr
	base   string // the course's URL it dials: nginx, or one replica
	client *socket.Client
	runs   int
}

// loopback is where learners come from when where does not matter.
var loopback = netip.MustParseAddr("127.0.0.1")

func newLearner(local netip.Addr, base string) *learner {
	return &learner{name: local.String(), local: local, base: base}
}

// learners makes n learners on 127.0.0.first … 127.0.0.first+n-1.
func learners(first, n int, base string) []*learner {
	var ls []*learner
	for i := range n {
		ls = append(ls, newLearner(netip.AddrFrom4([4]byte{127, 0, 0, byte(first + i)}), base))
	}
	return ls
}

// dial opens the learner's socket as a page of the course would: with the
// course's own Origin.
func (l *learner) dial(ctx context.Context) error {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: l.local.AsSlice()}}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	c, err := socket.Dial(ctx, l.base, &socket.DialOptions{
		Header:     http.Header{"Origin": {l.base}},
		HTTPClient: &http.Client{Transport: tr},
	})
	if err != nil {
		return fmt.Errorf("learner %s: %w", l.name, err)
	}
	l.client = c
	return nil
}

// reconnect comes back as the page does after its socket closed at
// closedAt: first after 500 ms, then later and later. It returns the time
// from the close to the open socket.
func (l *learner) reconnect(ctx context.Context, closedAt time.Time) (time.Duration, error) {
	delay := firstRetry
	for {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("learner %s reconnecting: %w", l.name, ctx.Err())
		case <-time.After(time.Until(closedAt.Add(delay))):
		}
		if err := l.dial(ctx); err == nil {
			return time.Since(closedAt), nil
		}
		closedAt = time.Now()
		delay = min(delay*2, lastRetry)
	}
}

func (l *learner) close() {
	if l.client != nil {
		l.client.CloseNow()
		l.client = nil
	}
}

// outcome is how one run ended for the learner.
type outcome struct {
	// result: "ok"; "stopped" (an exit that says so); "refused" (an error
	// frame: the server would not run it); "failed" (any other exit not
	// ok); "lost" (the socket went while the run was open — the page
	// reports it: panel.js shows it as 连接断开).
	result      string
	detail      string
	firstOutput time.Duration // from run to the first output frame; 0 if none
	ended       time.Time     // when the learner saw the run end
	closed      time.Time     // when the socket was seen to go, for "lost"
	closeStatus websocket.StatusCode
}

// run runs demo and follows it to its end. started, unless nil, is told
// once the server has accepted the run (started).
func (l *learner) run(ctx context.Context, demo string, params map[string]string, started chan<- *learner) outcome {
	l.runs++
	id := "r" + strconv.Itoa(l.runs)
	sent := time.Now()
	if err := l.client.Run(ctx, id, demo, params); err != nil {
		o := l.lost(err)
		o.ended = o.closed
		return o
	}
	o := l.follow(ctx, id, sent, started)
	o.ended = time.Now()
	return o
}

func (l *learner) follow(ctx context.Context, id string, sent time.Time, started chan<- *learner) outcome {
	var o outcome
	last, err := l.client.Follow(ctx, id, func(m socket.Message) {
		switch m.Type {
		case "started":
			if started != nil {
				started <- l
			}
		case "output":
			if o.firstOutput == 0 {
				o.firstOutput = time.Since(sent)
			}
		}
	})
	switch {
	case err != nil:
		lost := l.lost(err)
		lost.firstOutput = o.firstOutput
		return lost
	case last.Type == "error":
		o.result, o.detail = "refused", last.Error
	case last.OK != nil && *last.OK:
		o.result = "ok"
	case last.Code == "stopped":
		o.result = "stopped"
	default:
		o.result, o.detail = "failed", last.Error
	}
	return o
}

// lost is the outcome of a run whose socket went; the learner no longer
// has one.
func (l *learner) lost(err error) outcome {
	o := outcome{result: "lost", detail: err.Error(), closed: time.Now(), closeStatus: websocket.CloseStatus(err)}
	l.close()
	return o
}

// waitClosed reads until the server closes the socket and returns how.
func (l *learner) waitClosed(ctx context.Context) (time.Time, websocket.StatusCode, error) {
	for {
		m, err := l.client.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return time.Time{}, 0, fmt.Errorf("learner %s: socket still open: %w", l.name, ctx.Err())
			}
			closed := time.Now()
			l.close()
			return closed, websocket.CloseStatus(err), nil
		}
		if m.Type == "error" || m.Type == "exit" {
			return time.Time{}, 0, fmt.Errorf("learner %s: unexpected %s frame after its run: %+v", l.name, m.Type, m)
		}
	}
}

// percentile is the p-th percentile (0-100) of ds by nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
