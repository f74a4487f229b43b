// Package runner is the contract every demo of the course follows: what a
// demo is (Demo, its Params and their parsed Values), how it reports what
// its tasks do (Events), the registry of demos, and Execute, which runs one
// demo under the course's limits and adds up its timeline.
//
// It imports the standard library only: a lesson that defines demos links
// nothing of the server that runs them (the websocket transport lives in
// web/socket).
//
// # Goroutines inside demos
//
// Demos run inside the server, many at once, and Go recovers a panic only
// on the goroutine where it happens. Execute recovers the demo's own
// goroutine: a panic there is one failed run ("internal error in the
// demo"), details in the log. A panic on a goroutine the demo starts would
// end the whole server, and nothing can catch it there. So a demo that
// starts goroutines follows three rules: it joins every one of them before
// it returns (a WaitGroup, or a channel it drains); each of them honours
// the run's context; and none of them can panic for any parameter value
// the demo's declaration accepts — which the lessons' test
// TestEveryDemoAcrossItsRange checks by running every demo with each
// parameter at each edge of its range.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
)

// RunFunc is the body of a demo. It writes what a terminal would show to out
// and reports what its tasks do to ev. Both are safe for concurrent use, so
// a demo's goroutines may write to them directly.
//
// A demo must return soon after ctx is done (the course promises 100 ms) and
// must not touch os.Stdout, os.Exit, flags or package state: it runs inside
// the server, many times at once.
type RunFunc func(ctx context.Context, p Values, out io.Writer, ev Events) error

// Demo describes one runnable program of the course.
type Demo struct {
	ID     string // stable id used in URLs, messages and `walkthrough run`
	Lesson string // slug of the lesson that teaches it
	Title  string // short Chinese title shown on the panel

	// Source is the file, among the lesson's embedded files, that defines
	// Run. The lesson page shows this very file, so shown code is run code.
	Source string
	// Python optionally names a file among the lesson's embedded files with
	// the Python shape of the same idea, shown on a tab beside the Go source.
	Python string
	// Also lists further files among the lesson's embedded files that the
	// demo's source uses (a helper type, say), shown on tabs of their own.
	Also []string
	// ShowsFlags asks the page for a gallery: every task named by a country
	// code ("CN", or "CN gif") that ends "ok" shows that country's flag.
	ShowsFlags bool

	// Cost is what a run of this demo mostly spends while it runs. The
	// server charges a click by it before the run starts (a thousand runs
	// parked on timers cost less than one that computes), so a demo that
	// keeps a thread or a core busy must say so; the zero value is a demo
	// that waits.
	Cost Cost

	Params []Param
	Run    RunFunc
}

// Cost is what one run of a demo mostly spends while it runs: declared by
// the demo, because the server has to know it when the learner clicks,
// before the run has spent anything it could measure.
type Cost uint8

const (
	// CostWaits: the run is parked most of the time, on timers or
	// channels; a few goroutines.
	CostWaits Cost = iota
	// CostNetwork: the run talks over the network (the flag site, its own
	// small servers): connections and their buffers, and the far side's
	// work, which on this machine is the server's too.
	CostNetwork
	// CostThread: the run keeps an OS thread of its own
	// (runtime.LockOSThread) and wakes it often: a thread, and a thread
	// switch at every wake-up.
	CostThread
	// CostCPU: the run computes; it keeps a core busy while it runs.
	CostCPU
)

func (c Cost) String() string {
	switch c {
	case CostWaits:
		return "waits"
	case CostNetwork:
		return "network"
	case CostThread:
		return "thread"
	case CostCPU:
		return "cpu"
	}
	return fmt.Sprintf("Cost(%d)", uint8(c))
}

// Param returns the declared parameter called name.
func (d *Demo) Param(name string) (Param, bool) {
	i := slices.IndexFunc(d.Params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return d.Params[i], true
}

// check reports a demo whose declaration cannot work, so that a mistake in a
// lesson fails at start-up and in tests, never in front of a learner.
func (d *Demo) check() error {
	switch {
	case d.ID == "":
		return errors.New("demo without an id")
	case d.Lesson == "" || d.Title == "" || d.Source == "":
		return fmt.Errorf("demo %s: lesson, title and source are required", d.ID)
	case d.Run == nil:
		return fmt.Errorf("demo %s: no run function", d.ID)
	case d.Cost > CostCPU:
		return fmt.Errorf("demo %s: unknown cost %v", d.ID, d.Cost)
	}
	seen := map[string]bool{}
	for _, p := range d.Params {
		if seen[p.Name] {
			return fmt.Errorf("demo %s: parameter %q declared twice", d.ID, p.Name)
		}
		seen[p.Name] = true
		if err := p.check(); err != nil {
			return fmt.Errorf("demo %s: %w", d.ID, err)
		}
	}
	return nil
}

// Registry is the set of demos the course can run, in declaration order.
type Registry struct {
	demos []*Demo
	byID  map[string]*Demo
}

// NewRegistry checks every demo and indexes them by id.
func NewRegistry(demos ...Demo) (*Registry, error) {
	r := &Registry{byID: make(map[string]*Demo, len(demos))}
	for i := range demos {
		d := &demos[i]
		if err := d.check(); err != nil {
			return nil, err
		}
		if _, dup := r.byID[d.ID]; dup {
			return nil, fmt.Errorf("demo id %q registered twice", d.ID)
		}
		r.byID[d.ID] = d
		r.demos = append(r.demos, d)
	}
	return r, nil
}

// Lookup finds a demo by id.
func (r *Registry) Lookup(id string) (*Demo, bool) {
	d, ok := r.byID[id]
	return d, ok
}

// All lists the demos in the order they were registered.
func (r *Registry) All() []*Demo { return slices.Clone(r.demos) }
