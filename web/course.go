package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
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

	// Python is the interpreter for the demos' asyncio programs: a path,
	// a name to look up, "" for python3 on PATH or /usr/bin/python3, or
	// "off". Without a usable one the course runs its Go demos alone and
	// says, per demo, what to install.
	Python       string
	PythonLimits python.Limits // zero: python.DefaultLimits

	// Edit turns editing on ("" or "on") or off ("off"): a learner's edit
	// of a demo's Go source is built by the Go toolchain (Go: a path, or
	// "" for go on PATH) and run, each step in a sandbox (this binary
	// started again: its main calls sandbox.Main first thing), under
	// EditLimits, with the build cache in EditCache.
	Edit       string
	Go         string
	EditCache  string
	EditLimits gobuild.Limits // zero: gobuild.DefaultLimits
	// EditSandbox is "auto" (or ""): without a sandbox, edits run only
	// on a course that listens on loopback alone (LoopbackOnly: a
	// learner's own machine), and the panel says so; "required": never
	// without one.
	EditSandbox string
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
	python   *python.Interpreter // nil when Python runs are not possible
	editor   *gobuild.Builder    // nil when editing is off
	sandbox  *sandbox.Sandbox    // nil when editing is off
	loopback bool                // LoopbackOnly: Serve refuses other listeners
	noPython string              // why not
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
	if cfg.Edit != "off" || cfg.Python != "off" {
		// One sandbox for every child: edits, their builds, Python.
		c.sandbox = sandbox.New(context.Background())
	}
	c.findPython(cfg.Python, cfg.PythonLimits, cfg.Flags)
	if cfg.Edit != "off" {
		if err := c.startEditor(cfg); err != nil {
			return nil, err
		}
	}
	c.env = runner.Env{FlagsURL: c.flagsURL, Limits: runLimits, Log: log}
	// The socket is made just below; the gauges read it when scraped.
	c.metrics = metrics.New(func() socket.Stats { return c.socket.Stats() })
	hosts.refused = func() { c.metrics.Refused(metrics.RefusedHost) }
	if c.socket, err = socket.New(socket.Config{
		Demos: catalog.Registry(), Env: c.env, Limits: sockLimits, TrustedProxies: cfg.TrustedProxies, Log: log,
		Observer: c.metrics, Python: c.pythonProgram, Edit: c.editedProgram, Trace: c.tracedProgram,
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
	if c.handler, err = newHandler(handlerConfig{
		Catalog: catalog, Socket: c.socket, Flags: images, Log: log, Hosts: hosts,
		Ready:    func() bool { return !c.draining.Load() },
		Python:   c.PythonStatus,
		Editable: c.EditStatus,
		Race:     c.RaceStatus,
		Trace:    c.TraceStatus,
		EditNote: c.EditNote(),
	}); err != nil {
		return nil, err
	}
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
		if c.sandbox != nil {
			// Every run has ended: no shim mounts on the state folder.
			err = errors.Join(err, c.sandbox.Close())
		}
		errs <- err
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

// findPython looks for the interpreter once, at start-up.
func (c *Course) findPython(which string, lim python.Limits, flags flagserver.Config) {
	if which == "off" {
		c.noPython = "这台服务器关掉了 Python（-python off）"
		return
	}
	if lim == (python.Limits{}) {
		lim = python.DefaultLimits()
	}
	var candidates []string
	if which != "" {
		candidates = []string{which}
	}
	in, err := python.Find(context.Background(), lim, candidates...)
	if err != nil {
		c.noPython = "服务器上没有能用的 Python：" + err.Error()
		c.log.Warn("python programs cannot run", "err", err)
		return
	}
	c.python = in
	sandboxed := false
	if c.sandbox != nil && c.sandbox.Status().Available {
		site, err := json.Marshal(flags)
		if err == nil {
			err = in.Sandbox(c.sandbox, site)
		}
		if err != nil {
			// The programs are the course's own, never a learner's: they
			// run limited by prlimit alone where no sandbox fits them.
			c.log.Warn("python programs run without a sandbox", "err", err)
		}
		sandboxed = err == nil
	}
	c.log.Info("python", "path", in.Path, "version", in.Version, "aiohttp", in.HasAiohttp, "sandbox", sandboxed)
}

// PythonStatus says whether a demo's asyncio program can run here, and if
// not, why and what to install (in the learner's language).
func (c *Course) PythonStatus(demoID string) (bool, string) {
	code := c.catalog.Code(demoID)
	switch {
	case len(code.PythonText) == 0:
		return false, "这个演示没有 Python 版"
	case c.python == nil:
		return false, c.noPython
	}
	return c.python.CanRun(code.PythonText)
}

// pythonProgram is the socket's way to a demo's asyncio program.
func (c *Course) pythonProgram(demoID string) (runner.RunFunc, error) {
	if ok, why := c.PythonStatus(demoID); !ok {
		return nil, errors.New(why)
	}
	code := c.catalog.Code(demoID)
	return c.python.Program(code.PythonFile, code.PythonText), nil
}

// startEditor sets up editing: a sandbox, and the builder that uses it
// (or, where no sandbox can be set up and cfg allows it, the builder
// that runs edits unsandboxed for a course on loopback alone).
func (c *Course) startEditor(cfg CourseConfig) error {
	switch cfg.EditSandbox {
	case "", "auto", "required":
	default:
		return fmt.Errorf("edit sandbox %q: expected auto or required", cfg.EditSandbox)
	}
	ctx := context.Background()
	st := c.sandbox.Status()
	bc := gobuild.Config{Go: cfg.Go, CacheDir: cfg.EditCache, Limits: cfg.EditLimits, Log: c.log}
	if b, err := json.Marshal(cfg.Flags); err == nil {
		bc.FlagSite = b
	}
	switch {
	case st.Available:
		bc.Sandbox = c.sandbox
	case cfg.EditSandbox == "required" || !cfg.LoopbackOnly:
		c.log.Warn("editing is off: no sandbox", "reason", st.Detail)
	default:
		c.log.Warn("no sandbox: edits run only while the course listens on loopback alone", "reason", st.Detail)
		bc.Unsandboxed = true
	}
	c.editor = gobuild.New(ctx, bc)
	if cfg.WarmEdits {
		go c.editor.WarmUp(ctx, c.catalog.Registry().All(), c.catalog.Files)
	}
	return nil
}

// WarmEdits fills the edit build cache (see gobuild.Builder.WarmUp) and
// returns when it is warm; with WarmEdits set, start-up has already begun
// it. A course without editing returns at once.
func (c *Course) WarmEdits(ctx context.Context) error {
	if c.editor == nil {
		return nil
	}
	return c.editor.WarmUp(ctx, c.catalog.Registry().All(), c.catalog.Files)
}

// EditStatus says whether a demo's Go source can be edited and run here,
// and if not, why (in the learner's language).
func (c *Course) EditStatus(demoID string) (bool, string) {
	if c.editor == nil {
		return false, "这台服务器关掉了编辑（-edit off）"
	}
	d, ok := c.catalog.Registry().Lookup(demoID)
	if !ok {
		return false, "没有这个演示"
	}
	return c.editor.Editable(d, c.catalog.Files(demoID))
}

// RaceStatus says whether edits can be built with the race detector.
func (c *Course) RaceStatus(demoID string) (bool, string) {
	if ok, why := c.EditStatus(demoID); !ok {
		return false, why
	}
	return c.editor.RaceStatus()
}

// TraceStatus says whether a demo's runs can be traced (调度视图): a
// traced run is built and run as an edit is, with or without an edit.
func (c *Course) TraceStatus(demoID string) (bool, string) {
	return c.EditStatus(demoID)
}

// tracedProgram is the socket's way to a traced run of a demo — its own
// source, or the learner's edit — built and run in sandboxes with the
// runtime's execution tracer on at GOMAXPROCS procs; traced hears the
// trace's summary, or a learner-facing reason there is none.
func (c *Course) tracedProgram(demoID string, source []byte, procs int, traced func(*trace.Summary, error)) (runner.RunFunc, error) {
	if ok, why := c.TraceStatus(demoID); !ok {
		return nil, &socket.SourceError{Code: "unavailable", Err: errors.New(why)}
	}
	d, _ := c.catalog.Registry().Lookup(demoID)
	opt := gobuild.Options{Trace: true, Procs: procs, Traced: func(s *trace.Summary, err error) {
		if err != nil {
			err = c.traceError(demoID, err)
		}
		traced(s, err)
	}}
	run, err := c.editor.Program(d, c.catalog.Files(demoID), source, opt)
	if err != nil {
		return nil, onItsLine(err)
	}
	return func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) error {
		err := onItsLine(run(ctx, v, out, ev))
		if ie, ok := errors.AsType[*internalEditError](err); ok {
			c.log.Error("traced run failed", "demo", demoID, "err", ie.err)
		}
		return err
	}, nil
}

// traceError is what a learner is told of a trace that cannot be shown:
// one of the trace package's reasons, without the reader's details (the
// log has them).
func (c *Course) traceError(demoID string, err error) error {
	for _, known := range []error{trace.ErrTooLarge, trace.ErrTooManyEvents, trace.ErrBroken, trace.ErrEmpty} {
		if errors.Is(err, known) {
			if !errors.Is(err, trace.ErrTooLarge) && !errors.Is(err, trace.ErrTooManyEvents) {
				c.log.Warn("trace not shown", "demo", demoID, "err", err)
			}
			return known
		}
	}
	c.log.Error("trace not read", "demo", demoID, "err", err)
	return errors.New("服务器没能读出这次运行的调度跟踪")
}

// EditNote is what the panel says about how edits run here: empty in a
// sandbox; a warning on a learner's own machine without one.
func (c *Course) EditNote() string {
	if c.editor != nil && !c.editor.Sandboxed() {
		return "本机模式：这台机器建不了沙箱，修改后的代码直接以你的用户身份运行（课程只在本机回环地址上开放时才这样做）"
	}
	return ""
}

// editedProgram is the socket's way to a learner's edit of a demo: checked
// here, built and run in sandboxes. A mistake in the source comes back
// placed on its line, whether found before the run or by the compiler.
func (c *Course) editedProgram(demoID string, source []byte, race bool) (runner.RunFunc, error) {
	if ok, why := c.EditStatus(demoID); !ok {
		return nil, &socket.SourceError{Code: "unavailable", Err: errors.New(why)}
	}
	d, _ := c.catalog.Registry().Lookup(demoID)
	run, err := c.editor.Program(d, c.catalog.Files(demoID), source, gobuild.Options{Race: race})
	if err != nil {
		return nil, onItsLine(err)
	}
	return func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) error {
		err := onItsLine(run(ctx, v, out, ev))
		if ie, ok := errors.AsType[*internalEditError](err); ok {
			c.log.Error("edited run failed", "demo", demoID, "err", ie.err)
		}
		return err
	}, nil
}

// onItsLine turns what an edited program's build or run found into the
// socket's error: a code, and the learner's lines it is about.
func onItsLine(err error) error {
	if err == nil {
		return nil
	}
	if ce, ok := errors.AsType[*gobuild.CompileError](err); ok {
		return &socket.SourceError{Code: "compile", Line: ce.Line(), Diagnostics: ce.Diagnostics, Err: err}
	}
	if re, ok := errors.AsType[*gobuild.RaceError](err); ok {
		line := 0
		if len(re.Lines) > 0 {
			line = re.Lines[0]
		}
		return &socket.SourceError{Code: "race", Line: line, Lines: re.Lines, Err: err}
	}
	if pe, ok := errors.AsType[*gobuild.PanicError](err); ok {
		return &socket.SourceError{Code: "panic", Line: pe.Line, Err: err}
	}
	for code, known := range map[string]error{
		"memory": gobuild.ErrMemoryLimit, "cpu": gobuild.ErrCPULimit, "threads": gobuild.ErrThreadLimit,
		"timeout": gobuild.ErrBuildTimeout, "unavailable": gobuild.ErrNotEditable,
	} {
		if errors.Is(err, known) {
			return &socket.SourceError{Code: code, Err: err}
		}
	}
	if strings.HasPrefix(err.Error(), "gobuild:") {
		// The build or the sandbox failed, not the learner's code: the
		// details are for the log.
		return &internalEditError{err}
	}
	return err
}

// internalEditError is a failure of the edit machinery itself; the
// learner sees that it failed, the log sees why.
type internalEditError struct{ err error }

func (e *internalEditError) Error() string {
	return "服务器没能编译或运行这段代码（内部错误）"
}
func (e *internalEditError) Unwrap() error { return e.err }

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
