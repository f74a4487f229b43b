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
}

// timeline stamps events with the time since it was made and hands them on,
// one at a time, so that what is handed on is in stamp order.
type timeline struct {
	start time.Time
	mu    sync.Mutex
	emit  func(Event)
	began time.Time // when a child's program began (ProgramStarted)
}

// ProgramStarted marks the moment a run's program began running its own
// code, for run functions that first start something — an interpreter,
// a build and a sandbox: Execute reports the time before it as the run's
// start-up and the time after it as the program's own. ev is the Events
// Execute handed the run function; others ignore the call.
func ProgramStarted(ev Events) {
	if t, ok := ev.(*timeline); ok {
		t.mu.Lock()
		if t.began.IsZero() {
			t.began = time.Now()
		}
		t.mu.Unlock()
	}
}

// ProgramBegan is when the run's program began (ProgramStarted), as time
// since the run's start — the axis its events' TMs are on — for a run
// function that places marks of its own on that axis (an execution
// trace). ok is false before the program began, and for Events not
// handed out by Execute.
func ProgramBegan(ev Events) (since time.Duration, ok bool) {
	t, isTimeline := ev.(*timeline)
	if !isTimeline {
		return 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.began.IsZero() {
		return 0, false
	}
	return t.began.Sub(t.start), true
}

// startup is how long the run took to begin its program (zero when no
// one said).
func (t *timeline) startup() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.began.IsZero() {
		return 0
	}
	return t.began.Sub(t.start)
}

func newTimeline(emit func(Event)) *timeline {
	return &timeline{start: time.Now(), emit: emit}
}

func (t *timeline) Start(task string)         { t.add(task, PhaseStart, "") }
func (t *timeline) End(task, status string)   { t.add(task, PhaseEnd, status) }
func (t *timeline) Point(task, status string) { t.add(task, PhasePoint, status) }

func (t *timeline) add(task, phase, status string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ms := float64(time.Since(t.start).Microseconds()) / 1000
	t.emit(Event{Task: task, Phase: phase, TMs: ms, Status: status})
}

// MaxInFlight is the largest number of tasks that had started and not yet
// ended at any instant. It is how the course proves a semaphore held.
// It counts as Execute does live, so tests and the page agree.
func MaxInFlight(events []Event) int {
	_, sum := replay(events)
	return sum.MaxInFlight
}
