// Package socket is the course's websocket transport: one connection per
// page, over which the page starts and stops runs of the course's demos and
// watches their output and timeline live. It owns the protocol, the
// per-connection and server-wide caps on runs, and a small Go client
// (Client) that the tests, the benchmarks and the load command all speak it
// with.
//
// # Protocol
//
// This is the reference of the protocol; a test checks that every frame
// type, field, code and closing code the package uses appears here.
// Frames are JSON text, at most Limits.ReadBytes each (a run carrying
// source: Limits.EditBytes more). A client sends Request frames:
//
//	{"type":"run",  "id":"r1", "demo":"flags-semaphore", "params":{"limit":"5","latency":"200ms"}}
//	{"type":"run",  "id":"r2", "demo":"flags-semaphore", "runtime":"python"}
//	{"type":"run",  "id":"r3", "demo":"flags-semaphore", "source":"package semaphore\n...", "race":true}
//	{"type":"run",  "id":"r4", "demo":"blocking-go", "trace":true, "procs":1}
//	{"type":"stop", "id":"r1"}
//
// id is the client's choice, at most 64 characters. params values are
// strings or numbers; a missing or empty one takes its default. runtime
// is "go" (the default) or "python" (the demo's asyncio program). source
// is the learner's edit of the demo's Go file, built by the Go toolchain
// and run in a sandbox; race builds it with the race detector. trace runs
// the demo's Go code (or the edit) in a sandboxed child with the
// runtime's execution tracer on, at GOMAXPROCS procs (1, 2, 4 or 8; 0 for
// the server's choice). The runtime is decided by runner/runtimes.
//
// The server sends Message frames, each about the run id the client
// chose:
//
//	{"type":"queued",  "id":"r1", "position":3, "wait_ms":1200}
//	{"type":"started", "id":"r1", "demo":"flags-semaphore", "params":{...resolved values...}, "runtime":"go"}
//	{"type":"output",  "id":"r1", "data":"CN "}
//	{"type":"event",   "id":"r1", "event":{"task":"CN","phase":"wait","t_ms":0.4}, "in_flight":0}
//	{"type":"event",   "id":"r1", "event":{"task":"CN","phase":"end","t_ms":214.0,"status":"ok"}, "in_flight":0}
//	{"type":"trace",   "id":"r4", "procs":1, "part":1, "parts":2, "lanes":[...], ...}
//	{"type":"exit",    "id":"r1", "ok":true, "elapsed_ms":1234.5, "max_in_flight":5, "max_at_ms":12.5, "order":["CN",...], "unfinished":0}
//	{"type":"exit",    "id":"r1", "ok":false, "elapsed_ms":80.1, "code":"stopped", "error":"已停止"}
//	{"type":"error",   "id":"r1", "code":"bad_param", "param":"limt", "error":"演示 flags-semaphore 没有参数 \"limt\""}
//
// queued: the run waits for a slot; position is its place (1 is next) and
// wait_ms the wait expected from there (left out until runs of that kind
// have ended). Sent again as the place changes, at most every 250 ms.
//
// started: the run has its slot. params are the values it runs with;
// runtime is "go" or "python"; edited is true for the learner's edit
// (with race when built with the race detector); trace and procs for a
// traced run.
//
// output: raw text the run wrote (it may hold \b, \r and \n).
//
// event: a timeline event — task, phase (wait: began waiting for a
// permit, a lock or a queue; start; end; point: an instant), t_ms since
// the run began, status (free text such as ok or 404) — and in_flight,
// the tasks started and not ended, counted by the server.
//
// trace: a traced run's scheduler (package runner/trace), in parts of
// part/parts before its exit: lanes, threads, gc and tasks in the first,
// goroutines after; or one frame with code "trace" and the error.
//
// exit: the run ended; ok says how. elapsed_ms is the program's own time;
// a child runtime's start-up (building, the sandbox, the interpreter) is
// startup_ms, apart. The server's totals of the timeline come with it:
// max_in_flight and max_at_ms, order (of completion), unfinished, and
// where tasks waited: waited, max_waiting, waited_ms, still_waiting. A
// failed exit carries code and error.
//
// error: the frame named by id was refused (no exit follows), or — for a
// stop that came too late — could not be served. param names the
// parameter it is about; line, lines and diagnostics place a mistake in
// edited source (diagnostics: [{"line","col","message","file"}], file
// only when it is not the learner's).
//
// Every error frame and every failed exit carries a code, a stable word
// the page switches on, beside error, a message in Chinese it may show as
// it is:
//
//	bad_frame     not a JSON text frame the course reads, nested too deep, no id or one too long
//	unknown_type  a type other than run and stop
//	unknown_demo  no demo with that id
//	bad_param     a parameter's value (param names it)
//	bad_request   fields that cannot go together (param names one): runtime, race, procs, source, trace
//	in_progress   a run with this id is in progress already
//	not_running   stop of a run that is not in progress
//	busy          no room: the page's runs, the client's queue, the server's queue, or the wait ran out
//	too_fast      frames or starts faster than the limits allow
//	closing       the connection is closing
//	unavailable   the runtime cannot run this demo on this server
//	stopped       the run was stopped (exit)
//	timeout       the run reached its time limit (exit)
//	failed        the demo returned an error of its own (exit)
//	compile       the edit does not build (line, diagnostics)
//	race          the race detector caught a data race (line, lines)
//	panic         the program panicked (line)
//	memory        the program went over its memory
//	cpu           ... its CPU time
//	threads       ... its threads or processes
//	build_timeout the build took too long
//	trace         a traced run's trace cannot be shown (trace frame)
//	internal      the server failed, not the program (the log has why)
//
// Every accepted run ends with exactly one exit; every refused frame gets
// exactly one error and no exit; the connection stays usable after both.
// A stop that crosses its run's exit on the wire is ignored. in_flight and
// the exit frame's totals are counted by the server (runner.Execute), so
// every page and test draws the same numbers.
//
// Closing codes: 1001 when the server shuts down (runs stopped first,
// their exit frames sent); 1008 for a client that goes on sending bad or
// excess frames; 1009 for a frame over the read limit; 4000 for a socket
// idle for Limits.IdleTimeout (the page reconnects when the learner is
// back). A client that does not read for a whole write timeout is dropped
// without a close frame (its buffers are full, so none could reach it);
// only its own runs stop. Before the upgrade, a socket is refused with 429
// (this client has its share) or 503 (the server is full, or draining),
// with Retry-After, and another site's page with 403.
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
package socket

import (
	"context"
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
	// Runtimes resolves the runtime a run asks for (package
	// runner/runtimes); nil serves the demos' own Go functions alone.
	Runtimes Resolver
}

// Socket is the websocket endpoint: one connection per page, any number of
// runs over its lifetime, a few at a time.
type Socket struct {
	reg      *runner.Registry
	env      runner.Env
	limits   Limits
	trusted  []netip.Prefix
	log      *slog.Logger
	queue    *fairQueue
	clients  *clientTable
	obs      Observer
	runtimes Resolver

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
		runtimes: cfg.Runtimes,
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
