// Package trace turns the Go runtime's execution trace of one run — what
// runtime/trace wrote in the child that ran the demo — into a compact,
// bounded summary for the page's scheduler view (调度视图): which goroutine
// ran when on each P, each goroutine's state over time (running,
// runnable, in a system call, waiting and why), the OS threads in use,
// and the garbage collector's phases, all on the run's own time axis.
//
// The trace is read with golang.org/x/exp/trace. It comes from a child
// whose code may be a learner's, so everything is bounded: the bytes read
// (Limits.Bytes), the events looked at (Limits.Events), the goroutines
// followed and listed, and the pieces a lane or a goroutine's row may
// have. Where a run is too dense to draw, tiny slices are merged (the
// summary says from what size) and the goroutines not listed are counted.
//
// The child marks two things with runtime/trace.Log, category Category:
// the moment its demo begins (message Begin), which ties the trace's
// clock to the run's timeline; and every task its demo starts (message
// "start " + the task's name), logged on the goroutine that starts it,
// which is how the page links a task of the timeline to its goroutine.
package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	xtrace "golang.org/x/exp/trace"
)

// What the child logs (runtime/trace.Log) for the reader to find.
const (
	Category   = "walkthrough" // the category of the child's own marks
	Begin      = "begin"       // the demo begins now
	StartTask  = "start "      // + a task's name: the logging goroutine starts it
	taskPrefix = StartTask
)

// Limits bound what one trace may cost the server.
type Limits struct {
	Bytes      int64 // trace bytes read; past it ErrTooLarge
	Events     int   // events looked at; past it ErrTooManyEvents
	Goroutines int   // goroutines listed with their states (the rest are counted)
	Followed   int   // goroutines followed at all (a program that starts a million)
	Pieces     int   // slices per P lane and states per goroutine, before merging harder
	Tasks      int   // task names linked to their goroutines
	NameBytes  int   // a task's name is cut to this
}

// DefaultLimits: 8 MiB and 2 million events — a few seconds of a busy
// program, far above the demos — 64 goroutines listed, 1 500 pieces a row.
func DefaultLimits() Limits {
	return Limits{Bytes: 8 << 20, Events: 2_000_000, Goroutines: 64, Followed: 20_000,
		Pieces: 1500, Tasks: 1000, NameBytes: 200}
}

// Errors a trace may end in; each is the one error of its summary.
var (
	ErrTooLarge      = errors.New("调度跟踪太大，没有显示（程序做的事太多，超出了调度视图的上限）")
	ErrTooManyEvents = errors.New("调度跟踪的事件太多，没有显示")
	ErrBroken        = errors.New("调度跟踪不完整或已损坏，没有显示")
	ErrEmpty         = errors.New("程序没有留下调度跟踪")
)

// Read reads a whole trace from r, at most lim.Bytes of it: past that it
// returns ErrTooLarge (the caller drains the rest).
func Read(r io.Reader, lim Limits) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, lim.Bytes+1))
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if int64(len(data)) > lim.Bytes {
		return nil, ErrTooLarge
	}
	return data, nil
}

// Summary is one run's scheduler, ready for the page. Times are
// milliseconds on the run's timeline (the axis of its events' t_ms).
type Summary struct {
	Procs int `json:"procs"` // GOMAXPROCS: one lane per P
	// Part and Parts number the frames a summary is sent in (Frames).
	Part    int     `json:"part,omitempty"`
	Parts   int     `json:"parts,omitempty"`
	StartMs float64 `json:"start_ms,omitempty"` // the demo's begin
	EndMs   float64 `json:"end_ms,omitempty"`   // the trace's end
	// ResMs: pieces shorter than this were merged with their neighbours
	// (0: nothing was merged).
	ResMs float64 `json:"res_ms,omitempty"`
	Lanes []Lane  `json:"lanes,omitempty"`
	// Threads: the OS threads over time, a step wherever the count changes:
	// [t_ms, busy, seen] — busy holding a P or in a system call, seen so far.
	Threads []Step `json:"threads,omitempty"`
	GC      []Span `json:"gc,omitempty"` // mark phases and stops of the world
	// Goroutines listed, those that served tasks first.
	Goroutines []Goroutine `json:"goroutines,omitempty"`
	// Tasks: each task of the timeline → the goroutine that started it.
	Tasks map[string]int64 `json:"tasks,omitempty"`
	// Hidden counts goroutines not listed: the runtime's own, and any past
	// Limits.Goroutines.
	Hidden int `json:"hidden,omitempty"`
	// Notes say, in Chinese, what was summarised away.
	Notes  []string `json:"notes,omitempty"`
	Events int      `json:"events,omitempty"` // events read
}

// Frames splits s into the frames it is sent in: the first with the
// lanes, threads, GC and tasks, then the goroutines' rows, perFrame at a
// time. Each has Procs, Part and Parts.
func (s *Summary) Frames(perFrame int) []*Summary {
	head := *s
	head.Goroutines = nil
	frames := []*Summary{&head}
	for i := 0; i < len(s.Goroutines); i += perFrame {
		frames = append(frames, &Summary{Procs: s.Procs, Goroutines: s.Goroutines[i:min(i+perFrame, len(s.Goroutines))]})
	}
	for i, f := range frames {
		f.Part, f.Parts = i+1, len(frames)
	}
	return frames
}

// Lane is one P: the goroutines that ran on it, in order.
type Lane struct {
	P      int     `json:"p"`
	Slices []Slice `json:"slices"`
}

// Slice is a goroutine running on a P, on thread M (threads are numbered
// 1, 2, ... in the order they appear), from T0 to T1. Merged slices have
// N > 1: G is then the one of them that ran longest. On the wire:
// [g, t0, t1, m] or [g, t0, t1, m, n].
type Slice struct {
	G      int64
	T0, T1 float64
	M      int
	N      int
}

// State is a goroutine in one state from T0 to T1; M is the thread of a
// system call; Where, the function it waits or calls in (the innermost
// of its stack outside the runtime), when the trace says. On the wire:
// [t0, t1, "state"], [t0, t1, "syscall", m] or [t0, t1, "state", m, "where"].
type State struct {
	T0, T1 float64
	State  string
	M      int
	Where  string
}

// The states of a goroutine's row. Waiting is split by its reason.
const (
	Running  = "running"
	Runnable = "runnable"
	Syscall  = "syscall"
	Chan     = "chan"    // a channel send or receive
	Select   = "select"  // a select with no ready case
	Sleep    = "sleep"   // time.Sleep
	Network  = "network" // the netpoller: a socket, a pipe
	Sync     = "sync"    // a mutex, a WaitGroup, a Cond
	Waiting  = "waiting" // any other reason (the GC, forever)
)

// Goroutine is one goroutine's row.
type Goroutine struct {
	ID   int64  `json:"g"`
	Name string `json:"name"`         // its entry function, short
	By   string `json:"by,omitempty"` // the function whose go statement made it
	// Tasks it started (the timeline's names).
	Tasks []string `json:"tasks,omitempty"`
	// LockedM is the thread it was locked to (runtime.LockOSThread, as
	// the trace shows it: it ran on that thread alone, which ran nothing
	// else, and each wake-up was handed over to it); 0 if none.
	LockedM int     `json:"locked_m,omitempty"`
	States  []State `json:"states"`
}

// Step is the thread count from TMs on.
type Step struct {
	TMs  float64
	Busy int
	Seen int
}

// Span is a GC phase: "mark" or "stw".
type Span struct {
	T0, T1 float64
	Kind   string
}

// ms rounds to 10 µs: the page draws nothing finer.
func ms(x float64) float64 { return math.Round(x*100) / 100 }

func appendMs(b []byte, x float64) []byte {
	return fmt.Appendf(b, "%g", ms(x))
}

func (s Slice) MarshalJSON() ([]byte, error) {
	b := fmt.Appendf(nil, "[%d,", s.G)
	b = appendMs(b, s.T0)
	b = append(b, ',')
	b = appendMs(b, s.T1)
	b = fmt.Appendf(b, ",%d", s.M)
	if s.N > 1 {
		b = fmt.Appendf(b, ",%d", s.N)
	}
	return append(b, ']'), nil
}

func (s State) MarshalJSON() ([]byte, error) {
	b := appendMs([]byte{'['}, s.T0)
	b = append(b, ',')
	b = appendMs(b, s.T1)
	b = fmt.Appendf(b, ",%q", s.State)
	if s.M > 0 || s.Where != "" {
		b = fmt.Appendf(b, ",%d", s.M)
	}
	if s.Where != "" {
		w, _ := json.Marshal(s.Where)
		b = append(append(b, ','), w...)
	}
	return append(b, ']'), nil
}

func (s Step) MarshalJSON() ([]byte, error) {
	b := appendMs([]byte{'['}, s.TMs)
	return fmt.Appendf(b, ",%d,%d]", s.Busy, s.Seen), nil
}

func (s Span) MarshalJSON() ([]byte, error) {
	b := appendMs([]byte{'['}, s.T0)
	b = append(b, ',')
	b = appendMs(b, s.T1)
	return fmt.Appendf(b, ",%q]", s.Kind), nil
}

// Options place a summary on the run's axis.
type Options struct {
	// BeganMs is when the run's timeline saw the demo begin (the child's
	// begin report): the trace's Begin mark is put there.
	BeganMs float64
	// Procs is the GOMAXPROCS the child was given, used when the trace
	// does not say.
	Procs  int
	Limits Limits // zero: DefaultLimits
}

// Summarize reads the trace in data and sums it up.
func Summarize(data []byte, opt Options) (*Summary, error) {
	lim := opt.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	if int64(len(data)) > lim.Bytes {
		return nil, ErrTooLarge
	}
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrBroken, err)
	}
	st := newState(lim)
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w (%v)", ErrBroken, err)
		}
		if st.events++; st.events > lim.Events {
			return nil, ErrTooManyEvents
		}
		st.add(ev)
	}
	if st.events == 0 || st.first == nil {
		return nil, ErrEmpty
	}
	return st.summary(opt, lim), nil
}

// goroutine is what is followed of one goroutine while reading.
type goroutine struct {
	id       int64
	name, by string
	system   bool
	stdName  bool // named after a function of the standard library (a wrapper like WaitGroup.Go's)
	state    string
	since    xtrace.Time
	m        int    // the thread of its system call
	where    string // where it waits or calls
	states   []rawState
	tasks    []string
	created  bool
	ended    bool
	runs     int
	onlyM    int // the one thread it has run on (-1: more than one)
	handed   int // runs on a thread other than the one that woke it
	wokeBy   int // the thread whose event made it runnable
	firstRun xtrace.Time
	last     xtrace.Time
}

type rawState struct {
	t0, t1 xtrace.Time
	state  string
	m      int
	where  string
}

type rawSlice struct {
	g      int64
	t0, t1 xtrace.Time
	m      int
}

type running struct {
	g  int64
	t0 xtrace.Time
	m  int
}

type state struct {
	lim     Limits
	events  int
	first   *xtrace.Time
	last    xtrace.Time
	begin   xtrace.Time
	begun   bool
	procs   int
	gs      map[int64]*goroutine
	dropped int // goroutines not followed

	onP     map[int]running         // P → the goroutine running on it now
	slices  map[int][]rawSlice      // P → what ran on it
	threads map[xtrace.ThreadID]int // trace thread id → 1, 2, ...
	holds   map[int]int             // P → thread holding it
	inSys   map[int64]int           // goroutine in a system call → its thread
	steps   []rawStep
	gcOpen  map[string]xtrace.Time
	gc      []rawSpan
	tasks   map[string]int64
	names   map[string]string
}

type rawStep struct {
	t          xtrace.Time
	busy, seen int
}

type rawSpan struct {
	t0, t1 xtrace.Time
	kind   string
}

func newState(lim Limits) *state {
	return &state{lim: lim, gs: map[int64]*goroutine{}, onP: map[int]running{}, slices: map[int][]rawSlice{},
		threads: map[xtrace.ThreadID]int{}, holds: map[int]int{}, inSys: map[int64]int{},
		gcOpen: map[string]xtrace.Time{}, tasks: map[string]int64{}, names: map[string]string{}}
}

// thread numbers a trace thread id in order of appearance.
func (s *state) thread(id xtrace.ThreadID) int {
	if id == xtrace.NoThread {
		return 0
	}
	n, ok := s.threads[id]
	if !ok {
		n = len(s.threads) + 1
		s.threads[id] = n
	}
	return n
}

func (s *state) goroutine(id xtrace.GoID) *goroutine {
	g, ok := s.gs[int64(id)]
	if !ok {
		if len(s.gs) >= s.lim.Followed {
			s.dropped++
			return nil
		}
		g = &goroutine{id: int64(id), onlyM: 0}
		s.gs[int64(id)] = g
	}
	return g
}

func (s *state) add(ev xtrace.Event) {
	t := ev.Time()
	if s.first == nil {
		s.first = &t
	}
	s.last = t
	m := s.thread(ev.Thread())
	switch ev.Kind() {
	case xtrace.EventLog:
		l := ev.Log()
		if l.Category != Category {
			return
		}
		switch {
		case l.Message == Begin && !s.begun:
			s.begin, s.begun = t, true
		case strings.HasPrefix(l.Message, taskPrefix):
			name := cut(strings.TrimPrefix(l.Message, taskPrefix), s.lim.NameBytes)
			if _, seen := s.tasks[name]; seen || len(s.tasks) >= s.lim.Tasks {
				return
			}
			s.tasks[name] = int64(ev.Goroutine())
			if g := s.gs[int64(ev.Goroutine())]; g != nil && len(g.tasks) < 50 {
				g.tasks = append(g.tasks, name)
			}
		}
	case xtrace.EventMetric:
		if mt := ev.Metric(); mt.Name == "/sched/gomaxprocs:threads" {
			s.procs = int(mt.Value.Uint64())
		}
	case xtrace.EventRangeBegin, xtrace.EventRangeActive:
		if kind := gcKind(ev.Range().Name); kind != "" {
			if _, open := s.gcOpen[kind]; !open {
				s.gcOpen[kind] = t
			}
		}
	case xtrace.EventRangeEnd:
		if kind := gcKind(ev.Range().Name); kind != "" {
			if t0, open := s.gcOpen[kind]; open {
				delete(s.gcOpen, kind)
				s.gc = append(s.gc, rawSpan{t0, t, kind})
			}
		}
	case xtrace.EventStateTransition:
		tr := ev.StateTransition()
		switch tr.Resource.Kind {
		case xtrace.ResourceProc:
			s.proc(ev, tr, t, m)
		case xtrace.ResourceGoroutine:
			s.goTransition(ev, tr, t, m)
		}
	}
}

func gcKind(name string) string {
	switch {
	case name == "GC concurrent mark phase":
		return "mark"
	case strings.HasPrefix(name, "stop-the-world"):
		return "stw"
	}
	return ""
}

// proc follows which thread holds each P.
func (s *state) proc(ev xtrace.Event, tr xtrace.StateTransition, t xtrace.Time, m int) {
	p := int(tr.Resource.Proc())
	if p+1 > s.procs && p < 1024 {
		s.procs = max(s.procs, p+1)
	}
	_, to := tr.Proc()
	if to == xtrace.ProcRunning {
		s.holds[p] = m
	} else {
		delete(s.holds, p)
	}
	s.step(t)
}

// step records the thread count if it changed.
func (s *state) step(t xtrace.Time) {
	busy := map[int]bool{}
	for _, m := range s.holds {
		busy[m] = true
	}
	for _, m := range s.inSys {
		busy[m] = true
	}
	n, seen := len(busy), len(s.threads)
	if k := len(s.steps); k > 0 && s.steps[k-1].busy == n && s.steps[k-1].seen == seen {
		return
	}
	s.steps = append(s.steps, rawStep{t, n, seen})
}

func (s *state) goTransition(ev xtrace.Event, tr xtrace.StateTransition, t xtrace.Time, m int) {
	from, to := tr.Goroutine()
	g := s.goroutine(tr.Resource.Goroutine())
	if g == nil {
		return
	}
	if g.name == "" || g.stdName {
		s.name(g, ev, tr, from)
	}
	p := int(ev.Proc())
	// The lane: a goroutine starts or stops running on its P.
	if to == xtrace.GoRunning && from != xtrace.GoRunning && ev.Proc() != xtrace.NoProc {
		if cur, busy := s.onP[p]; busy {
			s.slices[p] = append(s.slices[p], rawSlice{cur.g, cur.t0, t, cur.m})
		}
		s.onP[p] = running{g.id, t, m}
		g.runs++
		switch {
		case g.runs == 1:
			g.onlyM, g.firstRun = m, t
		case g.onlyM != m:
			g.onlyM = -1
		}
		if g.wokeBy != 0 && g.wokeBy != m {
			g.handed++
		}
		g.wokeBy = 0
	}
	if from == xtrace.GoRunning && to != xtrace.GoRunning {
		for q, cur := range s.onP {
			if cur.g == g.id {
				s.slices[q] = append(s.slices[q], rawSlice{cur.g, cur.t0, t, cur.m})
				delete(s.onP, q)
				break
			}
		}
	}
	if from == xtrace.GoWaiting && to == xtrace.GoRunnable {
		g.wokeBy = m
	}
	// Threads in system calls.
	if to == xtrace.GoSyscall {
		s.inSys[g.id] = m
		s.step(t)
	} else if from == xtrace.GoSyscall {
		delete(s.inSys, g.id)
		s.step(t)
	}
	// The row.
	name := stateName(to, tr.Reason)
	if to == xtrace.GoNotExist {
		name = ""
		g.ended = true
	}
	if from == xtrace.GoNotExist {
		g.created = true
	}
	sysM, where := 0, ""
	if to == xtrace.GoSyscall {
		sysM = m
	}
	if to == xtrace.GoSyscall || to == xtrace.GoWaiting {
		where = s.where(tr.Stack)
	}
	if name == g.state && sysM == g.m && (where == g.where || where == "") {
		return
	}
	if g.state != "" {
		g.states = append(g.states, rawState{g.since, t, g.state, g.m, g.where})
	}
	g.state, g.since, g.m, g.where, g.last = name, t, sysM, where, t
}

// where is the innermost function of a stack outside the runtime and
// the standard library's innards, short; names are interned.
func (s *state) where(stk xtrace.Stack) string {
	for f := range stk.Frames() {
		fn := f.Func
		if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") || strings.HasPrefix(fn, "syscall.") {
			continue
		}
		if w, ok := s.names[fn]; ok {
			return w
		}
		w := short(fn)
		if len(s.names) < 4096 {
			s.names[fn] = w
		}
		return w
	}
	return ""
}

// stateName is a goroutine state as the view names it.
func stateName(st xtrace.GoState, reason string) string {
	switch st {
	case xtrace.GoRunning:
		return Running
	case xtrace.GoRunnable:
		return Runnable
	case xtrace.GoSyscall:
		return Syscall
	case xtrace.GoWaiting:
		switch {
		case strings.HasPrefix(reason, "chan "):
			return Chan
		case reason == "select":
			return Select
		case reason == "sleep":
			return Sleep
		case reason == "network":
			return Network
		case strings.HasPrefix(reason, "sync"):
			return Sync
		}
		return Waiting
	}
	return Waiting
}

// name finds what a goroutine is: its entry function from the stack of
// its creation (or of its first known state), the function that made it.
func (s *state) name(g *goroutine, ev xtrace.Event, tr xtrace.StateTransition, from xtrace.GoState) {
	if from == xtrace.GoNotExist && g.by == "" {
		for f := range ev.Stack().Frames() {
			if !isStd(f.Func) || strings.HasPrefix(f.Func, "main.") {
				g.by = short(f.Func)
				break
			}
		}
	}
	var frames []string
	for f := range tr.Stack.Frames() {
		frames = append(frames, f.Func)
	}
	if len(frames) == 0 {
		return
	}
	entry := ""
	for i := len(frames) - 1; i >= 0; i-- {
		if f := frames[i]; f != "runtime.goexit" && f != "runtime.main" {
			entry = f
			break
		}
	}
	if entry == "" {
		return
	}
	if isStd(entry) && !strings.HasPrefix(entry, "main.") {
		// A wrapper (sync.(*WaitGroup).Go.func1): the outermost function
		// of the program's own that it runs says more, once a stack shows it.
		for i := len(frames) - 1; i >= 0; i-- {
			if !isStd(frames[i]) {
				entry = frames[i]
				break
			}
		}
	}
	if g.name != "" && isStd(entry) {
		return // nothing better
	}
	g.name = short(entry)
	g.stdName = isStd(entry) && !strings.HasPrefix(entry, "main.")
	g.system = isSystem(entry)
}

// isSystem: the runtime's own goroutines, and the tracer's.
func isSystem(fn string) bool {
	for _, p := range []string{"runtime.", "runtime/trace.", "internal/", "os/signal."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// isStd: a function of the standard library (no dot in its first path
// element).
func isStd(fn string) bool {
	first, _, _ := strings.Cut(fn, "/")
	return !strings.Contains(first, ".") || !strings.Contains(fn, "/")
}

// short drops a function's package path: "net/http.(*persistConn).readLoop"
// becomes "http.(*persistConn).readLoop".
func short(fn string) string {
	paren := strings.IndexByte(fn, '(')
	head := fn
	if paren >= 0 {
		head = fn[:paren]
	}
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// summary puts what was read on the run's axis, merged where dense.
func (s *state) summary(opt Options, lim Limits) *Summary {
	end := s.last
	begin := s.begin
	if !s.begun {
		begin = *s.first
	}
	at := func(t xtrace.Time) float64 {
		return opt.BeganMs + float64(t-begin)/1e6
	}
	clip := func(t xtrace.Time) xtrace.Time { return min(max(t, begin), end) }
	// Close what is still open at the end.
	for p, cur := range s.onP {
		s.slices[p] = append(s.slices[p], rawSlice{cur.g, cur.t0, end, cur.m})
	}
	for _, g := range s.gs {
		if g.state != "" {
			g.states = append(g.states, rawState{g.since, end, g.state, g.m, g.where})
		}
	}
	for kind, t0 := range s.gcOpen {
		s.gc = append(s.gc, rawSpan{t0, end, kind})
	}
	procs := s.procs
	if procs == 0 {
		procs = opt.Procs
	}
	sum := &Summary{Procs: procs, StartMs: at(begin), EndMs: at(end), Events: s.events, Tasks: s.tasks}
	spanMs := at(end) - at(begin)
	// The finest resolution at which every row fits its pieces.
	res := 0.0
	fits := func(res float64) bool {
		for _, sl := range s.slices {
			if len(mergeSlices(sl, res, clip, at)) > lim.Pieces {
				return false
			}
		}
		return true
	}
	for r := max(spanMs/float64(lim.Pieces*8), 0.001); !fits(res); r *= 2 {
		res = r
	}

	for p := range procs {
		sum.Lanes = append(sum.Lanes, Lane{P: p, Slices: mergeSlices(s.slices[p], res, clip, at)})
	}
	// Locked threads: a goroutine that ran at least three times, always on
	// one thread that ran nothing else meanwhile, and that was handed to
	// that thread by another at least twice.
	for _, g := range s.gs {
		if g.runs < 3 || g.onlyM <= 0 || g.handed < 2 {
			continue
		}
		alone := true
		for _, sl := range s.slices {
			for _, x := range sl {
				if x.m == g.onlyM && x.g != g.id && x.t1 > g.firstRun && (!g.ended || x.t0 < g.last) {
					alone = false
				}
			}
		}
		if alone {
			g.onlyMLocked()
		}
	}
	// The rows: those that served tasks, then main, then the rest by id.
	var listed []*goroutine
	for _, g := range s.gs {
		if !g.system && g.name != "" && len(g.states) > 0 {
			listed = append(listed, g)
		} else {
			sum.Hidden++
		}
	}
	sum.Hidden += s.dropped
	slices.SortFunc(listed, func(a, b *goroutine) int {
		if ta, tb := len(a.tasks) > 0, len(b.tasks) > 0; ta != tb {
			if ta {
				return -1
			}
			return 1
		}
		return int(a.id - b.id)
	})
	if len(listed) > lim.Goroutines {
		sum.Hidden += len(listed) - lim.Goroutines
		sum.Notes = append(sum.Notes, fmt.Sprintf("goroutine 太多：只列出 %d 个，另有 %d 个没有列出", lim.Goroutines, len(listed)-lim.Goroutines))
		listed = listed[:lim.Goroutines]
	}
	for _, g := range listed {
		row := Goroutine{ID: g.id, Name: g.name, By: g.by, Tasks: g.tasks, LockedM: g.locked(), States: mergeStates(g.states, res, clip, at)}
		if row.States == nil {
			continue
		}
		sum.Goroutines = append(sum.Goroutines, row)
	}
	if s.dropped > 0 {
		sum.Notes = append(sum.Notes, fmt.Sprintf("程序开了太多 goroutine：只跟踪了前 %d 个", lim.Followed))
	}
	for _, x := range s.steps {
		sum.Threads = append(sum.Threads, Step{at(clip(x.t)), x.busy, x.seen})
	}
	sum.Threads = thinSteps(sum.Threads, res, lim.Pieces)
	slices.SortFunc(s.gc, func(a, b rawSpan) int { return int(a.t0 - b.t0) })
	for _, x := range s.gc {
		if x.t1 < begin || len(sum.GC) >= lim.Pieces {
			continue
		}
		sum.GC = append(sum.GC, Span{at(clip(x.t0)), at(clip(x.t1)), x.kind})
	}
	if res > 0 {
		sum.ResMs = ms(max(res, 0.01))
		sum.Notes = append(sum.Notes, fmt.Sprintf("太密的地方合并了：短于 %.2f ms 的片段和邻居画在一起", sum.ResMs))
	}
	return sum
}

// The locked thread is kept in onlyM with a marker: negative handed.
func (g *goroutine) onlyMLocked() { g.handed = -g.handed - 1 }
func (g *goroutine) locked() int {
	if g.handed < 0 {
		return g.onlyM
	}
	return 0
}

// mergeSlices clips a lane's slices to the run and merges runs of
// slices shorter than res into one piece each (at least res long), led
// by the goroutine that ran longest in it.
func mergeSlices(in []rawSlice, res float64, clip func(xtrace.Time) xtrace.Time, at func(xtrace.Time) float64) []Slice {
	var out []Slice
	var lead map[int64]float64
	for _, x := range in {
		t0, t1 := at(clip(x.t0)), at(clip(x.t1))
		if t1 <= t0 {
			continue
		}
		d := t1 - t0
		if k := len(out); k > 0 && res > 0 {
			last := &out[k-1]
			if last.T1-last.T0 < res && d < res && t0-last.T1 < res {
				if lead == nil {
					lead = map[int64]float64{last.G: last.T1 - last.T0}
				}
				lead[x.g] += d
				last.T1 = t1
				last.N++
				best := last.G
				for g, v := range lead {
					if v > lead[best] || (v == lead[best] && g < best) {
						best = g
					}
				}
				last.G = best
				continue
			}
		}
		lead = nil
		out = append(out, Slice{G: x.g, T0: t0, T1: t1, M: x.m, N: 1})
	}
	return out
}

// stateRank: in a merged piece, the busiest state present shows.
var stateRank = map[string]int{Running: 5, Runnable: 4, Syscall: 3, Chan: 2, Select: 2, Sync: 2, Network: 2, Sleep: 1, Waiting: 0}

// mergeStates clips a goroutine's states to the run and merges runs of
// states shorter than res, showing the busiest of them.
func mergeStates(in []rawState, res float64, clip func(xtrace.Time) xtrace.Time, at func(xtrace.Time) float64) []State {
	var out []State
	for _, x := range in {
		t0, t1 := at(clip(x.t0)), at(clip(x.t1))
		if t1 <= t0 {
			continue
		}
		d := t1 - t0
		if k := len(out); k > 0 {
			last := &out[k-1]
			if last.State == x.state && last.M == x.m && last.Where == x.where && t0-last.T1 < 1e-9 {
				last.T1 = t1
				continue
			}
			if res > 0 && last.T1-last.T0 < res && d < res {
				if stateRank[x.state] > stateRank[last.State] {
					last.State, last.M, last.Where = x.state, x.m, x.where
				}
				last.T1 = t1
				continue
			}
		}
		out = append(out, State{T0: t0, T1: t1, State: x.state, M: x.m, Where: x.where})
	}
	return out
}

// thinSteps keeps at most n steps: within each piece of res, the one
// with the most busy threads.
func thinSteps(in []Step, res float64, n int) []Step {
	if len(in) <= n || res <= 0 {
		return in
	}
	var out []Step
	for _, x := range in {
		if k := len(out); k > 0 && x.TMs-out[k-1].TMs < res {
			if x.Busy > out[k-1].Busy {
				out[k-1].Busy = x.Busy
			}
			out[k-1].Seen = x.Seen
			continue
		}
		out = append(out, x)
	}
	return out
}

// The wire's arrays read back (the Go client, tests).

func unarray(b []byte, n int) ([]json.RawMessage, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return nil, err
	}
	if len(parts) < n {
		return nil, fmt.Errorf("trace: %d fields, want at least %d", len(parts), n)
	}
	return parts, nil
}

func (s *Slice) UnmarshalJSON(b []byte) error {
	p, err := unarray(b, 4)
	if err != nil {
		return err
	}
	*s = Slice{N: 1}
	err = errors.Join(json.Unmarshal(p[0], &s.G), json.Unmarshal(p[1], &s.T0), json.Unmarshal(p[2], &s.T1), json.Unmarshal(p[3], &s.M))
	if len(p) > 4 {
		err = errors.Join(err, json.Unmarshal(p[4], &s.N))
	}
	return err
}

func (s *State) UnmarshalJSON(b []byte) error {
	p, err := unarray(b, 3)
	if err != nil {
		return err
	}
	*s = State{}
	err = errors.Join(json.Unmarshal(p[0], &s.T0), json.Unmarshal(p[1], &s.T1), json.Unmarshal(p[2], &s.State))
	if len(p) > 3 {
		err = errors.Join(err, json.Unmarshal(p[3], &s.M))
	}
	if len(p) > 4 {
		err = errors.Join(err, json.Unmarshal(p[4], &s.Where))
	}
	return err
}

func (s *Step) UnmarshalJSON(b []byte) error {
	p, err := unarray(b, 3)
	if err != nil {
		return err
	}
	return errors.Join(json.Unmarshal(p[0], &s.TMs), json.Unmarshal(p[1], &s.Busy), json.Unmarshal(p[2], &s.Seen))
}

func (s *Span) UnmarshalJSON(b []byte) error {
	p, err := unarray(b, 3)
	if err != nil {
		return err
	}
	return errors.Join(json.Unmarshal(p[0], &s.T0), json.Unmarshal(p[1], &s.T1), json.Unmarshal(p[2], &s.Kind))
}
