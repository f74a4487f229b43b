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

// Timeline stamps events with the time since it was made and hands them on.
type Timeline struct {
	start time.Time
	since func(time.Time) time.Duration
	mu    sync.Mutex // keeps emitted events in stamp order
	emit  func(Event)
}

// NewTimeline starts a timeline now; every event goes to emit, one at a time.
func NewTimeline(emit func(Event)) *Timeline {
	return &Timeline{start: time.Now(), since: time.Since, emit: emit}
}

// Start marks the beginning of task.
func (t *Timeline) Start(task string) { t.add(task, PhaseStart, "") }

// End marks the end of task with a status such as "ok", "404" or "error".
func (t *Timeline) End(task, status string) { t.add(task, PhaseEnd, status) }

// Point marks an instant in task.
func (t *Timeline) Point(task, status string) { t.add(task, PhasePoint, status) }

func (t *Timeline) add(task, phase, status string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ms := float64(t.since(t.start).Microseconds()) / 1000
	t.emit(Event{Task: task, Phase: phase, TMs: ms, Status: status})
}

// Recorder keeps every event in memory: for tests and for the command line.
type Recorder struct {
	*Timeline
	mu     sync.Mutex
	events []Event
}

// NewRecorder returns an empty recorder whose clock starts now.
func NewRecorder() *Recorder {
	r := &Recorder{}
	r.Timeline = NewTimeline(func(e Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	})
	return r
}

// Events returns a copy of what has been recorded so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// MaxInFlight is the largest number of tasks that had started and not yet
// ended at any instant. It is how the course proves a semaphore held.
// It counts as the socket does live (Track), so tests and the page agree.
func MaxInFlight(events []Event) int {
	_, sum := Replay(events)
	return sum.MaxInFlight
}
