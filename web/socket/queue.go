package socket

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// fairQueue lends runs the server's budget so that no one client can deny
// the course to everyone else, and so that what runs at once is what the
// machine can carry:
//
//   - every run holds its kind's charge (CPU and memory, see cost.go) while
//     it runs, and the charges held together stay within the budget;
//   - a kind may have a cap of its own (child processes: Python programs,
//     edited programs), and each client at most perClient runs and
//     childPerClient child runs at once;
//   - optionally, a ceiling on runs at once whatever they cost (global).
//
// A click that does not fit waits in a queue served round-robin across
// clients (an address, see clientKey): a client with a hundred clicks
// waiting stands beside a learner with one, not ahead of them.
//
// A waiting click that does not fit the budget holds a reservation: the
// clicks behind it may start only with what is left beside it, so a large
// run (an edited program) is not starved by a stream of small ones, while
// small ones still fill the room it cannot use. A click waiting only on
// its own client's caps, or its kind's, blocks nobody else.
//
// The queue is bounded per client and in all, so waiting costs memory in
// proportion to the caps, not to how hard a client pushes.
type fairQueue struct {
	lim queueLimits

	mu      sync.Mutex
	running int
	waiting int
	builds  int // of running, children still building
	inUse   Resources
	kinds   [numKinds]kindUse
	clients map[string]*queueClient
	// turn lists the clients with tickets waiting, in the order they will
	// be served: the one served last goes to the back.
	turn []*queueClient
	// took remembers how long runs of each kind of each demo held their
	// slot (a moving average), for the wait a queued click is told.
	took map[runKey]time.Duration
	// held counts the runs holding a slot, by what they run.
	held map[runKey]int
}

// queueLimits are the queue's share of Limits, resolved (no zero means
// "derive it" any more).
type queueLimits struct {
	budget         Resources
	charges        Charges
	kindCap        [numKinds]int // 0: no cap of its own
	builds         int           // children building at once (edited, traced); 0: no cap
	global         int           // 0: no ceiling on the count
	perClient      int
	childPerClient int
	maxWaiting     int
	maxWaitingPer  int
}

// kindUse is what runs of one kind hold now.
type kindUse struct {
	running int
	inUse   Resources
	// waiting is how many clicks of the kind wait.
	waiting int
}

// runKey names what a ticket runs, for the durations the queue learns.
type runKey struct {
	kind Kind
	demo string
}

// queueClient is one client's share of the queue.
type queueClient struct {
	key      string
	running  int
	children int // of running, child processes
	waiting  []*ticket
}

// ticket is one click: waiting, then holding a slot, then released.
type ticket struct {
	client  *queueClient
	kind    Kind
	charge  Resources
	run     runKey
	granted chan struct{} // closed when the ticket gets a slot
	held    bool          // has a slot (guarded by the queue's mu)
	build   bool          // holds one of the builds too, until built
	done    bool          // left the queue or released its slot
	since   time.Time     // when it got its slot

	// position is where the ticket stands (1 = next) and wait the time
	// that place is expected to take, last told to onPosition, which is
	// called with the queue's lock held: it must not block or call back
	// into the queue.
	position   int
	onPosition func(position int, wait time.Duration)
}

// Why a click was refused without waiting.
var (
	errQueueFull       = errors.New("the queue is full")
	errClientQueueFull = errors.New("too many runs waiting from this address")
)

func newFairQueue(lim queueLimits) *fairQueue {
	return &fairQueue{lim: lim, clients: map[string]*queueClient{}, took: map[runKey]time.Duration{}, held: map[runKey]int{}}
}

// enter takes a ticket for a run of kind k of demo for client. The ticket
// either holds a slot at once (ready reports true) or waits in the queue,
// its position and expected wait reported to onPosition now and whenever
// the position changes. A full queue refuses the click.
func (q *fairQueue) enter(client string, k Kind, demo string, onPosition func(int, time.Duration)) (t *ticket, ready bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.clients[client]
	if c == nil {
		c = &queueClient{key: client}
	}
	t = &ticket{client: c, kind: k, charge: q.lim.charges[k], run: runKey{k, demo},
		granted: make(chan struct{}), onPosition: onPosition}
	// Whatever waits already has been given all it could: only the new
	// click can fit now, with what the clicks waiting for the budget have
	// set aside.
	if q.fits(c, t, q.reserved()) == fitOK {
		q.clients[client] = c
		q.grant(t)
		return t, true, nil
	}
	switch {
	case len(c.waiting) >= q.lim.maxWaitingPer:
		return nil, false, errClientQueueFull
	case q.waiting >= q.lim.maxWaiting:
		return nil, false, errQueueFull
	}
	q.clients[client] = c
	if len(c.waiting) == 0 {
		q.turn = append(q.turn, c)
	}
	c.waiting = append(c.waiting, t)
	q.waiting++
	q.kinds[k].waiting++
	q.renumber()
	return t, false, nil
}

// fit is whether a ticket may start now, or what it waits for.
type fit int

const (
	fitOK     fit = iota
	fitClient     // its client's own caps
	fitKind       // its kind's cap
	fitBudget     // the budget (or the ceiling on runs at once)
)

// fits says whether t of client c may start now, with reserved set aside
// for clicks ahead of it that wait for the budget.
func (q *fairQueue) fits(c *queueClient, t *ticket, reserved Resources) fit {
	switch {
	case c.running >= q.lim.perClient:
		return fitClient
	case t.kind.child() && c.children >= q.lim.childPerClient:
		return fitClient
	case q.lim.kindCap[t.kind] > 0 && q.kinds[t.kind].running >= q.lim.kindCap[t.kind]:
		return fitKind
	case t.kind.builds() && q.lim.builds > 0 && q.builds >= q.lim.builds:
		return fitKind
	case q.lim.global > 0 && q.running >= q.lim.global:
		return fitBudget
	case !q.inUse.plus(reserved).plus(t.charge).within(q.lim.budget):
		return fitBudget
	}
	return fitOK
}

// reserved is what the clicks that wait for the budget set aside.
func (q *fairQueue) reserved() Resources {
	var r Resources
	for _, c := range q.turn {
		for _, t := range c.waiting {
			if q.fits(c, t, r) == fitBudget {
				r = r.plus(t.charge)
			}
		}
	}
	return r
}

// grant gives t its slot.
func (q *fairQueue) grant(t *ticket) {
	c := t.client
	c.running++
	if t.kind.child() {
		c.children++
	}
	q.running++
	q.inUse = q.inUse.plus(t.charge)
	q.kinds[t.kind].running++
	q.kinds[t.kind].inUse = q.kinds[t.kind].inUse.plus(t.charge)
	q.held[t.run]++
	if t.kind.builds() {
		q.builds++
		t.build = true
	}
	t.held = true
	t.since = time.Now()
	close(t.granted)
}

// wait blocks until t holds a slot or ctx is done. When ctx wins, the
// ticket leaves the queue and wait returns ctx's cause; a slot granted in
// the same instant is given back.
func (q *fairQueue) wait(ctx context.Context, t *ticket) error {
	select {
	case <-t.granted:
		return nil
	case <-ctx.Done():
	}
	q.release(t)
	return context.Cause(ctx)
}

// release gives back the slot t holds, or takes it out of the queue if it
// is still waiting: one call however the click ended. Calling it again
// does nothing.
func (q *fairQueue) release(t *ticket) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t.held {
		q.releaseLocked(t)
	} else {
		q.leaveLocked(t)
	}
}

func (q *fairQueue) releaseLocked(t *ticket) {
	if t.done || !t.held {
		return
	}
	t.done, t.held = true, false
	if t.build {
		q.builds--
		t.build = false
	}
	c := t.client
	c.running--
	if t.kind.child() {
		c.children--
	}
	q.running--
	q.inUse = q.inUse.minus(t.charge)
	q.kinds[t.kind].running--
	q.kinds[t.kind].inUse = q.kinds[t.kind].inUse.minus(t.charge)
	if q.held[t.run]--; q.held[t.run] == 0 {
		delete(q.held, t.run)
	}
	q.learn(t.run, time.Since(t.since))
	q.forget(c)
	q.dispatch(false)
}

// built says that t's child has been built and runs: its build no longer
// counts against the builds at once. A run that never says so (it ends
// first) gives its build back with its slot.
func (q *fairQueue) built(t *ticket) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t.build {
		t.build = false
		q.builds--
		q.dispatch(false)
	}
}

// leaveLocked takes a waiting ticket out of the queue.
func (q *fairQueue) leaveLocked(t *ticket) {
	if t.done || t.held {
		return
	}
	t.done = true
	c := t.client
	c.waiting = slices.DeleteFunc(c.waiting, func(w *ticket) bool { return w == t })
	q.waiting--
	q.kinds[t.kind].waiting--
	if len(c.waiting) == 0 {
		q.turn = slices.DeleteFunc(q.turn, func(x *queueClient) bool { return x == c })
	}
	q.forget(c)
	q.dispatch(true)
}

// forget drops a client that has nothing running and nothing waiting, so
// the map does not grow with every address ever seen.
func (q *fairQueue) forget(c *queueClient) {
	if c.running == 0 && len(c.waiting) == 0 {
		delete(q.clients, c.key)
	}
}

// dispatch starts waiting tickets while any fits (see grantNext); then, if
// a ticket started or moved (left the queue), it tells every waiting
// ticket whose position changed where it now stands.
func (q *fairQueue) dispatch(moved bool) {
	for q.grantNext() {
		moved = true
	}
	if moved { // else every place is what it was
		q.renumber()
	}
}

// grantNext starts the first ticket that fits, taking the clients in
// turn and each client's tickets in the order it clicked; a ticket held
// back by its client's caps or its kind's is passed over, so a learner's
// Go click does not wait behind their own Python click.
func (q *fairQueue) grantNext() bool {
	var reserved Resources
	for i, c := range q.turn {
		if c.running >= q.lim.perClient {
			continue
		}
		for j, t := range c.waiting {
			switch q.fits(c, t, reserved) {
			case fitOK:
				c.waiting = slices.Delete(c.waiting, j, j+1)
				q.waiting--
				q.kinds[t.kind].waiting--
				q.turn = slices.Delete(q.turn, i, i+1)
				if len(c.waiting) > 0 {
					q.turn = append(q.turn, c) // served: to the back of the line
				}
				q.grant(t)
				return true
			case fitBudget:
				reserved = reserved.plus(t.charge)
			}
		}
	}
	return false
}

// renumber works out where each waiting ticket stands if the queue were
// served from now on in turn, one ticket per client per round, and tells
// the tickets whose place changed, with the wait expected for that place.
func (q *fairQueue) renumber() {
	if q.waiting == 0 {
		return
	}
	all, byKind := q.throughput()
	pos := 0
	var kindPos [numKinds]int
	for round := 0; ; round++ {
		more := false
		for _, c := range q.turn {
			if round >= len(c.waiting) {
				continue
			}
			more = true
			pos++
			t := c.waiting[round]
			kindPos[t.kind]++
			if t.position != pos {
				t.position = pos
				if t.onPosition != nil {
					// A child run waits for a slot of its own kind; any
					// other run, for any slot.
					wait := expectedWait(pos, all)
					if t.kind.child() {
						wait = expectedWait(kindPos[t.kind], byKind[t.kind])
					}
					t.onPosition(pos, wait)
				}
			}
		}
		if !more {
			return
		}
	}
}

// learnWeight is how much the latest run counts in the moving average of
// how long runs of its kind and demo take.
const learnWeight = 0.25

// learn records how long a run held its slot.
func (q *fairQueue) learn(k runKey, d time.Duration) {
	if old, ok := q.took[k]; ok {
		d = time.Duration(float64(old)*(1-learnWeight) + float64(d)*learnWeight)
	}
	q.took[k] = max(d, time.Millisecond)
}

// throughput is how many slots are expected to free up per second, in
// all and by kind: each run holding one frees it after the time runs of
// its kind and demo have taken so far. Runs of what has never run before
// count for nothing, so until the first runs end there is no estimate (0).
func (q *fairQueue) throughput() (all float64, byKind [numKinds]float64) {
	for k, n := range q.held {
		if d, ok := q.took[k]; ok {
			r := float64(n) / d.Seconds()
			all += r
			byKind[k.kind] += r
		}
	}
	return all, byKind
}

// expectedWait is how long the click at position pos may expect to wait
// when slots free up at perSecond: 0 when there is no estimate.
func expectedWait(pos int, perSecond float64) time.Duration {
	if perSecond <= 0 {
		return 0
	}
	return time.Duration(float64(pos) / perSecond * float64(time.Second))
}

// queueStats is a moment's view of the queue.
type queueStats struct {
	running, waiting int
	inUse, budget    Resources
	kinds            [numKinds]kindUse
}

func (q *fairQueue) stats() queueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return queueStats{running: q.running, waiting: q.waiting, inUse: q.inUse, budget: q.lim.budget, kinds: q.kinds}
}
