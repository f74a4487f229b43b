package socket

import (
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
)

// Observer hears what the socket does, for metrics. Its methods are called
// on the socket's own goroutines, so they must be quick and must not block.
type Observer interface {
	// Refused counts one thing the socket turned away, by reason: see the
	// Refused* constants.
	Refused(reason string)
	// FirstOutput is the time from a run's start to its first output.
	FirstOutput(demo string, rt runtimes.Runtime, d time.Duration)
	// RunDone reports an accepted run that has ended.
	RunDone(r RunReport)
}

// Reasons for Observer.Refused.
const (
	RefusedBusy      = "busy"           // the server is full: global caps, queue full, waited too long
	RefusedClientCap = "per-client-cap" // one page or one client has its share
	RefusedRate      = "rate-limit"     // too fast: starts, connects, frames, pings; 1008 closes too
	RefusedOrigin    = "origin"         // another site's page
)

// RunReport is one run that was accepted, once it is over.
type RunReport struct {
	Demo    string
	Runtime runtimes.Runtime
	Kind    Kind   // as admission charged it
	Result  string // ok, error, stopped or timeout
	Client  string
	Waited  time.Duration // in the queue (0 when it started at once)
	Elapsed time.Duration // running
}

// noObserver is the Observer of a socket nobody watches.
type noObserver struct{}

func (noObserver) Refused(string)                                      {}
func (noObserver) FirstOutput(string, runtimes.Runtime, time.Duration) {}
func (noObserver) RunDone(RunReport)                                   {}
