package socket

import (
	"context"
	"sync"
)

// Gauge is a count that tests wait on without polling: every change wakes
// whoever waits. It is exported for the tests of package socket_test.
type Gauge struct {
	mu      sync.Mutex
	n       int64
	changed chan struct{} // closed, and replaced, at every change
}

// Add moves the count by d.
func (g *Gauge) Add(d int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n += d
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
}

// Load is the count now.
func (g *Gauge) Load() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// Await returns once cond holds for the count, or with ctx's error when it
// is done first; either way with the last count seen.
func (g *Gauge) Await(ctx context.Context, cond func(n int64) bool) (int64, error) {
	for {
		g.mu.Lock()
		n := g.n
		if g.changed == nil {
			g.changed = make(chan struct{})
		}
		changed := g.changed
		g.mu.Unlock()
		if cond(n) {
			return n, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
}
