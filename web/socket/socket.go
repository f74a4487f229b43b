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
//	{"type":"event",   "id":"r1", "event":{"task":"CN","phase":"wait","t_ms":0.4}, "in_flight":0}   // queues for a permit
//	{"type":"event",   "id":"r1", "event":{"task":"CN","phase":"start","t_ms":12.5}, "in_flight":1}
//	{"type":"exit",    "id":"r1", "ok":true, "elapsed_ms":1234.5, "max_in_flight":5, "max_at_ms":12.5, "order":["CN",...], "unfinished":0}
//	{"type":"exit",    "id":"r1", "ok":false, "error":"stopped"}   // or "timeout", or the demo's error
//	{"type":"exit",    "id":"r1", "ok":true, "elapsed_ms":730.2, "startup_ms":251.0, ...}   // a child runtime (Python): start-up apart
//	{"type":"error",   "id":"r1", "error":"unknown parameter \"limt\" for demo flags-semaphore", "param":"limt"}
//	{"type":"queued",  "id":"r1", "position":3, "wait_ms":1200}   // waiting for a slot; again as the place changes
//
// A run with "trace":true (and "procs":N, GOMAXPROCS 1, 2, 4 or 8) goes to
// a child with the runtime's execution tracer on; before its exit come one
// or more {"type":"trace","id":"r1","procs":N,"part":1,"parts":2,...}
// frames (package runner/trace), or one with "error" and "code":"trace"
// when the trace cannot be shown.
//
// Every accepted run ends with exactly one exit; every rejected frame gets
// exactly one error and no exit; the connection stays usable after both.
// A stop that crosses its run's exit on the wire is ignored. in_flight and
// the exit frame's totals are counted by the server (runner.Execute), so
// every page and test draws the same numbers.
//
// # Admission
//
// A run is admitted by what it costs, not by a count: each holds its
// kind's charge of CPU and memory (Charges, by Kind: the runtime, and for a
// Go demo the runner.Cost it declares) against a budget derived from the
// machine (MachineBudget; Limits.Budget overrides). Child processes
// (Python, edited, traced) have caps of their own, on the server and per
// client. A click that does not fit waits in a queue served round-robin
// across clients, told its place and the wait expected from it (queued,
// position, wait_ms); see fairQueue.
//
// Closing codes: 1001 when the server shuts down (runs stopped first, their
// exit frames sent), 1009 for a frame over the read limit. A client that
// does not read for a whole write timeout is dropped without a close frame
// (its buffers are full, so none could reach it); only its own runs stop.
package socket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// Limits bound what one page, one client (an address, see clientKey) and
// all of them together can ask of the server through the socket, so that
// no one client can deny the course to the others. Every field is a flag of
// `walkthrough serve`.
type Limits struct {
	// Runs. Each run is charged what it costs (Charges, by Kind) against
	// Budget; a click that does not fit, or is beyond PerClient or its
	// kind's caps, waits in a queue served round-robin across clients
	// (fairQueue), for at most QueueWait.
	PerConn   int // runs at once, waiting or running, on one page
	PerClient int // runs at once from one client
	// Budget is what all runs together may hold; a zero field is derived
	// from the machine (MachineBudget).
	Budget Resources
	// Charges are what one run of each kind holds; zero is
	// DefaultCharges.
	Charges Charges
	// Global is a ceiling on runs at once whatever they cost; 0 for none,
	// the budget alone deciding.
	Global         int
	QueueWait      time.Duration // longest a click waits for a slot before `busy`
	QueueSize      int           // clicks waiting, all clients; 0: every page's, Sockets × PerConn
	QueuePerClient int           // clicks waiting from one client
	StartRate      float64       // runs one client may start per second, sustained
	StartBurst     int           // ... and at once

	// Sockets, refused before the upgrade (429 or 503 with Retry-After).
	Sockets          int     // open sockets, all clients
	SocketsPerClient int     // open sockets from one client
	ConnectRate      float64 // new sockets per second from one client, sustained
	ConnectBurst     int     // ... and at once

	// Frames. Over budget, a frame is dropped, answered at most once; a
	// client that goes on sending bad or excess frames is closed with 1008.
	FrameRate        float64 // frames per second on one socket
	FrameBurst       int
	ClientFrameRate  float64 // frames per second from one client, all its sockets
	ClientFrameBurst int
	PingRate         float64 // pings answered per second on one socket
	PingBurst        int
	BadFrames        int // bad or excess frames tolerated (one more forgiven every 5 s)

	// Child processes, beside their charges: each kind has a cap of its
	// own on the server, and each client a cap on all its children.
	PythonRuns int // Python programs at once on the server
	EditRuns   int // edited programs at once on the server
	TraceRuns  int // traced runs at once on the server
	// Builds is how many edited or traced runs may be building their
	// program at once (a core each); a run counts as building until its
	// first output or event.
	Builds         int
	ChildPerClient int // Python, edited and traced runs at once from one client
	// EditBytes is the largest frame that carries edited source; every
	// other frame keeps ReadBytes.
	EditBytes int64

	ReadBytes    int64         // largest message a client may send (then 1009)
	WriteTimeout time.Duration // longest wait to write one frame to a client
	PingInterval time.Duration // how often the server pings a page (a dead peer is found)
	IdleTimeout  time.Duration // a socket with no run for this long is closed (4000 "idle")
}

// DefaultLimits are the course's defaults: generous for a learner (two runs
// per page, a queue instead of a refusal when the server is full), tight
// for anyone scripting the socket. The budget is left to the machine.
func DefaultLimits() Limits {
	return Limits{
		PerConn: 2, PerClient: 8,
		QueueWait: 20 * time.Second, QueuePerClient: 16,
		StartRate: 5, StartBurst: 20,
		Sockets: 2048, SocketsPerClient: 32, ConnectRate: 5, ConnectBurst: 30,
		FrameRate: 10, FrameBurst: 30, ClientFrameRate: 30, ClientFrameBurst: 90,
		PingRate: 1, PingBurst: 5, BadFrames: 10,
		PythonRuns: 6, EditRuns: 4, TraceRuns: 4, Builds: runtime.GOMAXPROCS(0), ChildPerClient: 2,
		EditBytes: 64 << 10, ReadBytes: 4 << 10, WriteTimeout: 5 * time.Second,
		PingInterval: 30 * time.Second, IdleTimeout: 10 * time.Minute,
	}
}

// check names the first limit that cannot work.
func (l Limits) check() error {
	chargesOK := true
	for _, c := range l.Charges {
		chargesOK = chargesOK && c.CPU >= 0 && c.Memory >= 0
	}
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"runs per page", l.PerConn >= 1}, {"runs per client", l.PerClient >= 1}, {"runs on the server", l.Global >= 0},
		{"CPU budget", l.Budget.CPU >= 0}, {"memory budget", l.Budget.Memory >= 0}, {"charges", chargesOK},
		{"queue wait", l.QueueWait >= 0}, {"queue size", l.QueueSize >= 0}, {"queue per client", l.QueuePerClient >= 0},
		{"start rate", l.StartRate > 0 && l.StartBurst >= 1},
		{"sockets", l.Sockets >= 1}, {"sockets per client", l.SocketsPerClient >= 1},
		{"connect rate", l.ConnectRate > 0 && l.ConnectBurst >= 1},
		{"frame rate", l.FrameRate > 0 && l.FrameBurst >= 1},
		{"client frame rate", l.ClientFrameRate > 0 && l.ClientFrameBurst >= 1},
		{"ping rate", l.PingRate > 0 && l.PingBurst >= 1}, {"bad frames", l.BadFrames >= 1},
		{"Python runs", l.PythonRuns >= 1}, {"edited runs", l.EditRuns >= 1}, {"traced runs", l.TraceRuns >= 1}, {"builds", l.Builds >= 1},
		{"child runs per client", l.ChildPerClient >= 1},
		{"edit bytes", l.EditBytes >= l.ReadBytes},
		{"read bytes", l.ReadBytes >= 1}, {"write timeout", l.WriteTimeout > 0},
		{"ping interval", l.PingInterval > 0}, {"idle timeout", l.IdleTimeout > 0},
	} {
		if !f.ok {
			return fmt.Errorf("socket: the limit on %s must be positive", f.name)
		}
	}
	return nil
}

// fallbackMemory is the memory budget where the machine cannot be read
// (no /proc): enough for hundreds of waiting runs and a few children.
const fallbackMemory = 1 << 30

// queueLimits resolves what the queue enforces: the budget (from the
// machine where the limits leave it zero), the charges and the caps. Every
// kind's charge must fit the budget on its own, or its runs could never
// start.
func (l Limits) queueLimits(log *slog.Logger) (queueLimits, error) {
	budget := l.Budget
	if budget.CPU == 0 || budget.Memory == 0 {
		machine, err := MachineBudget()
		if err != nil {
			log.Warn("cannot read the machine's memory; assuming a budget of 1 GiB", "err", err)
			machine = Resources{CPU: int64(runtime.GOMAXPROCS(0)) * 1000, Memory: fallbackMemory}
		}
		if budget.CPU == 0 {
			budget.CPU = machine.CPU
		}
		if budget.Memory == 0 {
			budget.Memory = machine.Memory
		}
	}
	charges := l.Charges
	if charges == (Charges{}) {
		charges = DefaultCharges()
	}
	for k, c := range charges {
		if !c.within(budget) {
			return queueLimits{}, fmt.Errorf("socket: the budget (%v) is smaller than one %v run (%v)", budget, Kind(k), c)
		}
	}
	q := queueLimits{
		budget: budget, charges: charges, global: l.Global,
		perClient: l.PerClient, childPerClient: l.ChildPerClient, builds: l.Builds,
		maxWaiting: l.QueueSize, maxWaitingPer: l.QueuePerClient,
	}
	if q.maxWaiting == 0 {
		// Every page may have its clicks waiting: the queue is bounded by
		// the sockets, whose memory is bounded by their own cap.
		q.maxWaiting = l.Sockets * l.PerConn
	}
	q.kindCap[KindPython], q.kindCap[KindEdited], q.kindCap[KindTraced] = l.PythonRuns, l.EditRuns, l.TraceRuns
	return q, nil
}

// Config is what a Socket serves.
type Config struct {
	Demos  *runner.Registry
	Env    runner.Env // handed to every run: flag site, run limits, log
	Limits Limits
	// TrustedProxies are the peers whose Forwarded / X-Forwarded-For
	// headers name the client; anyone else is the client.
	TrustedProxies []netip.Prefix
	Log            *slog.Logger
	// Observer hears what happens, for metrics; nil for none. Every run
	// also gets one log line (demo, result, elapsed, client) at Info.
	Observer Observer
	// Python returns the run function of a demo's asyncio program, or why
	// it cannot run here; nil when the server runs no Python at all.
	Python func(demoID string) (runner.RunFunc, error)
	// Edit returns the run function of a demo's Go source as a learner
	// edited it (run in a child process, never here), or why not — a
	// *SourceError for a mistake in the source; nil when the server runs
	// no edited code.
	Edit func(demoID string, source []byte, race bool) (runner.RunFunc, error)
	// Trace returns the run function of a demo's Go code — as the learner
	// edited it, or its own when source is nil — run in a child with the
	// runtime's execution tracer on at GOMAXPROCS procs (0: the server's
	// choice). Before it returns, the run function hands traced the
	// trace's summary, or the one error that says why there is none; the
	// socket sends it as trace frames before the run's exit. Nil when the
	// server traces nothing.
	Trace func(demoID string, source []byte, procs int, traced func(*trace.Summary, error)) (runner.RunFunc, error)
}

// Socket is the websocket endpoint: one connection per page, any number of
// runs over its lifetime, a few at a time.
type Socket struct {
	reg     *runner.Registry
	env     runner.Env
	limits  Limits
	trusted []netip.Prefix
	log     *slog.Logger
	queue   *fairQueue
	clients *clientTable
	obs     Observer
	python  func(string) (runner.RunFunc, error)
	edit    func(string, []byte, bool) (runner.RunFunc, error)
	trace   func(string, []byte, int, func(*trace.Summary, error)) (runner.RunFunc, error)

	// shutdown is closed by Close: every connection then stops its runs and
	// says goodbye with 1001.
	shutdown chan struct{}
	// mu orders connections joining conns before Close starts waiting for
	// them: a WaitGroup must not grow from zero while someone waits on it.
	mu       sync.Mutex
	closing  bool
	conns    sync.WaitGroup
	draining atomic.Bool
}

// Drain refuses new sockets with 503 from now on; open ones carry on.
func (s *Socket) Drain() { s.draining.Store(true) }

// New returns the websocket handler for cfg.Demos.
func New(cfg Config) (*Socket, error) {
	if cfg.Demos == nil || cfg.Log == nil {
		return nil, errors.New("socket: needs a registry and a logger")
	}
	lim := cfg.Limits
	if err := lim.check(); err != nil {
		return nil, err
	}
	ql, err := lim.queueLimits(cfg.Log)
	if err != nil {
		return nil, err
	}
	if cfg.Env.Limits.RunTime <= 0 || cfg.Env.Limits.OutputBytes < 1 {
		return nil, fmt.Errorf("socket: run limits must be positive: %+v", cfg.Env.Limits)
	}
	env := cfg.Env
	if env.Log == nil {
		env.Log = cfg.Log
	}
	var obs Observer = noObserver{}
	if cfg.Observer != nil {
		obs = cfg.Observer
	}
	return &Socket{
		reg:      cfg.Demos,
		env:      env,
		limits:   lim,
		trusted:  cfg.TrustedProxies,
		log:      cfg.Log,
		queue:    newFairQueue(ql),
		clients:  newClientTable(lim),
		obs:      obs,
		python:   cfg.Python,
		edit:     cfg.Edit,
		trace:    cfg.Trace,
		shutdown: make(chan struct{}),
	}, nil
}

// Stats is a moment's view of the socket, for tests and metrics.
type Stats struct {
	Sockets int       // open
	Running int       // runs holding a slot
	Queued  int       // clicks waiting for one
	Budget  Resources // what runs may hold together
	InUse   Resources // what they hold now
	Kinds   []KindStats
}

// KindStats is what the runs of one kind hold and how many wait.
type KindStats struct {
	Kind    Kind
	Running int
	Queued  int
	InUse   Resources
}

// Stats reports what the socket holds right now.
func (s *Socket) Stats() Stats {
	q := s.queue.stats()
	st := Stats{Sockets: s.clients.open(), Running: q.running, Queued: q.waiting, Budget: q.budget, InUse: q.inUse}
	for k, u := range q.kinds {
		st.Kinds = append(st.Kinds, KindStats{Kind: Kind(k), Running: u.running, Queued: u.waiting, InUse: u.inUse})
	}
	return st
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
		return fmt.Errorf("socket: waiting for connections: %w", ctx.Err())
	}
}

// checkOrigin lets through a page of our own origin, scheme included, and
// clients that send no Origin at all: browsers always send one, so a missing
// Origin is a command-line client, which no other site can drive.
//
// Behind a proxy that ends TLS, the page's origin is https while the
// request reaches us as plain http: the scheme a trusted proxy reports
// (X-Forwarded-Proto, or proto= in Forwarded) is the one the page used.
func checkOrigin(r *http.Request, trusted []netip.Prefix) error {
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
	} else if peer, ok := remoteAddr(r); ok && isTrusted(peer, trusted) {
		if p := forwardedProto(r); p != "" {
			scheme = p
		}
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
	if err := checkOrigin(r, s.trusted); err != nil {
		s.obs.Refused(RefusedOrigin)
		http.Error(w, "websocket: cross-origin request refused", http.StatusForbidden)
		return
	}
	if !s.enter() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	if s.draining.Load() {
		// Pages already here keep their sockets until the drain ends; a new
		// one goes elsewhere (a balancer retries another replica on 503).
		s.conns.Done()
		w.Header().Set("Retry-After", "1")
		http.Error(w, "server is draining: try another", http.StatusServiceUnavailable)
		return
	}
	defer s.conns.Done()
	client, err := s.clients.admit(clientKey(r, s.trusted))
	if err != nil {
		// Refused before the upgrade, so a page can back off: 503 when the
		// server as a whole is full, 429 when this client has had its share.
		status, wait, reason := http.StatusTooManyRequests, "10", RefusedClientCap
		switch {
		case errors.Is(err, errTooManySockets):
			status, wait, reason = http.StatusServiceUnavailable, "5", RefusedBusy
		case errors.Is(err, errConnectingTooFast):
			reason = RefusedRate
		}
		s.obs.Refused(reason)
		w.Header().Set("Retry-After", wait)
		http.Error(w, "websocket: "+err.Error(), status)
		return
	}
	defer s.clients.leave(client)
	var cn *conn // set before the first read, so before any ping arrives
	batch := &batchConn{}
	c, err := websocket.Accept(batchingWriter{w, batch}, r, &websocket.AcceptOptions{
		// A pong costs the server a write; pings past their budget get
		// none and count against the client (see conn.strike).
		OnPingReceived: func(context.Context, []byte) bool { return cn.allowPing() },
	}) // its own origin check stays on as well
	if err != nil {
		s.log.Debug("websocket accept", "err", err)
		return
	}
	defer c.CloseNow()
	// A frame may be as large as edited source plus its envelope; any
	// other frame over ReadBytes is refused after it is read (conn.serve).
	c.SetReadLimit(s.limits.EditBytes + s.limits.ReadBytes)
	cn = newConn(s, c, client)
	cn.batch = batch
	cn.serve()
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
	StartupMs *float64          `json:"startup_ms,omitempty"` // on exit of a child runtime: its start-up, not in elapsed_ms
	Error     string            `json:"error,omitempty"`
	Param     string            `json:"param,omitempty"`    // the field an error is about
	Position  int               `json:"position,omitempty"` // a queued run's place: 1 is next
	WaitMs    int64             `json:"wait_ms,omitempty"`  // on queued: the wait expected from that place, when the server can tell
	Runtime   string            `json:"runtime,omitempty"`  // on started: the runtime of the run, go or python
	Edited    bool              `json:"edited,omitempty"`   // on started: the run is the learner's edited code
	Line      int               `json:"line,omitempty"`     // on error or exit: the line of the edited source it is about
	Race      bool              `json:"race,omitempty"`     // on started: the edit was built with the race detector
	Trace     bool              `json:"trace,omitempty"`    // on started: the run is traced (trace frames come before exit)
	Procs     int               `json:"procs,omitempty"`    // on started and trace: the child's GOMAXPROCS
	// On error and failed exit: a stable code for the page to switch on
	// (compile, race, panic, memory, cpu, threads, ...) beside the
	// Chinese message; a compile error's list of diagnostics; the
	// learner's lines a race report names.
	Code        string `json:"code,omitempty"`
	Diagnostics any    `json:"diagnostics,omitempty"`
	Lines       []int  `json:"lines,omitempty"`

	// What the server counts from the timeline (timeline.go): in_flight on
	// every event frame; max_in_flight, order, ... on the exit frame.
	InFlight *int `json:"in_flight,omitempty"`
	*runner.TaskSummary

	// A trace frame's share of the run's scheduler (package runner/trace):
	// lanes, threads, GC and tasks in the first, goroutines after.
	*trace.Summary
}

// request is every frame a client sends.
type request struct {
	Type    string                     `json:"type"`
	ID      string                     `json:"id"`
	Demo    string                     `json:"demo"`
	Runtime string                     `json:"runtime"` // "go" (the default) or "python"
	Source  string                     `json:"source"`  // the demo's Go source as the learner edited it
	Race    bool                       `json:"race"`    // with source: build it with the race detector
	Trace   bool                       `json:"trace"`   // run it in a child with the execution tracer on
	Procs   int                        `json:"procs"`   // with trace: the child's GOMAXPROCS (1, 2, 4, 8)
	Params  map[string]json.RawMessage `json:"params"`
}

// SourceError is an error about the learner's edited source, placed on a
// line of it: the page marks that line. Code, Diagnostics and Lines say
// more where there is more to say (see Message).
type SourceError struct {
	Line        int
	Code        string
	Diagnostics any
	Lines       []int
	Err         error
}

func (e *SourceError) Error() string { return e.Err.Error() }
func (e *SourceError) Unwrap() error { return e.Err }
