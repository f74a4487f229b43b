package socket

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
)

// The tests of admission by cost: what a run is charged, what the budget
// lets through, and what a waiting click is told.

// costQueue is a queue with a small budget and the charges below, and no
// caps but the budget's unless a test sets them.
func costQueue(budget Resources) *fairQueue {
	var charges Charges
	charges[KindGo] = Resources{CPU: 1, Memory: 1 << 20}
	charges[KindGoThread] = Resources{CPU: 40, Memory: 1 << 20}
	charges[KindPython] = Resources{CPU: 10, Memory: 30 << 20}
	charges[KindEdited] = Resources{CPU: 50, Memory: 30 << 20}
	return newFairQueue(queueLimits{
		budget: budget, charges: charges, perClient: 1000, childPerClient: 1000,
		maxWaiting: 1000, maxWaitingPer: 1000,
	})
}

func enterKind(t *testing.T, q *fairQueue, client string, k Kind) (*ticket, bool) {
	t.Helper()
	tk, ready, err := q.enter(client, k, "demo", nil)
	if err != nil {
		t.Fatalf("enter %s %v: %v", client, k, err)
	}
	return tk, ready
}

// Each run holds its kind's charge: as many waiting runs start as the
// budget holds, far more than of a dearer kind, and each resource binds on
// its own.
func TestBudgetBoundsRunsByCost(t *testing.T) {
	q := costQueue(Resources{CPU: 100, Memory: 1 << 30})
	for i := range 100 {
		if _, ready := enterKind(t, q, "learner"+string(rune('A'+i%26))+string(rune('a'+i/26)), KindGo); !ready {
			t.Fatalf("waiting run %d did not start: 100 fit a CPU budget of 100 at 1 each", i+1)
		}
	}
	if _, ready := enterKind(t, q, "late", KindGo); ready {
		t.Fatal("the 101st waiting run started past the CPU budget")
	}

	q = costQueue(Resources{CPU: 100, Memory: 1 << 30})
	enterKind(t, q, "a", KindGoThread)
	enterKind(t, q, "b", KindGoThread)
	if _, ready := enterKind(t, q, "c", KindGoThread); ready {
		t.Fatal("a third thread run (40 each) started in a budget of 100")
	}
	if st := q.stats(); st.inUse != (Resources{CPU: 80, Memory: 2 << 20}) || st.kinds[KindGoThread].running != 2 || st.kinds[KindGoThread].waiting != 1 {
		t.Errorf("stats %+v", st)
	}

	q = costQueue(Resources{CPU: 1000, Memory: 64 << 20})
	enterKind(t, q, "a", KindPython)
	enterKind(t, q, "b", KindPython)
	if _, ready := enterKind(t, q, "c", KindPython); ready {
		t.Fatal("a third Python run (30 MiB each) started in 64 MiB")
	}
}

// A dear click waiting for the budget sets its charge aside: cheap clicks
// behind it may use only what is left beside it, so a stream of cheap runs
// cannot starve it; and it starts as soon as the room is there.
func TestWaitingForTheBudgetReserves(t *testing.T) {
	q := costQueue(Resources{CPU: 100, Memory: 1 << 30})
	var cheap []*ticket
	for i := range 60 {
		tk, _ := enterKind(t, q, "c"+string(rune('A'+i%26))+string(rune('a'+i/26)), KindGo)
		cheap = append(cheap, tk)
	}
	edit, ready := enterKind(t, q, "editor", KindEdited) // 60 + 50 > 100
	if ready {
		t.Fatal("the edited run started past the budget")
	}
	// 60 + 50 reserved = 110: no room for even a cheap one now.
	if _, ready := enterKind(t, q, "newcomer", KindGo); ready {
		t.Error("a cheap click jumped a dear one waiting for the budget")
	}
	for _, tk := range cheap[:10] {
		q.release(tk)
	}
	if !granted(edit) {
		t.Fatal("the edited run did not start once 50 were free")
	}
	// The newcomer waits its turn behind it, then fits too: 50 + 50 + 1 > 100,
	// so one more cheap run must end first.
	q.release(cheap[10])
	if st := q.stats(); st.waiting != 0 {
		t.Errorf("%d still waiting once there was room", st.waiting)
	}
}

// A click held back by its kind's cap or its client's does not hold back
// anyone else, nor its own client's clicks of another kind.
func TestCapsOfAKindBlockOnlyThatKind(t *testing.T) {
	q := costQueue(Resources{CPU: 1000, Memory: 1 << 30})
	q.lim.kindCap[KindPython] = 1
	enterKind(t, q, "a", KindPython)
	py, ready := enterKind(t, q, "b", KindPython)
	if ready {
		t.Fatal("a second Python run started past the cap of 1")
	}
	if _, ready := enterKind(t, q, "b", KindGo); !ready {
		t.Error("the client's Go click waited behind its own Python click")
	}
	if _, ready := enterKind(t, q, "c", KindEdited); !ready {
		t.Error("an edited run waited for a Python slot")
	}
	if st := q.stats(); st.kinds[KindPython].waiting != 1 || py.position != 1 {
		t.Errorf("stats %+v, position %d", st, py.position)
	}
}

// A queued click is told the wait expected from its place: its position
// over the rate at which slots free up, learned from how long runs of the
// same kind and demo took (a moving average). Time here is only timers,
// so the bubble's clock makes the durations exact.
func TestQueueEstimatesTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := countQueue(2, 10, 10, 10)
		type told struct {
			pos  int
			wait time.Duration
		}
		last := map[string]told{}
		enter := func(client string) *ticket {
			tk, _, err := q.enter(client, KindGo, "demo", func(p int, w time.Duration) { last[client] = told{p, w} })
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		// Nothing has run yet: a waiting click gets its place and no
		// estimate.
		a, b := enter("a"), enter("b")
		c := enter("c")
		if got := last["c"]; got != (told{1, 0}) {
			t.Errorf("before any run ended: %+v, want position 1 and no estimate", got)
		}
		time.Sleep(2 * time.Second)
		q.release(a) // took 2 s; c starts
		d, e := enter("d"), enter("e")
		// Running: b and c, runs of a demo that took 2 s: a slot frees
		// every second.
		if got := last["d"]; got != (told{1, time.Second}) {
			t.Errorf("d told %+v, want position 1, 1s", got)
		}
		if got := last["e"]; got != (told{2, 2 * time.Second}) {
			t.Errorf("e told %+v, want position 2, 2s", got)
		}
		time.Sleep(2 * time.Second)
		q.release(b) // took 4 s: the average moves to 2.5 s; d starts
		// Running: c and d, 2.5 s each; e is next: 1.25 s.
		if got := last["e"]; got != (told{1, 1250 * time.Millisecond}) {
			t.Errorf("e told %+v, want position 1, 1.25s", got)
		}
		for _, tk := range []*ticket{c, d, e} {
			q.release(tk)
		}
	})
}

// The queued frame carries the estimate, in milliseconds, once runs of the
// demo have ended; a run of what never ran gets its position alone.
func TestQueuedFrameCarriesTheWait(t *testing.T) {
	lim := defaultLimits()
	lim.Global = 1
	srv := startTrusting(t, lim)
	a := mustDialFrom(t, srv, "198.51.100.1")
	a.run("warm", "wait", map[string]string{"d": "50ms"})
	a.until("exit", "warm")
	a.run("hold", "wait", long)
	a.until("started", "hold")
	b := mustDialFrom(t, srv, "198.51.100.2")
	b.run("b1", "wait", map[string]string{"d": "1ms"})
	m := b.until("queued", "b1")
	// One run of "wait" held its slot for 50 ms and a little more (how
	// much more depends on the machine), and one slot is busy.
	if q := m[len(m)-1]; q.Position != 1 || q.WaitMs < 50 || q.WaitMs > 10_000 {
		t.Errorf("queued %+v, want position 1 and wait_ms from 50", q)
	}
	b.stop("b1")
	b.until("exit", "b1")
}

// Over the socket: runs of a demo that keeps a thread are charged more
// than those of one that waits, so the budget lets fewer of them run,
// and a click waiting for it is served first when room frees up.
func TestSocketAdmitsByCost(t *testing.T) {
	lim := defaultLimits()
	lim.Budget = Resources{CPU: 100, Memory: 1 << 30}
	lim.Charges = DefaultCharges()
	lim.Charges[KindGo] = Resources{CPU: 1, Memory: 1 << 10}
	lim.Charges[KindGoThread] = Resources{CPU: 40, Memory: 1 << 10}
	lim.Charges[KindGoCPU] = Resources{CPU: 100, Memory: 1 << 10}
	for _, k := range []Kind{KindPython, KindEdited, KindTraced} {
		lim.Charges[k] = Resources{CPU: 100, Memory: 1 << 10}
	}
	srv := startTrusting(t, lim)
	pages := map[string]*client{}
	from := func(addr string) *client {
		if pages[addr] == nil {
			pages[addr] = mustDialFrom(t, srv, addr)
		}
		return pages[addr]
	}
	from("198.51.100.1").run("t1", "thread", long)
	from("198.51.100.1").until("started", "t1")
	from("198.51.100.2").run("t2", "thread", long)
	from("198.51.100.2").until("started", "t2")
	from("198.51.100.3").run("t3", "thread", long)
	from("198.51.100.3").until("queued", "t3") // 40 + 40 + 40 > 100
	// Cheap runs still fit beside the two (80 + 1 ...), but not beside
	// the third thread run's reservation: they wait behind it.
	from("198.51.100.4").run("w", "wait", map[string]string{"d": "1ms"})
	from("198.51.100.4").until("queued", "w")
	from("198.51.100.1").stop("t1")
	from("198.51.100.1").until("exit", "t1")
	from("198.51.100.3").until("started", "t3")
	if got := from("198.51.100.4").until("exit", "w"); got[0].Type != "started" {
		t.Errorf("the cheap run: %+v", got)
	}
	st := srv.socket.Stats()
	if st.InUse.CPU != 80 || st.Budget.CPU != 100 {
		t.Errorf("stats %+v, want 80 of 100 in use", st)
	}
}

// A budget that cannot hold one run of a kind is refused at start-up, and
// a budget left at zero comes from the machine.
func TestBudgetFromTheMachine(t *testing.T) {
	lim := defaultLimits().Limits
	lim.Budget = Resources{CPU: 500, Memory: 1 << 30}
	if _, err := lim.queueLimits(quiet()); err == nil || !strings.Contains(err.Error(), "smaller than one go-cpu run") {
		t.Errorf("half a core: %v, want the go-cpu run named", err)
	}
	lim.Budget = Resources{}
	q, err := lim.queueLimits(quiet())
	if err != nil {
		t.Fatal(err)
	}
	machine, err := MachineBudget()
	if err != nil {
		t.Fatal(err)
	}
	if q.budget.CPU != machine.CPU || q.budget.Memory <= 0 {
		t.Errorf("derived budget %v, machine %v", q.budget, machine)
	}
	if q.maxWaiting != lim.Sockets*lim.PerConn {
		t.Errorf("queue bound %d, want every page's clicks: %d", q.maxWaiting, lim.Sockets*lim.PerConn)
	}
}

// The runtime a run frame asks for, typed.
func TestRuntimeRequest(t *testing.T) {
	cn := &conn{}
	for _, tc := range []struct {
		req  Request
		want runtimes.Runtime
		code string
	}{
		{Request{}, runtimes.Go, ""},
		{Request{Runtime: "go"}, runtimes.Go, ""},
		{Request{Runtime: "python"}, runtimes.Python, ""},
		{Request{Source: "package x"}, runtimes.Edited, ""},
		{Request{Runtime: "go", Source: "package x"}, runtimes.Edited, ""},
		{Request{Trace: true}, runtimes.Traced, ""},
		{Request{Trace: true, Source: "package x", Procs: 4}, runtimes.Traced, ""},
		{Request{Runtime: "python", Source: "package x"}, runtimes.Python, CodeBadRequest},
		{Request{Runtime: "ruby"}, 0, CodeBadRequest},
		{Request{Runtime: "python", Trace: true}, runtimes.Python, CodeBadRequest},
		{Request{Race: true}, runtimes.Go, CodeBadRequest},
		{Request{Procs: 2}, runtimes.Go, CodeBadRequest},
		{Request{Trace: true, Procs: 3}, runtimes.Traced, CodeBadRequest},
	} {
		rr, err := cn.runtimeRequest(tc.req)
		if err == nil {
			err = rr.Check()
		}
		var m Message
		if err != nil {
			describe(&m, err)
		}
		if rr.Runtime != tc.want || m.Code != tc.code {
			t.Errorf("%+v: runtime %v, code %q (%v); want %v, %q", tc.req, rr.Runtime, m.Code, err, tc.want, tc.code)
		}
	}
	if k := kindOf(runtimes.Go, runner.CostThread); k != KindGoThread {
		t.Errorf("a Go demo that keeps a thread: %v", k)
	}
	if k := kindOf(runtimes.Python, runner.CostCPU); k != KindPython {
		t.Errorf("a Python run of any demo: %v", k)
	}
}

// A waiting click whose place changes many times a second is told the
// latest place at most every 250 ms: when a thousand wait, every start
// moves them all. Time here is only timers.
func TestQueuedPlaceIsRetoldAtMostEvery250ms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, err := newSocket(testDemos(t), defaultLimits(), quiet())
		if err != nil {
			t.Fatal(err)
		}
		cn := newConn(s, nil, nil) // no network: frames stay in the queue
		at := newPlace()
		at.set(10, 0) // told to the page with the click's first queued frame
		tk := &ticket{granted: make(chan struct{})}
		done := make(chan error)
		go func() { done <- cn.wait(context.Background(), tk, "r", at) }()
		synctest.Wait()
		for n := 9; n >= 1; n-- { // nine moves in 90 ms
			at.set(n, 0)
			time.Sleep(10 * time.Millisecond)
			synctest.Wait()
		}
		if got := len(cn.out); got != 0 {
			t.Errorf("%d queued frames within 250 ms of the first", got)
		}
		time.Sleep(200 * time.Millisecond)
		synctest.Wait()
		close(tk.granted)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		var told []int
		for len(cn.out) > 0 {
			told = append(told, (<-cn.out).Position)
		}
		if len(told) != 1 || told[0] != 1 {
			t.Errorf("told %v, want the latest place once: [1]", told)
		}
	})
}
