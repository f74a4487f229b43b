// Package socket is the course's websocket transport: one connection per
// page, over which the page starts and stops runs of the course's demos and
// watches their output and timeline live. It owns the protocol, the
// per-connection and server-wide caps on runs, and a small Go client
// (Client) that the tests, the benchmarks and the load command all speak it
// with.
//
// # Protocol
//
// JSON text frames, at most Limits.ReadBytes each. A client sends:
//
//	{"type":"run",  "id":"r1", "demo":"flags-semaphore", "params":{"limit":"5","latency":"200ms"}}
//	{"type":"stop", "id":"r1"}
//
// The run id is the client's choice (at most 64 characters). Parameter
// values are strings or numbers; a missing or empty one takes its default.
// The server answers, for that id:
//
//	{"type":"started", "id":"r1", "demo":"flags-semaphore", "params":{...resolved values...}}
//	{"type":"output",  "id":"r1", "data":"CN "}   // raw text; may hold \b \r \n
//	{"type":"event",   "id":"r1", "event":{"task":"CN","phase":"start","t_ms":12.5}, "in_flight":1}
//	{"type":"exit",    "id":"r1", "ok":true, "elapsed_ms":1234.5, "max_in_flight":5, "max_at_ms":12.5, "order":["CN",...], "unfinished":0}
//	{"type":"exit",    "id":"r1", "ok":false, "error":"stopped"}   // or "timeout", or the demo's error
//	{"type":"error",   "id":"r1", "error":"unknown parameter \"limt\" for demo flags-semaphore", "param":"limt"}
//
// Every accepted run ends with exactly one exit; every rejected frame gets
// exactly one error and no exit; the connection stays usable after both.
// A stop that crosses its run's exit on the wire is ignored. in_flight and
// the exit frame's totals are counted by the server (runner.Execute), so
// every page and test draws the same numbers.
//
// Closing codes: 1001 when the server shuts down (runs stopped first, their
// exit frames sent), 1009 for a frame over the read limit. A client that
// does not read for a whole write timeout is dropped without a close frame
// (its buffers are full, so none could reach it); only its own runs stop.
package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Limits bound what one page, and all pages together, can ask of the
// server through the socket.
type Limits struct {
	PerConn      int           // runs at once on one connection
	Global       int           // runs at once on the whole server
	ReadBytes    int64         // largest message a client may send
	WriteTimeout time.Duration // longest wait to write one frame to a client
}

// DefaultLimits are the course's defaults.
func DefaultLimits() Limits {
	return Limits{PerConn: 2, Global: 64, ReadBytes: 4 << 10, WriteTimeout: 5 * time.Second}
}

// Config is what a Socket serves.
type Config struct {
	Demos  *runner.Registry
	Env    runner.Env // handed to every run: flag site, run limits, log
	Limits Limits
	Log    *slog.Logger
}

// Socket is the websocket endpoint: one connection per page, any number of
// runs over its lifetime, a few at a time.
type Socket struct {
	reg    *runner.Registry
	env    runner.Env
	limits Limits
	log    *slog.Logger
	global chan struct{} // one token per run in progress, server-wide

	// shutdown is closed by Close: every connection then stops its runs and
	// says goodbye with 1001.
	shutdown chan struct{}
	// mu orders connections joining conns before Close starts waiting for
	// them: a WaitGroup must not grow from zero while someone waits on it.
	mu      sync.Mutex
	closing bool
	conns   sync.WaitGroup
}

// New returns the websocket handler for cfg.Demos.
func New(cfg Config) (*Socket, error) {
	if cfg.Demos == nil || cfg.Log == nil {
		return nil, errors.New("socket: needs a registry and a logger")
	}
	lim := cfg.Limits
	if lim.PerConn < 1 || lim.Global < 1 || lim.ReadBytes < 1 || lim.WriteTimeout <= 0 {
		return nil, fmt.Errorf("socket: limits must be positive: %+v", lim)
	}
	if cfg.Env.Limits.RunTime <= 0 || cfg.Env.Limits.OutputBytes < 1 {
		return nil, fmt.Errorf("socket: run limits must be positive: %+v", cfg.Env.Limits)
	}
	env := cfg.Env
	if env.Log == nil {
		env.Log = cfg.Log
	}
	return &Socket{
		reg:      cfg.Demos,
		env:      env,
		limits:   lim,
		log:      cfg.Log,
		global:   make(chan struct{}, lim.Global),
		shutdown: make(chan struct{}),
	}, nil
}

// Close stops every run, closes every connection with 1001 (going away) and
// waits for them, or for ctx.
func (s *Socket) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.shutdown)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.conns.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("runner: waiting for connections: %w", ctx.Err())
	}
}

// checkOrigin lets through a page of our own origin, scheme included, and
// clients that send no Origin at all: browsers always send one, so a missing
// Origin is a command-line client, which no other site can drive.
func checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("origin %q is not allowed", origin)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if u.Scheme != scheme || !strings.EqualFold(u.Host, r.Host) {
		return fmt.Errorf("origin %q is not allowed", origin)
	}
	return nil
}

// enter counts a new connection in, unless the socket is closing.
func (s *Socket) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns.Add(1)
	return true
}

func (s *Socket) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := checkOrigin(r); err != nil {
		http.Error(w, "websocket: cross-origin request refused", http.StatusForbidden)
		return
	}
	if !s.enter() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.conns.Done()
	c, err := websocket.Accept(w, r, nil) // its own origin check stays on as well
	if err != nil {
		s.log.Debug("websocket accept", "err", err)
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(s.limits.ReadBytes)
	newConn(s, c).serve()
}

// Message is every frame the server sends; fields a type does not use are
// left out of the JSON.
type Message struct {
	Type      string            `json:"type"`
	ID        string            `json:"id,omitempty"`
	Demo      string            `json:"demo,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
	Data      string            `json:"data,omitempty"`
	Event     *runner.Event     `json:"event,omitempty"`
	OK        *bool             `json:"ok,omitempty"`
	ElapsedMs *float64          `json:"elapsed_ms,omitempty"`
	Error     string            `json:"error,omitempty"`
	Param     string            `json:"param,omitempty"` // the field an error is about

	// What the server counts from the timeline (timeline.go): in_flight on
	// every event frame; max_in_flight, order, ... on the exit frame.
	InFlight *int `json:"in_flight,omitempty"`
	*runner.TaskSummary
}

// request is every frame a client sends.
type request struct {
	Type   string                     `json:"type"`
	ID     string                     `json:"id"`
	Demo   string                     `json:"demo"`
	Params map[string]json.RawMessage `json:"params"`
}

// maxIDLen keeps run ids short: they are echoed in every frame.
const maxIDLen = 64

// endedKept is how many finished run ids a connection remembers.
const endedKept = 16

// errShutdown is why runs stop when the server goes down.
var errShutdown = errors.New("server shutting down")

// conn is one client. Frames to the client go through out to a single
// writer goroutine, so a slow client blocks only its own runs.
type conn struct {
	s   *Socket
	c   *websocket.Conn
	out chan Message

	ctx     context.Context // parent of this connection's runs
	stopAll context.CancelCauseFunc

	quit       chan struct{} // closed when no more frames will be queued
	writerDone chan struct{} // closed when the writer has stopped
	finishOnce sync.Once

	mu     sync.Mutex
	closed bool // no new runs once the connection is finishing
	runs   map[string]context.CancelFunc
	// ended remembers the ids of the last few runs that finished, so that
	// a Stop crossing its run's exit on the wire is not answered with an
	// error the page would take for a rejected run.
	ended [endedKept]string
	next  int
	wg    sync.WaitGroup
}

func newConn(s *Socket, c *websocket.Conn) *conn {
	ctx, stopAll := context.WithCancelCause(context.Background())
	return &conn{
		s: s, c: c,
		out:        make(chan Message, 64),
		ctx:        ctx,
		stopAll:    stopAll,
		quit:       make(chan struct{}),
		writerDone: make(chan struct{}),
		runs:       map[string]context.CancelFunc{},
	}
}

// serve reads requests until the client leaves, the server shuts down or
// the client cannot keep up.
func (cn *conn) serve() {
	go cn.writeLoop()
	go func() {
		select {
		case <-cn.s.shutdown:
			cn.finish(errShutdown, websocket.StatusGoingAway, "server restarting")
		case <-cn.ctx.Done():
		}
	}()
	for {
		// The read is never cancelled by a context: that would drop the
		// connection without a close frame. finish closes it instead.
		typ, data, err := cn.c.Read(context.Background())
		if err != nil {
			cn.finish(err, websocket.StatusNormalClosure, "")
			return
		}
		if typ != websocket.MessageText {
			cn.reject("", errors.New("only JSON text frames are understood"))
			continue
		}
		cn.handle(data)
	}
}

// finish stops every run, lets their exit frames out, then closes the
// connection with code. Only the first call does anything.
func (cn *conn) finish(cause error, code websocket.StatusCode, reason string) {
	cn.finishOnce.Do(func() {
		// Refuse new runs first: a run accepted after stopAll would queue
		// its started frame on a cancelled context and could lose it.
		cn.mu.Lock()
		cn.closed = true
		cn.mu.Unlock()
		cn.stopAll(cause)
		cn.wg.Wait()
		close(cn.quit)
		<-cn.writerDone
		if err := cn.c.Close(code, reason); err != nil {
			cn.s.log.Debug("websocket close", "err", err)
		}
	})
}

// writeLoop is the only writer of the connection. A frame that cannot be
// written within the write timeout means the client is not reading: its runs
// are stopped and the connection dropped, and nobody else waits for it.
func (cn *conn) writeLoop() {
	defer close(cn.writerDone)
	var carried *Message // taken from the queue while merging, not yet written
	for {
		var m Message
		if carried != nil {
			m, carried = *carried, nil
		} else {
			select {
			case m = <-cn.out:
			case <-cn.quit:
				// Nothing is queued after quit, so an empty queue is the end.
				select {
				case m = <-cn.out:
				default:
					return
				}
			}
		}
		m, carried = cn.merge(m)
		if !cn.write(m) {
			return
		}
	}
}

// maxMerged bounds the output merged into one frame.
const maxMerged = 16 << 10

// merge appends to an output frame the output of the same run already
// queued right behind it. A client that keeps up never has a queue, so
// nothing changes for it; one that falls behind (or a server with many
// clients) gets fewer, larger frames instead of thousands of tiny ones. The
// first frame that cannot be merged is handed back, to be written next.
func (cn *conn) merge(m Message) (Message, *Message) {
	if m.Type != "output" || len(m.Data) >= maxMerged {
		return m, nil
	}
	var data strings.Builder
	data.WriteString(m.Data)
	for {
		select {
		case next := <-cn.out:
			if next.Type != "output" || next.ID != m.ID || data.Len()+len(next.Data) > maxMerged {
				m.Data = data.String()
				return m, &next
			}
			data.WriteString(next.Data)
		default:
			m.Data = data.String()
			return m, nil
		}
	}
}

func (cn *conn) write(m Message) bool {
	data, err := json.Marshal(m)
	if err != nil {
		cn.s.log.Error("encode frame", "err", err)
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), cn.s.limits.WriteTimeout)
	defer cancel()
	if err := cn.c.Write(ctx, websocket.MessageText, data); err != nil {
		// The client has gone, or has not read for a whole write timeout
		// and its socket buffers are full. A close frame (1008) could not
		// reach it any more than this frame did, and coder/websocket has
		// already closed the TCP connection because the write's context
		// expired mid-frame: if the client ever reads again, it finds the
		// connection gone (1006). Its runs stop; no other connection
		// waited for it.
		cn.stopAll(fmt.Errorf("client not reading: %w", err))
		cn.c.CloseNow()
		return false
	}
	return true
}

// send queues a frame, waiting while the queue is full. It gives up when ctx
// is done (the run was stopped: its output no longer matters) or when the
// writer has gone.
func (cn *conn) send(ctx context.Context, m Message) error {
	select {
	case cn.out <- m:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-cn.writerDone:
		return errors.New("connection closed")
	}
}

func (cn *conn) reject(id string, err error) {
	m := Message{Type: "error", ID: id, Error: err.Error()}
	if pe, ok := errors.AsType[*runner.ParamError](err); ok {
		m.Param = pe.Param
	}
	cn.send(cn.ctx, m)
}

func (cn *conn) handle(data []byte) {
	var req request
	if err := json.Unmarshal(data, &req); err != nil {
		cn.reject("", errors.New("malformed message: expected a JSON object such as {\"type\":\"run\",...}"))
		return
	}
	if len(req.ID) > maxIDLen {
		cn.reject("", fmt.Errorf("run id longer than %d characters", maxIDLen))
		return
	}
	switch req.Type {
	case "run":
		cn.start(req)
	case "stop":
		cn.mu.Lock()
		stop, ok := cn.runs[req.ID]
		justEnded := slices.Contains(cn.ended[:], req.ID) && req.ID != ""
		cn.mu.Unlock()
		switch {
		case ok:
			stop()
		case justEnded:
			// Its exit is on the way or already there: nothing to add.
		default:
			cn.reject(req.ID, fmt.Errorf("no run %q is in progress", req.ID))
		}
	default:
		cn.reject(req.ID, fmt.Errorf("unknown message type %q (expected run or stop)", req.Type))
	}
}

// rawParams turns the JSON parameter values into text: strings as they are,
// numbers as written, anything else refused. null is refused too, rather
// than read as "use the default": JSON would decode it as an empty string.
// Names are visited in order, so the same bad frame always gets the same
// error.
func rawParams(in map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for _, name := range slices.Sorted(maps.Keys(in)) {
		raw := bytes.TrimSpace(in[name])
		if bytes.Equal(raw, []byte("null")) {
			return nil, &runner.ParamError{Param: name, Msg: fmt.Sprintf("parameter %q must be a string or a number, not null", name)}
		}
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			out[name] = s
			continue
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err == nil {
			out[name] = n.String()
			continue
		}
		return nil, &runner.ParamError{Param: name, Msg: fmt.Sprintf("parameter %q must be a string or a number", name)}
	}
	return out, nil
}

func (cn *conn) start(req request) {
	if req.ID == "" {
		cn.reject("", errors.New("a run needs an id"))
		return
	}
	d, ok := cn.s.reg.Lookup(req.Demo)
	if !ok {
		cn.reject(req.ID, fmt.Errorf("unknown demo %q", req.Demo))
		return
	}
	raw, err := rawParams(req.Params)
	if err != nil {
		cn.reject(req.ID, err)
		return
	}
	vals, err := d.Parse(raw)
	if err != nil {
		cn.reject(req.ID, err)
		return
	}

	cn.mu.Lock()
	if cn.closed {
		cn.mu.Unlock()
		cn.reject(req.ID, errors.New("the connection is closing"))
		return
	}
	if _, dup := cn.runs[req.ID]; dup {
		cn.mu.Unlock()
		cn.reject(req.ID, fmt.Errorf("run %q is already in progress", req.ID))
		return
	}
	if len(cn.runs) >= cn.s.limits.PerConn {
		cn.mu.Unlock()
		cn.reject(req.ID, fmt.Errorf("busy: at most %d runs at once per page; stop one first", cn.s.limits.PerConn))
		return
	}
	select {
	case cn.s.global <- struct{}{}:
	default:
		cn.mu.Unlock()
		cn.reject(req.ID, fmt.Errorf("busy: the server is running %d demos; try again in a moment", cn.s.limits.Global))
		return
	}
	runCtx, stop := context.WithCancel(cn.ctx)
	cn.runs[req.ID] = stop
	cn.wg.Add(1)
	cn.mu.Unlock()

	// started goes into the queue before the run can produce anything, so
	// the client always sees it first.
	// Like exit, started is sent whatever happens next: every accepted run
	// is announced, then ended.
	cn.send(context.Background(), Message{Type: "started", ID: req.ID, Demo: d.ID, Params: vals.Text()})
	go func() {
		defer cn.wg.Done()
		res := cn.run(runCtx, req.ID, d, vals)
		stop()
		// Free the run's places before the exit frame goes out, so a client
		// that starts again as soon as it hears exit is not told "busy".
		cn.mu.Lock()
		delete(cn.runs, req.ID)
		cn.ended[cn.next] = req.ID
		cn.next = (cn.next + 1) % endedKept
		cn.mu.Unlock()
		<-cn.s.global
		// The exit frame is sent even when the connection is finishing, so
		// that a client hears why its run ended before the close frame.
		cn.send(context.Background(), exitMessage(req.ID, res))
	}()
}

func (cn *conn) run(ctx context.Context, id string, d *runner.Demo, vals runner.Values) runner.Result {
	out := frameWriter(func(p []byte) error {
		return cn.send(ctx, Message{Type: "output", ID: id, Data: string(p)})
	})
	return runner.Execute(ctx, cn.s.env, d, vals, out, func(e runner.Event, inFlight int) {
		cn.send(ctx, Message{Type: "event", ID: id, Event: &e, InFlight: &inFlight})
	})
}

func exitMessage(id string, res runner.Result) Message {
	ok := res.Err == nil
	ms := float64(res.Elapsed.Microseconds()) / 1000
	m := Message{Type: "exit", ID: id, OK: &ok, ElapsedMs: &ms, TaskSummary: res.Tasks}
	if !ok {
		m.Error = res.Err.Error()
	}
	return m
}

// frameWriter turns each Write into one output frame.
type frameWriter func([]byte) error

func (f frameWriter) Write(p []byte) (int, error) {
	if err := f(p); err != nil {
		return 0, err
	}
	return len(p), nil
}
