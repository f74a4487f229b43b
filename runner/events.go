package runner

import (
	"sync"
	"time"
)

// The phases of a timeline event.
const (
	PhaseStart = "start" // a task began
	PhaseEnd   = "end"   // a task finished, with a status
	PhasePoint = "point" // something happened at an instant, e.g. a callback fired
	// PhaseWait: a task began waiting (for a permit, a lock, a place in a
	// queue) before its start. The page draws the wait up to the start, so
	// a semaphore's queue is seen, not only the tasks it lets through.
	PhaseWait = "wait"
)

// Event is one mark on a run's timeline. TMs counts milliseconds from the
// start of the run, so the page can draw every task on one axis.
type Event struct {
	Task   string  `json:"task"`
	Phase  string  `json:"phase"`
	TMs    float64 `json:"t_ms"`
	Status string  `json:"status,omitempty"`
}

// Events is where a demo reports what its tasks do. Methods are safe for
// concurrent use; the time is stamped by the implementation, not the demo.
type Events interface {
	Start(task string)
	End(task, status string)
	Point(task, status string)
	// Wait says task began waiting before it can start; its Start ends
	// the wait. A wait is not in flight: only starts count.
	Wait(task string)
}

// ChildProgram is implemented by the Events that Execute hands a run. A
// run function that starts a child runtime (a Python interpreter, a built
// program) calls ProgramStarted when the child's program runs its first
// instruction, and ProgramEnded when it has run its last (before the
// runtime shuts down): Result then tells the runtime's start-up and
// shut-down apart from the program's own time. The first call of each
// counts. Run functions without a child call neither.
type ChildProgram interface {
	ProgramStarted()
	ProgramEnded()
}

// ChildClock is implemented by the Events that Execute hands a run: the
// marks of ChildProgram at the moment the child stamped them, rather than
// the moment they were read (a busy server reads a child's lines late).
type ChildClock interface {
	ProgramStartedAt(at time.Time)
	ProgramEndedAt(at time.Time)
	// EventAt is an event (phase: PhaseStart, PhaseEnd, PhasePoint or
	// PhaseWait) at the moment the child stamped it.
	EventAt(task, phase, status string, at time.Time)
}

// timeline stamps events with the time since it was made and hands them on,
// one at a time, so that what is handed on is in stamp order.
type timeline struct {
	start   time.Time
	mu      sync.Mutex
	emit    func(Event)
	program time.Duration // when the child's program began, if one said so; 0 otherwise
	ended   time.Duration // when it ran its last instruction, if it said so; 0 otherwise
	last    float64       // the last stamp emitted, ms: stamps never go back
}

// ProgramBegan is when the run's program began (ChildProgram's
// ProgramStarted), as time since the run's start — the axis its events'
// TMs are on — for a run function that places marks of its own on that
// axis (an execution trace). ok is false before the program began, and
// for Events not handed out by Execute.
func ProgramBegan(ev Events) (since time.Duration, ok bool) {
	t, isTimeline := ev.(*timeline)
	if !isTimeline {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.program, t.program != 0
}

func newTimeline(emit func(Event)) *timeline {
	return &timeline{start: time.Now(), emit: emit}
}

func (t *timeline) Start(task string)         { t.add(task, PhaseStart, "") }
func (t *timeline) End(task, status string)   { t.add(task, PhaseEnd, status) }
func (t *timeline) Point(task, status string) { t.add(task, PhasePoint, status) }
func (t *timeline) Wait(task string)          { t.add(task, PhaseWait, "") }

// ProgramStarted marks the end of the start-up; the first call counts.
func (t *timeline) ProgramStarted() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.program == 0 {
		t.program = max(time.Since(t.start), time.Microsecond)
	}
}

// ProgramStartedAt is ProgramStarted at the moment at, kept within the
// run (at most now, at least its start).
func (t *timeline) ProgramStartedAt(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.program == 0 {
		t.program = max(min(at.Sub(t.start), time.Since(t.start)), time.Microsecond)
	}
}

// ProgramEndedAt is ProgramEnded at the moment at, kept within the run
// and not before the program began.
func (t *timeline) ProgramEndedAt(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended == 0 {
		t.ended = max(min(at.Sub(t.start), time.Since(t.start)), t.program, time.Microsecond)
	}
}

// ProgramEnded marks the start of the shut-down; the first call counts.
func (t *timeline) ProgramEnded() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ended == 0 {
		t.ended = max(time.Since(t.start), time.Microsecond)
	}
}

// child is when a child runtime's program began and ended, 0 for what it
// did not report.
func (t *timeline) child() (began, ended time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.program, t.ended
}

func (t *timeline) add(task, phase, status string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stamp(task, phase, status, time.Since(t.start))
}

// EventAt is an event at the moment at, kept within the run and after
// every event before it (stamps stay in order).
func (t *timeline) EventAt(task, phase, status string, at time.Time) {
	switch phase {
	case PhaseStart, PhaseEnd, PhasePoint, PhaseWait:
	default:
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stamp(task, phase, status, min(at.Sub(t.start), time.Since(t.start)))
}

// stamp emits an event at since, or at the last stamp if that is later.
func (t *timeline) stamp(task, phase, status string, since time.Duration) {
	ms := max(float64(since.Microseconds())/1000, t.last)
	t.last = ms
	t.emit(Event{Task: task, Phase: phase, TMs: ms, Status: status})
}

// MaxInFlight is the largest number of tasks that had started and not yet
// ended at any instant. It is how the course proves a semaphore held.
// It counts as Execute does live, so tests and the page agree.
func MaxInFlight(events []Event) int {
	_, sum := replay(events)
	return sum.MaxInFlight
}
