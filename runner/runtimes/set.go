package runtimes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/process"
	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// SandboxPolicy says where edited code may run.
type SandboxPolicy uint8

const (
	// SandboxOrLocal runs edits in a sandbox, or, where none can be set
	// up, unsandboxed when Local says the learner is this machine's own
	// user (a course on loopback alone, a terminal).
	SandboxOrLocal SandboxPolicy = iota
	// SandboxRequired never runs edits without a sandbox.
	SandboxRequired
)

// PythonConfig is how the demos' asyncio programs run.
type PythonConfig struct {
	Off bool
	// Path is the interpreter: a path or a name to look up; "" for
	// python3 on PATH or /usr/bin/python3.
	Path   string
	Limits python.Limits // zero: python.DefaultLimits
}

// EditConfig is how learners' edits (and traced runs) are built and run.
type EditConfig struct {
	Off    bool
	Go     string         // the go command: a path, or "" for go on PATH
	Cache  string         // the shared build cache; "" for gobuild's default
	Limits gobuild.Limits // zero: gobuild.DefaultLimits
	// Sandbox and Local decide whether an edit may run where no sandbox
	// can be set up (see SandboxOrLocal).
	Sandbox SandboxPolicy
	Local   bool
}

// Config is what a Set serves.
type Config struct {
	Catalog *lessons.Catalog
	// Flags configures the flag site each sandbox serves its program.
	Flags  flagserver.Config
	Python PythonConfig
	Edit   EditConfig
	Log    *slog.Logger // nil discards
}

// Set is the course's runtimes. Its probes run once each, on first need
// or when Probe asks for them all.
type Set struct {
	cfg Config
	log *slog.Logger
	// ctx bounds the probes; cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc

	python func() (*python.Interpreter, string)
	editor func() *gobuild.Builder // nil result: editing is off

	// The sandbox is probed by the first child runtime that needs it;
	// sbMu guards it, so that Close knows whether there is one to close.
	sbMu     sync.Mutex
	sb       *sandbox.Sandbox
	sbProbed bool

	probing sync.WaitGroup
	mu      sync.Mutex
	closed  bool
	// pyReaper ends the Python programs stopped behind their runs (the
	// sandbox's Reaper, or the interpreter's own without one); set by
	// the probe, under mu.
	pyReaper *process.Reaper
}

// New returns the runtimes of cfg.Catalog's demos. It probes nothing yet.
func New(cfg Config) (*Set, error) {
	if cfg.Catalog == nil {
		return nil, errors.New("runtimes: needs a catalog")
	}
	if cfg.Edit.Sandbox > SandboxRequired {
		return nil, fmt.Errorf("runtimes: edit sandbox policy %d is neither SandboxOrLocal nor SandboxRequired", cfg.Edit.Sandbox)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Set{cfg: cfg, log: log, ctx: ctx, cancel: cancel}
	s.python = sync.OnceValues(s.probePython)
	s.editor = sync.OnceValue(s.probeEditor)
	return s, nil
}

// Probe probes everything the configuration turns on, in the
// background, and calls done (if not nil) once every runtime's status is
// known; then, with warm, fills the edit build cache (WarmUp) until it is
// warm or the set is closed.
func (s *Set) Probe(warm bool, done func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.probing.Go(func() {
		var wg sync.WaitGroup
		wg.Go(func() { s.python() })
		wg.Go(func() { s.editor() })
		wg.Wait()
		if done != nil {
			done()
		}
		if warm {
			s.WarmUp(s.ctx)
		}
	})
}

// Close stops what the probes started, waits for the programs stopped
// behind their runs to end, and removes the sandbox's state; every run
// must have ended.
func (s *Set) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	// Probes still running give up; then nothing probes any more.
	s.cancel()
	s.probing.Wait()
	s.mu.Lock()
	pyReaper := s.pyReaper
	s.mu.Unlock()
	if pyReaper != nil {
		pyReaper.Wait()
	}
	s.sbMu.Lock()
	defer s.sbMu.Unlock()
	s.sbProbed = true
	if s.sb != nil {
		return s.sb.Close()
	}
	return nil
}

// sandbox is the one sandbox of every child (edits, their builds,
// Python), set up on first need.
func (s *Set) sandbox() *sandbox.Sandbox {
	s.sbMu.Lock()
	defer s.sbMu.Unlock()
	if !s.sbProbed {
		s.sbProbed = true
		s.sb = sandbox.New(s.ctx)
		if st := s.sb.Status(); !st.Available {
			s.log.Warn("no sandbox", "reason", st.Detail)
		}
	}
	return s.sb
}

func (s *Set) probePython() (*python.Interpreter, string) {
	if s.cfg.Python.Off {
		return nil, "这台服务器关掉了 Python（-python off）"
	}
	lim := s.cfg.Python.Limits
	if lim == (python.Limits{}) {
		lim = python.DefaultLimits()
	}
	var candidates []string
	if s.cfg.Python.Path != "" {
		candidates = []string{s.cfg.Python.Path}
	}
	in, err := python.Find(s.ctx, lim, candidates...)
	if err != nil {
		s.log.Warn("python programs cannot run", "err", err)
		return nil, "服务器上没有能用的 Python：" + err.Error()
	}
	sandboxed := false
	if sb := s.sandbox(); sb != nil && sb.Status().Available {
		site, err := json.Marshal(s.cfg.Flags)
		if err == nil {
			err = in.Sandbox(sb, site)
		}
		if err != nil {
			// The programs are the course's own, never a learner's: they
			// run limited by prlimit alone where no sandbox fits them.
			s.log.Warn("python programs run without a sandbox", "err", err)
		}
		sandboxed = err == nil
	}
	s.log.Info("python", "path", in.Path, "version", in.Version, "aiohttp", in.HasAiohttp, "sandbox", sandboxed)
	s.mu.Lock()
	s.pyReaper = in.Reaper()
	s.mu.Unlock()
	return in, ""
}

func (s *Set) probeEditor() *gobuild.Builder {
	if s.cfg.Edit.Off {
		return nil
	}
	e := s.cfg.Edit
	bc := gobuild.Config{Go: e.Go, CacheDir: e.Cache, Limits: e.Limits, Log: s.log}
	if b, err := json.Marshal(s.cfg.Flags); err == nil {
		bc.FlagSite = b
	}
	sb := s.sandbox()
	st := sandbox.Status{Reason: "沙箱已关闭", Detail: "the runtimes are closed"}
	if sb != nil {
		st = sb.Status()
	}
	switch {
	case st.Available:
		bc.Sandbox = sb
	case e.Sandbox == SandboxRequired || !e.Local:
		s.log.Warn("editing is off: no sandbox", "reason", st.Detail)
	default:
		s.log.Warn("no sandbox: edits run unsandboxed, as this machine's own user", "reason", st.Detail)
		bc.Unsandboxed = true
	}
	return gobuild.New(s.ctx, bc)
}

// WarmUp fills the edit build cache (gobuild.Builder.WarmUp) and returns
// when it is warm; a set without editing returns at once.
func (s *Set) WarmUp(ctx context.Context) error {
	ed := s.editor()
	if ed == nil {
		return nil
	}
	c := s.cfg.Catalog
	return ed.WarmUp(ctx, c.Registry().All(), c.Files)
}

// Status says whether demoID can run in rt here, and if not, why (in the
// learner's language). It waits for the runtime's probe.
func (s *Set) Status(rt Runtime, demoID string) (bool, string) {
	d, ok := s.cfg.Catalog.Registry().Lookup(demoID)
	if !ok {
		return false, "没有这个演示"
	}
	switch rt {
	case Go:
		return true, ""
	case Python:
		code := s.cfg.Catalog.Code(d.ID)
		if len(code.PythonText) == 0 {
			return false, "这个演示没有 Python 版"
		}
		in, why := s.python()
		if in == nil {
			return false, why
		}
		return in.CanRun(code.PythonText)
	case Edited, Traced:
		ed := s.editor()
		if ed == nil {
			return false, "这台服务器关掉了编辑（-edit off）"
		}
		return ed.Editable(d, s.cfg.Catalog.Files(d.ID))
	}
	return false, fmt.Sprintf("没有这种运行方式：%v", rt)
}

// RaceStatus says whether demoID's edits can be built with the race
// detector here.
func (s *Set) RaceStatus(demoID string) (bool, string) {
	if ok, why := s.Status(Edited, demoID); !ok {
		return false, why
	}
	return s.editor().RaceStatus()
}

// Local reports whether edits run here without a sandbox, as this
// machine's own user.
func (s *Set) Local() bool {
	ed := s.editor()
	if ed == nil {
		return false
	}
	ok, _ := ed.Status()
	return ok && !ed.Sandboxed()
}

// Resolve returns demo d as req's runtime runs it: d itself for Go; for
// the others, the same demo (same parameters, checks and limits) whose
// run function is the child program. Nothing runs yet: a child starts when
// the demo is executed. A request that cannot be served gets an *Error
// whose code says why.
func (s *Set) Resolve(d *runner.Demo, req Request) (*runner.Demo, error) {
	if err := req.Check(); err != nil {
		return nil, err
	}
	if req.Runtime == Go {
		return d, nil
	}
	if ok, why := s.Status(req.Runtime, d.ID); !ok {
		return nil, unavailable(why)
	}
	var run runner.RunFunc
	switch req.Runtime {
	case Python:
		in, _ := s.python()
		code := s.cfg.Catalog.Code(d.ID)
		run = in.Program(code.PythonFile, code.PythonText)
	case Edited, Traced:
		if req.Race {
			if ok, why := s.editor().RaceStatus(); !ok {
				return nil, unavailable(why)
			}
		}
		var err error
		if run, err = s.built(d, req); err != nil {
			return nil, err
		}
	}
	child := *d
	child.Run = run
	return &child, nil
}

// built is an edited or traced run's program: built when it runs, its
// failures given their codes.
func (s *Set) built(d *runner.Demo, req Request) (runner.RunFunc, error) {
	opt := gobuild.Options{Race: req.Race}
	if req.Runtime == Traced {
		traced := req.Traced
		if traced == nil {
			traced = func(*trace.Summary, error) {}
		}
		opt = gobuild.Options{Trace: true, Procs: req.Procs, Traced: func(sum *trace.Summary, err error) {
			if err != nil {
				err = s.traceError(d.ID, err)
			}
			traced(sum, err)
		}}
	}
	run, err := s.editor().Program(d, s.cfg.Catalog.Files(d.ID), req.Source, opt)
	if err != nil {
		return nil, s.logged(d.ID, req.Runtime, coded(err))
	}
	return func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) error {
		return s.logged(d.ID, req.Runtime, coded(run(ctx, v, out, ev)))
	}, nil
}

// logged writes an internal failure's details to the log, where they
// belong instead of a learner's page.
func (s *Set) logged(demoID string, rt Runtime, err error) error {
	if ie, ok := errors.AsType[*internalError](err); ok {
		s.log.Error("child run failed", "demo", demoID, "runtime", rt, "err", ie.err)
	}
	return err
}

// traceError is what a learner is told of a trace that cannot be shown:
// one of the trace package's reasons, without the reader's details (the
// log has them).
func (s *Set) traceError(demoID string, err error) error {
	for _, known := range []error{trace.ErrTooLarge, trace.ErrTooManyEvents, trace.ErrBroken, trace.ErrEmpty} {
		if errors.Is(err, known) {
			if !errors.Is(err, trace.ErrTooLarge) && !errors.Is(err, trace.ErrTooManyEvents) {
				s.log.Warn("trace not shown", "demo", demoID, "err", err)
			}
			return &Error{Code: CodeTrace, Err: known}
		}
	}
	s.log.Error("trace not read", "demo", demoID, "err", err)
	return &Error{Code: CodeTrace, Err: errors.New("服务器没能读出这次运行的调度跟踪")}
}
