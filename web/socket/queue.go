package socket

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// fairQueue hands out run slots so that one client cannot deny the course
// to everyone else: at most global runs at once on the server, at most
// perClient at once for any one client (an address, see clientKey), and
// the clicks beyond that wait in a queue served round-robin across
// clients. A client with a hundred clicks waiting therefore stands beside
// a learner with one, not ahead of them: the learner's click is among the
// next ones served whatever the hog has queued.
//
// The queue itself is bounded too, per client and in all, so waiting costs
// memory in proportion to the caps, not to how hard a client pushes.
type fairQueue struct {
	global, perClient             int
	maxWaiting, maxWaitingPerUser int

	mu      sync.Mutex
	running int
	waiting int
	clients map[string]*queueClient
	// turn lists the clients with tickets waiting, in the order they will
	// be served: the one served last goes to the back.
	turn []*queueClient
}

// queueClient is one client's share of the queue.
type queueClient struct {
	key     string
	running int
	waiting []*ticket
}

// ticket is one click: waiting, then holding a slot, then released.
type ticket struct {
	client  *queueClient
	granted chan struct{} // closed when the ticket gets a slot
	held    bool          // has a slot (guarded by the queue's mu)
	done    bool          // left the queue or released its slot

	// position is where the ticket stands (1 = next), last told to
	// onPosition, which is called with the queue's lock held: it must not
	// block or call back into the queue.
	position   int
	onPosition func(int)
}

// Why a click was refused without waiting.
var (
	errQueueFull       = errors.New("the queue is full")
	errClientQueueFull = errors.New("too many runs waiting from this address")
)

func newFairQueue(global, perClient, maxWaiting, maxWaitingPerClient int) *fairQueue {
	return &fairQueue{
		global: global, perClient: perClient,
		maxWaiting: maxWaiting, maxWaitingPerUser: maxWaitingPerClient,
		clients: map[string]*queueClient{},
	}
}

// enter takes a ticket for client. The ticket either holds a slot at once
// (ready reports true) or waits in the queue, its position reported to
// onPosition now and whenever it changes. A full queue refuses the click.
func (q *fairQueue) enter(client string, onPosition func(int)) (t *ticket, ready bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.clients[client]
	if c == nil {
		c = &queueClient{key: client}
	}
	switch {
	case len(c.waiting) >= q.maxWaitingPerUser && q.mustWait(c):
		return nil, false, errClientQueueFull
	case q.waiting >= q.maxWaiting && q.mustWait(c):
		return nil, false, errQueueFull
	}
	q.clients[client] = c
	t = &ticket{client: c, granted: make(chan struct{}), onPosition: onPosition}
	if len(c.waiting) == 0 {
		q.turn = append(q.turn, c)
	}
	c.waiting = append(c.waiting, t)
	q.waiting++
	q.dispatch()
	return t, t.held, nil
}

// mustWait reports whether a new click of c would have to wait: only then
// do the queue's own bounds apply.
func (q *fairQueue) mustWait(c *queueClient) bool {
	return q.running >= q.global || c.running >= q.perClient || len(c.waiting) > 0
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
	q.mu.Lock()
	defer q.mu.Unlock()
	if t.held {
		// Granted while ctx was ending: the run will not start, so the
		// slot goes to the next in line.
		q.releaseLocked(t)
	} else {
		q.leaveLocked(t)
	}
	return context.Cause(ctx)
}

// release gives back the slot t holds. Calling it again does nothing.
func (q *fairQueue) release(t *ticket) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.releaseLocked(t)
}

func (q *fairQueue) releaseLocked(t *ticket) {
	if t.done || !t.held {
		return
	}
	t.done, t.held = true, false
	q.running--
	t.client.running--
	q.forget(t.client)
	q.dispatch()
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
	if len(c.waiting) == 0 {
		q.turn = slices.DeleteFunc(q.turn, func(x *queueClient) bool { return x == c })
	}
	q.forget(c)
	q.dispatch()
}

// forget drops a client that has nothing running and nothing waiting, so
// the map does not grow with every address ever seen.
func (q *fairQueue) forget(c *queueClient) {
	if c.running == 0 && len(c.waiting) == 0 {
		delete(q.clients, c.key)
	}
}

// dispatch gives free slots to waiting tickets, one client at a time in
// turn, skipping clients at their own cap, then tells every waiting ticket
// whose position changed where it now stands.
func (q *fairQueue) dispatch() {
	for q.running < q.global {
		i := slices.IndexFunc(q.turn, func(c *queueClient) bool { return c.running < q.perClient })
		if i < 0 {
			break
		}
		c := q.turn[i]
		t := c.waiting[0]
		c.waiting = c.waiting[1:]
		q.waiting--
		q.turn = slices.Delete(q.turn, i, i+1)
		if len(c.waiting) > 0 {
			q.turn = append(q.turn, c) // served: to the back of the line
		}
		c.running++
		q.running++
		t.held = true
		close(t.granted)
	}
	q.renumber()
}

// renumber works out where each waiting ticket stands if the queue were
// served from now on in turn, one ticket per client per round, and tells
// the tickets whose place changed.
func (q *fairQueue) renumber() {
	pos := 0
	for round := 0; ; round++ {
		more := false
		for _, c := range q.turn {
			if round >= len(c.waiting) {
				continue
			}
			more = true
			pos++
			t := c.waiting[round]
			if t.position != pos {
				t.position = pos
				if t.onPosition != nil {
					t.onPosition(pos)
				}
			}
		}
		if !more {
			return
		}
	}
}

// stats reports the runs holding a slot and the clicks waiting.
func (q *fairQueue) stats() (running, waiting int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running, q.waiting
}
