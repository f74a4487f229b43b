package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/web/metrics"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// CourseConfig is everything a running course can be told. The zero value
// (with a logger) is the course as `walkthrough serve` starts it by
// default.
type CourseConfig struct {
	// Catalog is the course's content; nil loads it. It is pure content,
	// so a process that starts several courses (tests) can share one.
	Catalog *lessons.Catalog

	// FlagsURL points the download demos at another flag site; empty
	// starts the built-in one on FlagsAddr (default 127.0.0.1:0, any free
	// loopback port) with the faults in Flags.
	FlagsURL  string
	FlagsAddr string
	Flags     flagserver.Config

	// Python is how the demos' asyncio programs run: the interpreter
	// (Path: a path, or a name to look up; empty, python3 on PATH or
	// /usr/bin/python3) and its limits, or Off. Without a usable one the
	// course runs its Go demos alone and says, per demo, what to install.
	Python runtimes.PythonConfig

	// Edit is how a learner's edit of a demo's Go source is built (by the
	// Go toolchain Edit.Go) and run, each step in a sandbox (this binary
	// started again: its main calls sandbox.Main first thing), under
	// Edit.Limits, with the build cache in Edit.Cache; or Off. With
	// runtimes.SandboxOrLocal (the zero value), where no sandbox can be
	// set up edits run only on a course that listens on loopback alone
	// (LoopbackOnly, which sets Edit.Local), and the panel says so;
	// with runtimes.SandboxRequired, never without one.
	Edit runtimes.EditConfig
	// LoopbackOnly promises that the course is served on loopback
	// addresses alone; Serve refuses any other listener.
	LoopbackOnly bool
	// WarmEdits fills the build cache in the background at start-up, so
	// the first learner to edit does not wait for the standard library.
	WarmEdits bool

	Run    runner.Limits // zero: runner.DefaultLimits
	Socket socket.Limits // zero: socket.DefaultLimits
	// TrustedProxies are the proxies whose Forwarded / X-Forwarded-For
	// headers name the client the per-client limits count.
	TrustedProxies []netip.Prefix
	// AcceptRate and AcceptBurst bound the connections one address may
	// open (per second, and at once); past them a connection is closed as
	// soon as it is accepted (see acceptLimiter). Zero: 50 and 300.
	AcceptRate  float64
	AcceptBurst int

	// PublicURL is the address learners use when the course runs behind a
	// proxy or under a domain ("https://course.example"); its host, with
	// AllowedHosts and the names of the listener itself, are the only
	// host names the course answers (others get 403).
	PublicURL    string
	AllowedHosts []string

	// DrainDelay is how long Shutdown keeps serving after /readyz turns 503
	// and before runs are stopped, so that a load balancer has stopped
	// sending new learners here by then. Zero for a course on its own.
	DrainDelay time.Duration

	// ReadHeaderTimeout drops a client that sends its headers too slowly
	// (zero: 5 s).
	ReadHeaderTimeout time.Duration

	Log *slog.Logger // nil discards
}

// Course is the whole server: the built-in flag site, the catalog, the
// websocket and the pages, wired once. `walkthrough serve`, `walkthrough
// load`, every test and every benchmark start the course through
// NewCourse, so what they exercise is what a learner gets.
type Course struct {
	catalog  *lessons.Catalog
	flags    *flagserver.Running // nil when FlagsURL pointed elsewhere
	flagsURL string
	socket   *socket.Socket
	handler  http.Handler
	hosts    *hostGuard
	accept   func(net.Listener) net.Listener
	runtimes *runtimes.Set
	loopback bool // LoopbackOnly: Serve refuses other listeners
	// ready is closed once the runtimes are probed and the pages that
	// say what runs here are rendered; rendered says whether they were.
	ready    chan struct{}
	rendered error
	metrics  *metrics.Metrics
	draining atomic.Bool
	drain    time.Duration
	env      runner.Env
	srv      *http.Server
	log      *slog.Logger
}

// NewCourse builds the course. It starts the built-in flag site (unless
// cfg.FlagsURL names another), so a Course must be shut down even if it is
// never served.
func NewCourse(cfg CourseConfig) (_ *Course, err error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	catalog := cfg.Catalog
	if catalog == nil {
		if catalog, err = lessons.Load(); err != nil {
			return nil, err
		}
	}
	runLimits := cfg.Run
	if runLimits == (runner.Limits{}) {
		runLimits = runner.DefaultLimits()
	}
	sockLimits := cfg.Socket
	if sockLimits == (socket.Limits{}) {
		sockLimits = socket.DefaultLimits()
	}
	readHeader := cfg.ReadHeaderTimeout
	if readHeader == 0 {
		readHeader = 5 * time.Second
	}

	hosts, err := newHostGuard(cfg.PublicURL, cfg.AllowedHosts)
	if err != nil {
		return nil, err
	}
	c := &Course{loopback: cfg.LoopbackOnly, catalog: catalog, log: log, hosts: hosts, drain: cfg.DrainDelay, flagsURL: strings.TrimSuffix(cfg.FlagsURL, "/")}
	if c.flagsURL == "" {
		addr := cfg.FlagsAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		if c.flags, err = flagserver.Start(addr, cfg.Flags); err != nil {
			return nil, fmt.Errorf("flag server: %w", err)
		}
		c.flagsURL = c.flags.URL
		defer func() {
			if err != nil {
				c.flags.Close(context.Background())
			}
		}()
	}

	acceptRate, acceptBurst := cfg.AcceptRate, cfg.AcceptBurst
	if acceptRate <= 0 {
		acceptRate = 50
	}
	if acceptBurst <= 0 {
		acceptBurst = 300
	}
	c.accept = func(ln net.Listener) net.Listener {
		return newAcceptLimiter(ln, acceptRate, acceptBurst, cfg.TrustedProxies, func() { c.metrics.Refused(socket.RefusedRate) })
	}
	if c.runtimes, err = newRuntimes(cfg, catalog, log); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.runtimes.Close()
		}
	}()
	c.env = runner.Env{FlagsURL: c.flagsURL, Limits: runLimits, Log: log}
	// The socket is made just below; the gauges read it when scraped.
	c.metrics = metrics.New(func() socket.Stats { return c.socket.Stats() })
	hosts.refused = func() { c.metrics.Refused(metrics.RefusedHost) }
	if c.socket, err = socket.New(socket.Config{
		Demos: catalog.Registry(), Env: c.env, Limits: sockLimits, TrustedProxies: cfg.TrustedProxies, Log: log,
		Observer: c.metrics, Runtimes: c.runtimes,
	}); err != nil {
		return nil, err
	}
	// The page shows downloaded flags from our own origin: same bytes as the
	// flag server sends, without its latency or failures, and without
	// opening the CSP to another port.
	images, err := flagserver.New(flagserver.Config{})
	if err != nil {
		return nil, err
	}
	var render func() error
	if c.handler, render, err = newHandler(handlerConfig{
		Catalog: catalog, Socket: c.socket, Flags: images, Log: log, Hosts: hosts,
		Ready:    func() bool { return !c.draining.Load() },
		Python:   c.PythonStatus,
		Editable: c.EditStatus,
		Race:     c.RaceStatus,
		Trace:    c.TraceStatus,
		EditNote: c.EditNote,
	}); err != nil {
		return nil, err
	}
	// The runtimes are probed in the background (a sandbox set up, python3
	// and go asked their versions): the index is served meanwhile, and the
	// lessons, whose panels say what runs here, as soon as they are known.
	c.ready = make(chan struct{})
	c.runtimes.Probe(cfg.WarmEdits, func() {
		c.rendered = render()
		close(c.ready)
	})
	// No ReadTimeout or WriteTimeout: they would also cut every websocket
	// after that long. Requests are all small GETs, so the header timeout
	// is what stops a slow client holding a connection; the socket has its
	// own per-frame write timeout and read limit.
	c.srv = &http.Server{
		Handler:           c.handler,
		ReadHeaderTimeout: readHeader,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return c, nil
}

// Serve serves the course on ln until Shutdown. The names ln is reached
// by become allowed host names. Like http.Server.Serve, it returns
// http.ErrServerClosed after Shutdown.
func (c *Course) Serve(ln net.Listener) error {
	if c.loopback && !isLoopback(ln.Addr()) {
		// Edits may run unsandboxed on a course promised to loopback.
		return fmt.Errorf("course: %s is not a loopback address, and the course serves loopback only", ln.Addr())
	}
	c.hosts.addListener(ln.Addr())
	return c.srv.Serve(c.accept(ln))
}

// Shutdown stops accepting, stops every run, closes every socket with 1001
// (going away) and stops the built-in flag site, waiting at most until ctx
// is done. Clients still attached then (a slow header, a slow body) are
// cut off rather than allowed to hold the exit past its deadline: that is
// the job's deadline, not theirs.
func (c *Course) Shutdown(ctx context.Context) error {
	// Drain first: /readyz says 503 at once, and pages and runs carry on
	// for the drain delay while the balancer takes this replica out.
	c.Drain()
	if c.drain > 0 {
		c.log.Info("draining", "for", c.drain)
		select {
		case <-time.After(c.drain):
		case <-ctx.Done():
		}
	}
	errs := make(chan error, 2)
	go func() {
		err := c.srv.Shutdown(ctx)
		if err != nil && ctx.Err() != nil {
			c.log.Warn("shutdown: cutting off the connections still open", "err", err)
			err = c.srv.Close()
		}
		errs <- err
	}()
	go func() {
		err := c.socket.Close(ctx)
		// Every run has ended: no child is left to use the runtimes.
		errs <- errors.Join(err, c.runtimes.Close())
	}()
	err := errors.Join(<-errs, <-errs)
	if c.flags != nil {
		// Past the deadline the flag site cuts its connections too; that
		// is the same forced end as above, not a failure.
		if ferr := c.flags.Close(ctx); ferr != nil && ctx.Err() == nil {
			err = errors.Join(err, ferr)
		}
	}
	return err
}

// newRuntimes is the course's runtimes, configured by cfg.
func newRuntimes(cfg CourseConfig, catalog *lessons.Catalog, log *slog.Logger) (*runtimes.Set, error) {
	edit := cfg.Edit
	edit.Local = cfg.LoopbackOnly // what a learner may run unsandboxed is the listener's to say
	return runtimes.New(runtimes.Config{Catalog: catalog, Flags: cfg.Flags, Log: log, Python: cfg.Python, Edit: edit})
}

// Ready waits until the lessons are rendered — the runtimes probed, so
// that each panel says what runs here — and says whether they could be.
// Pages are served before that; a lesson's request waits for it.
func (c *Course) Ready(ctx context.Context) error {
	select {
	case <-c.ready:
		return c.rendered
	case <-ctx.Done():
		return fmt.Errorf("course: waiting for the pages: %w", ctx.Err())
	}
}

// Runtimes are the course's runtimes, which decide how each run runs.
func (c *Course) Runtimes() *runtimes.Set { return c.runtimes }

// PythonStatus says whether a demo's asyncio program can run here, and if
// not, why and what to install (in the learner's language).
func (c *Course) PythonStatus(demoID string) (bool, string) {
	return c.runtimes.Status(runtimes.Python, demoID)
}

// WarmEdits fills the edit build cache (see gobuild.Builder.WarmUp) and
// returns when it is warm; with WarmEdits set, start-up has already begun
// it. A course without editing returns at once.
func (c *Course) WarmEdits(ctx context.Context) error { return c.runtimes.WarmUp(ctx) }

// EditStatus says whether a demo's Go source can be edited and run here,
// and if not, why (in the learner's language).
func (c *Course) EditStatus(demoID string) (bool, string) {
	return c.runtimes.Status(runtimes.Edited, demoID)
}

// RaceStatus says whether edits can be built with the race detector.
func (c *Course) RaceStatus(demoID string) (bool, string) { return c.runtimes.RaceStatus(demoID) }

// TraceStatus says whether a demo's runs can be traced (调度视图): a
// traced run is built and run as an edit is, with or without an edit.
func (c *Course) TraceStatus(demoID string) (bool, string) {
	return c.runtimes.Status(runtimes.Traced, demoID)
}

// EditNote is what the panel says about how edits run here: empty in a
// sandbox; a warning on a learner's own machine without one.
func (c *Course) EditNote() string {
	if c.runtimes.Local() {
		return "本机模式：这台机器建不了沙箱，修改后的代码直接以你的用户身份运行（课程只在本机回环地址上开放时才这样做）"
	}
	return ""
}

// isLoopback says whether addr is a loopback address (a learner's own
// machine) rather than one others can reach.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Drain turns /readyz to 503 at once and refuses new sockets with 503 (a
// balancer tries another replica); pages, open sockets and their runs go
// on. Shutdown begins with it.
func (c *Course) Drain() {
	c.draining.Store(true)
	c.socket.Drain()
}

// Metrics serves the course's metrics in Prometheus form, for a listener
// of its own (never the course's public one).
func (c *Course) Metrics() http.Handler { return c.metrics.Handler() }

// Handler is the course's routes, for callers that serve it themselves.
func (c *Course) Handler() http.Handler { return c.handler }

// Catalog is the course's content.
func (c *Course) Catalog() *lessons.Catalog { return c.catalog }

// FlagsURL is the flag site the download demos use.
func (c *Course) FlagsURL() string { return c.flagsURL }

// Env is what the course hands every run; `walkthrough run` uses it to run
// a demo in the terminal exactly as the server would.
func (c *Course) Env() runner.Env { return c.env }
