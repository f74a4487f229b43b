package runner

import (
	"math"
	"slices"
	"sync"
)

// The timeline model: what a run's events mean once put together. The
// server counts here, so that every page draws the same numbers the tests
// check, and the browser never has to re-derive them from a stream it may
// have joined late or lost frames of.

// track follows one run's events in the order its Timeline stamps them and
// knows, after each one, which tasks are open, how many are in flight, the
// most that ever were, and the order in which tasks finished.
//
// A task is open from its start to its end. A name may be started again
// after it ended (or even while open, as a second instance), so open counts
// instances per name; an end with no open instance is ignored rather than
// letting the count go below zero.
//
// A task may wait before it starts (a permit, a lock, a queue): it is
// waiting from its wait to its start, and a waiting task is not in flight.
// waiting counts such instances per name the same way.
type track struct {
	mu         sync.Mutex
	open       map[string]int
	inFlight   int
	max        int
	maxAtMs    float64
	order      []string
	waiting    map[string]int
	nWaiting   int
	maxWaiting int
	waited     int
	waitedMs   float64
	waitSince  map[string][]float64
}

// newTrack returns a track with no tasks.
func newTrack() *track {
	return &track{open: map[string]int{}, waiting: map[string]int{}, waitSince: map[string][]float64{}}
}

// add takes the next event and returns the number of tasks in flight right
// after it. Points never change the count.
func (t *track) add(e Event) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e.Phase {
	case PhaseWait:
		t.waiting[e.Task]++
		t.waitSince[e.Task] = append(t.waitSince[e.Task], e.TMs)
		t.nWaiting++
		t.waited++
		t.maxWaiting = max(t.maxWaiting, t.nWaiting)
	case PhaseStart:
		if since := t.waitSince[e.Task]; len(since) > 0 {
			// The oldest wait of this name is the one its start ends.
			t.waitedMs += max(0, e.TMs-since[0])
			t.waitSince[e.Task] = since[1:]
			if t.waiting[e.Task]--; t.waiting[e.Task] == 0 {
				delete(t.waiting, e.Task)
				delete(t.waitSince, e.Task)
			}
			t.nWaiting--
		}
		t.open[e.Task]++
		t.inFlight++
		if t.inFlight > t.max {
			t.max, t.maxAtMs = t.inFlight, e.TMs
		}
	case PhaseEnd:
		if t.open[e.Task] == 0 {
			break
		}
		t.open[e.Task]--
		if t.open[e.Task] == 0 {
			delete(t.open, e.Task)
		}
		t.inFlight--
		t.order = append(t.order, e.Task)
	}
	return t.inFlight
}

// TaskSummary is what a finished run's timeline adds up to. It travels in
// the exit frame, beside ok and elapsed_ms.
type TaskSummary struct {
	// MaxInFlight is the largest number of tasks open at one instant: the
	// number a semaphore's limit must bound.
	MaxInFlight int `json:"max_in_flight"`
	// MaxAtMs is when that many were first open, for the mark on the line.
	MaxAtMs float64 `json:"max_at_ms"`
	// Order lists tasks by their end events: the completion order, which
	// is what varies from run to run of a concurrent program.
	Order []string `json:"order"`
	// Unfinished counts tasks still open when the run ended (it was
	// stopped, timed out or returned without ending them).
	Unfinished int `json:"unfinished"`
	// Waited counts the waits tasks reported (phase wait) and MaxWaiting
	// the most tasks waiting at one instant: the length of the queue in
	// front of a semaphore or a lock. WaitedMs adds up the time from each
	// wait to its start. All three are 0 for a demo that reports no waits.
	Waited     int     `json:"waited,omitempty"`
	MaxWaiting int     `json:"max_waiting,omitempty"`
	WaitedMs   float64 `json:"waited_ms,omitempty"`
	// StillWaiting counts waits no start ended (the run stopped while
	// they queued).
	StillWaiting int `json:"still_waiting,omitempty"`
}

// summary returns the totals so far.
func (t *track) summary() *TaskSummary {
	t.mu.Lock()
	defer t.mu.Unlock()
	order := slices.Clone(t.order)
	if order == nil {
		order = []string{} // [] on the wire: "no task ended", not "unknown"
	}
	return &TaskSummary{MaxInFlight: t.max, MaxAtMs: t.maxAtMs, Order: order, Unfinished: t.inFlight,
		Waited: t.waited, MaxWaiting: t.maxWaiting, WaitedMs: round3(t.waitedMs), StillWaiting: t.nWaiting}
}

// replay runs recorded events through a track: the in-flight count after
// each event, and the summary at the end: the same arithmetic Execute
// does live, for recorded runs (MaxInFlight, tests).
func replay(events []Event) (inFlight []int, sum *TaskSummary) {
	t := newTrack()
	inFlight = make([]int, len(events))
	for i, e := range events {
		inFlight[i] = t.add(e)
	}
	return inFlight, t.summary()
}

// round3 keeps a sum of stamps to the microsecond the stamps have.
func round3(ms float64) float64 { return math.Round(ms*1000) / 1000 }
