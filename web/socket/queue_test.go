package socket

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// positions records what a ticket was told about its place.
type positions struct {
	mu   sync.Mutex
	seen []int
}

func (p *positions) add(n int) { p.mu.Lock(); p.seen = append(p.seen, n); p.mu.Unlock() }
func (p *positions) last() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) == 0 {
		return 0
	}
	return p.seen[len(p.seen)-1]
}

func mustEnter(t *testing.T, q *fairQueue, client string, pos *positions) (*ticket, bool) {
	t.Helper()
	var on func(int, time.Duration)
	if pos != nil {
		on = func(n int, _ time.Duration) { pos.add(n) }
	}
	tk, ready, err := q.enter(client, KindGo, "demo", on)
	if err != nil {
		t.Fatalf("enter %s: %v", client, err)
	}
	return tk, ready
}

func granted(tk *ticket) bool {
	select {
	case <-tk.granted:
		return true
	default:
		return false
	}
}

// countQueue is a queue whose runs cost nothing, capped by count alone:
// global runs at once, perClient per client, maxWaiting clicks waiting and
// maxWaitingPer per client.
func countQueue(global, perClient, maxWaiting, maxWaitingPer int) *fairQueue {
	return newFairQueue(queueLimits{
		budget: Resources{CPU: 1, Memory: 1}, global: global, perClient: perClient, childPerClient: perClient,
		maxWaiting: maxWaiting, maxWaitingPer: maxWaitingPer,
	})
}

// A hog with many clicks waiting does not stand ahead of a learner: once a
// slot frees, the learner's one click is served before the hog's second.
func TestFairQueueServesClientsInTurn(t *testing.T) {
	q := countQueue(2, 10, 100, 50)
	var hogRunning []*ticket
	for range 2 {
		tk, ready := mustEnter(t, q, "hog", nil)
		if !ready {
			t.Fatal("a free slot was not given at once")
		}
		hogRunning = append(hogRunning, tk)
	}
	var hogWaiting []*ticket
	for range 20 {
		tk, ready := mustEnter(t, q, "hog", nil)
		if ready {
			t.Fatal("got a slot past the global cap")
		}
		hogWaiting = append(hogWaiting, tk)
	}
	var learnerPos positions
	learner, ready := mustEnter(t, q, "learner", &learnerPos)
	if ready {
		t.Fatal("learner got a slot past the global cap")
	}
	if got := learnerPos.last(); got != 2 {
		t.Errorf("learner told position %d, want 2 (one hog click, then the learner)", got)
	}
	q.release(hogRunning[0])
	if !granted(hogWaiting[0]) || granted(learner) {
		t.Fatalf("first free slot: hog's first waiting click should go (it came first)")
	}
	if got := learnerPos.last(); got != 1 {
		t.Errorf("learner now at %d, want 1", got)
	}
	q.release(hogRunning[1])
	if !granted(learner) {
		t.Fatal("second free slot did not go to the learner")
	}
	if granted(hogWaiting[1]) {
		t.Error("the hog's second waiting click jumped the learner")
	}
	if st := q.stats(); st.running != 2 || st.waiting != 19 {
		t.Errorf("running %d waiting %d, want 2 and 19", st.running, st.waiting)
	}
}

// A client at its own cap waits even when the server has room, and the
// room goes to others meanwhile.
func TestFairQueuePerClientCap(t *testing.T) {
	q := countQueue(10, 2, 100, 50)
	a1, _ := mustEnter(t, q, "a", nil)
	mustEnter(t, q, "a", nil)
	a3, ready := mustEnter(t, q, "a", nil)
	if ready {
		t.Fatal("third run of one client started past the per-client cap of 2")
	}
	if _, ready := mustEnter(t, q, "b", nil); !ready {
		t.Fatal("another client was kept waiting while the server had room")
	}
	q.release(a1)
	if !granted(a3) {
		t.Fatal("the waiting run did not start when its client's own run ended")
	}
}

// The queue is bounded per client and in all; a click that would not have
// to wait is never refused for a full queue.
func TestFairQueueBounds(t *testing.T) {
	q := countQueue(1, 1, 3, 2)
	mustEnter(t, q, "a", nil) // running
	mustEnter(t, q, "a", nil)
	mustEnter(t, q, "a", nil)
	if _, _, err := q.enter("a", KindGo, "demo", nil); !errors.Is(err, errClientQueueFull) {
		t.Errorf("third waiting click of one client: %v, want %v", err, errClientQueueFull)
	}
	mustEnter(t, q, "b", nil)
	if _, _, err := q.enter("c", KindGo, "demo", nil); !errors.Is(err, errQueueFull) {
		t.Errorf("click past the queue's size: %v, want %v", err, errQueueFull)
	}
	q2 := countQueue(5, 5, 0, 0)
	if _, ready, err := q2.enter("a", KindGo, "demo", nil); err != nil || !ready {
		t.Errorf("a click with a free slot and an empty queue: ready %v, %v", ready, err)
	}
}

// Leaving the queue (Stop while waiting) moves everyone behind forward;
// a slot granted while the waiter gave up goes to the next one.
func TestFairQueueLeave(t *testing.T) {
	q := countQueue(1, 5, 10, 10)
	first, _ := mustEnter(t, q, "a", nil)
	ctx, cancel := context.WithCancelCause(context.Background())
	quitter, _ := mustEnter(t, q, "b", nil)
	var behind positions
	last, _ := mustEnter(t, q, "c", &behind)
	if behind.last() != 2 {
		t.Fatalf("position %d, want 2", behind.last())
	}
	stopped := errors.New("stopped")
	cancel(stopped)
	if err := q.wait(ctx, quitter); !errors.Is(err, stopped) {
		t.Fatalf("wait = %v, want the cause", err)
	}
	if behind.last() != 1 {
		t.Errorf("after one left, position %d, want 1", behind.last())
	}
	q.release(first)
	if err := q.wait(context.Background(), last); err != nil {
		t.Fatal(err)
	}
	q.release(last)
	q.release(last) // twice: nothing more happens
	if st := q.stats(); st.running != 0 || st.waiting != 0 || len(q.clients) != 0 {
		t.Errorf("after all left: running %d waiting %d clients %d", st.running, st.waiting, len(q.clients))
	}
}

// Under many clients entering, waiting, giving up and releasing at once,
// the caps hold at every instant and everything is given back at the end.
func TestFairQueueUnderLoad(t *testing.T) {
	const global, perClient = 4, 2
	q := countQueue(global, perClient, 1000, 1000)
	var mu sync.Mutex
	running := map[string]int{}
	total, most := 0, 0
	var wg sync.WaitGroup
	for i := range 40 {
		client := fmt.Sprintf("c%d", i%5)
		wg.Go(func() {
			tk, _, err := q.enter(client, KindGo, "demo", nil)
			if err != nil {
				t.Error(err)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%3)*time.Millisecond)
			defer cancel()
			if i%3 != 0 {
				ctx = context.Background() // most wait as long as it takes
			}
			if err := q.wait(ctx, tk); err != nil {
				return // gave up
			}
			mu.Lock()
			running[client]++
			total++
			most = max(most, total)
			if running[client] > perClient || total > global {
				t.Errorf("caps broken: %s has %d, %d in all", client, running[client], total)
			}
			mu.Unlock()
			time.Sleep(100 * time.Microsecond) // hold the slot a moment so runs overlap
			mu.Lock()
			running[client]--
			total--
			mu.Unlock()
			q.release(tk)
		})
	}
	wg.Wait()
	if st := q.stats(); st.running != 0 || st.waiting != 0 || len(q.clients) != 0 || len(q.turn) != 0 {
		t.Errorf("left over: running %d waiting %d clients %d turn %d", st.running, st.waiting, len(q.clients), len(q.turn))
	}
	if most < 2 {
		t.Errorf("at most %d at once: the test never overlapped runs", most)
	}
}

// The positions a ticket is told only count down while nobody new comes
// ahead of it, and the last one it hears before its slot is 1.
func TestFairQueuePositionsCountDown(t *testing.T) {
	q := countQueue(1, 1, 100, 100)
	var holders []*ticket
	tk, _ := mustEnter(t, q, "x", nil)
	holders = append(holders, tk)
	for i := range 5 {
		tk, _ := mustEnter(t, q, fmt.Sprintf("x%d", i), nil)
		holders = append(holders, tk)
	}
	var pos positions
	mine, _ := mustEnter(t, q, "me", &pos)
	for _, h := range holders {
		q.release(h)
	}
	if !granted(mine) {
		t.Fatal("not served after everyone ahead left")
	}
	if want := []int{6, 5, 4, 3, 2, 1}; !slices.Equal(pos.seen, want) {
		t.Errorf("positions %v, want %v", pos.seen, want)
	}
}
