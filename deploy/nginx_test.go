package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The test's learners: a class of twelve, a demo that prints at once and
// then takes its time.
const (
	classSize   = 12
	demo        = "spinner-goroutine"
	longRun     = "5s"    // a run still going when its replica goes
	shortRun    = "100ms" // the shortest spinner-goroutine allows
	reconnectBy = 2 * time.Second
)

// TestNginx runs the course as it is deployed: three replicas of the real
// binary, each a process of its own, behind Debian's nginx configured with
// deploy/nginx/walkthrough.conf, and learners (socket.Client, as pages
// drive it) going through nginx. It kills replicas under them and checks
// that nothing is lost unreported and every page is back within 2 s. The
// figures it logs (-v) are in deploy/README.md; it asserts no timing but
// the 2 s reconnect and the drain's own delay.
func TestNginx(t *testing.T) {
	nginxBin := nginxBinary(t)
	if testing.Short() {
		t.Skip("starts nginx and three replicas (about 30 s)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCluster(ctx, t, nginxBin, walkthroughBin)

	t.Run("FirstOutput", func(t *testing.T) {
		// Time to first output through nginx against the same runs sent
		// to one replica directly: what the balancer costs. Logged, not
		// asserted: this machine's two cores are shared.
		const runsEach = 20
		via := firstOutputs(ctx, t, learners(10, classSize, c.nginxURL()), runsEach)
		direct := firstOutputs(ctx, t, learners(30, classSize, c.replicas[0].url()), runsEach)
		p50n, p99n := percentile(via, 50), percentile(via, 99)
		p50d, p99d := percentile(direct, 50), percentile(direct, 99)
		t.Logf("time to first output, %d runs each (%d learners × %d): through nginx p50 %v p99 %v; one replica directly p50 %v p99 %v; ratio p50 %.2f× p99 %.2f×",
			len(via), classSize, runsEach, p50n, p99n, p50d, p99d,
			float64(p50n)/float64(p50d), float64(p99n)/float64(p99d))
	})
	t.Run("SIGTERM drains", func(t *testing.T) { c.killMidRun(ctx, t, syscall.SIGTERM, 50) })
	t.Run("SIGKILL drops", func(t *testing.T) { c.killMidRun(ctx, t, syscall.SIGKILL, 70) })
	t.Run("RollingRestart", func(t *testing.T) { c.rollingRestart(ctx, t, 90) })
	t.Run("PerAddressLimits", func(t *testing.T) { c.perAddressLimits(ctx, t) })
}

// firstOutputs has each learner run the short demo n times in a row, all
// learners at once, and returns every run's time to first output.
func firstOutputs(ctx context.Context, t *testing.T, ls []*learner, n int) []time.Duration {
	t.Helper()
	dialAll(ctx, t, ls)
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Go(func() {
			for range n {
				o := l.run(ctx, demo, map[string]string{"slow": shortRun}, nil)
				if o.result != "ok" || o.firstOutput == 0 {
					t.Errorf("learner %s: %s %s (first output %v)", l.name, o.result, o.detail, o.firstOutput)
					return
				}
				mu.Lock()
				all = append(all, o.firstOutput)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return all
}

// dialAll opens every learner's socket and closes them when t ends.
func dialAll(ctx context.Context, t *testing.T, ls []*learner) {
	t.Helper()
	t.Cleanup(func() {
		for _, l := range ls {
			l.close()
		}
	})
	for _, l := range ls {
		if err := l.dial(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// afterKill is what one learner went through when a replica went.
type afterKill struct {
	long        outcome              // the run in progress
	closeStatus websocket.StatusCode // how its socket closed, if it did
	reconnected time.Duration        // from the close to a socket again
	again       outcome              // the run after reconnecting
	err         error
}

// killMidRun has a class run through nginx, sends sig to the replica with
// the most of them while their runs are in progress, and checks every
// learner: those on that replica get their run reported as over (stopped
// by the drain for SIGTERM; the socket dropped for SIGKILL, which the page
// reports), reconnect through nginx within 2 s and run again; everyone
// else's run ends ok, undisturbed. Then the replica is started again.
func (c *cluster) killMidRun(ctx context.Context, t *testing.T, sig syscall.Signal, firstAddr int) {
	ls := learners(firstAddr, classSize, c.nginxURL())
	dialAll(ctx, t, ls)

	// A first short run each, so every replica's log says who is there.
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Go(func() {
			if o := l.run(ctx, demo, map[string]string{"slow": shortRun}, nil); o.result != "ok" {
				t.Errorf("learner %s, first run: %s %s", l.name, o.result, o.detail)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	at, err := c.whereIs(ctx, ls)
	if err != nil {
		t.Fatal(err)
	}
	perSlot := make([]int, len(c.slots))
	for _, slot := range at {
		perSlot[slot]++
	}
	victim := 0
	for slot, n := range perSlot {
		if n > perSlot[victim] {
			victim = slot
		}
	}
	if perSlot[victim] == classSize {
		t.Fatalf("nginx sent all %d learners to one replica: least_conn should spread them (%v)", classSize, perSlot)
	}
	t.Logf("learners per replica: %v; %v goes to replica %d", perSlot, sig, victim)

	started := make(chan *learner, classSize)
	reports := make(map[*learner]*afterKill)
	for _, l := range ls {
		reports[l] = &afterKill{}
	}
	for _, l := range ls {
		wg.Go(func() { c.followThrough(ctx, l, reports[l], started) })
	}
	for range classSize {
		select {
		case <-started:
		case <-ctx.Done():
			t.Fatal("runs did not start")
		}
	}
	r := c.replicas[victim]
	if err := r.signal(sig); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if sig == syscall.SIGTERM {
		// Draining: not ready at once, still alive and serving.
		if err := waitStatus(ctx, nil, r.url()+"/readyz", http.StatusServiceUnavailable, 500*time.Millisecond); err != nil {
			t.Error(err)
		}
		if code, err := getStatus(ctx, r.url()+"/healthz"); err != nil || code != http.StatusOK {
			t.Errorf("draining replica's /healthz: %v %v, want 200", code, err)
		}
	}
	wg.Wait()

	// The replica is gone: at once after SIGKILL, within the drain delay
	// plus the shutdown's grace after SIGTERM, and then cleanly.
	err = r.wait(drainDelay + shutdownGrace)
	if sig == syscall.SIGTERM && err != nil {
		t.Errorf("replica after SIGTERM: %v, want exit 0 within %v", err, drainDelay+shutdownGrace)
	}
	if sig == syscall.SIGKILL && err == nil {
		t.Errorf("replica after SIGKILL exited 0")
	}

	for _, l := range ls {
		rep := reports[l]
		if rep.err != nil {
			t.Errorf("learner %s: %v", l.name, rep.err)
			continue
		}
		if at[l] != victim {
			if rep.long.result != "ok" {
				t.Errorf("learner %s on replica %d, undisturbed: run %s %s, want ok", l.name, at[l], rep.long.result, rep.long.detail)
			}
			continue
		}
		switch sig {
		case syscall.SIGTERM:
			if rep.long.result != "stopped" || rep.closeStatus != websocket.StatusGoingAway {
				t.Errorf("learner %s on the drained replica: run %s %s, socket closed %v; want stopped, then 1001",
					l.name, rep.long.result, rep.long.detail, rep.closeStatus)
			}
			// The replica kept serving through its drain delay.
			if after := rep.long.ended.Sub(killed); after < drainDelay {
				t.Errorf("learner %s: run stopped %v after SIGTERM, before the drain delay %v", l.name, after, drainDelay)
			}
		case syscall.SIGKILL:
			if rep.long.result != "lost" {
				t.Errorf("learner %s on the killed replica: run %s %s; want lost (the socket dropped)", l.name, rep.long.result, rep.long.detail)
			}
		}
		if rep.reconnected > reconnectBy {
			t.Errorf("learner %s reconnected %v after its socket closed, want within %v", l.name, rep.reconnected, reconnectBy)
		}
		if rep.again.result != "ok" {
			t.Errorf("learner %s, run after reconnecting: %s %s, want ok", l.name, rep.again.result, rep.again.detail)
		}
		t.Logf("learner %s: run %s, socket closed %v, back after %v, next run %s", l.name, rep.long.result, rep.closeStatus,
			rep.reconnected.Round(time.Millisecond), rep.again.result)
	}
	if sig == syscall.SIGTERM {
		// The drained replica told its own log the same.
		runs, err := r.runsLogged()
		if err != nil {
			t.Fatal(err)
		}
		stopped := 0
		for _, run := range runs {
			if run.Result == "stopped" {
				stopped++
			}
		}
		if stopped != perSlot[victim] {
			t.Errorf("drained replica logged %d stopped runs, want %d", stopped, perSlot[victim])
		}
	}
	c.startReplica(ctx, t, victim)
}

// followThrough runs the long demo and, if the socket goes under it, does
// what the page does: reconnects on the page's schedule and runs again.
func (c *cluster) followThrough(ctx context.Context, l *learner, rep *afterKill, started chan<- *learner) {
	rep.long = l.run(ctx, demo, map[string]string{"slow": longRun}, started)
	var closed time.Time
	switch rep.long.result {
	case "ok":
		return
	case "lost":
		closed, rep.closeStatus = rep.long.closed, rep.long.closeStatus
	case "stopped":
		// A stopped run on a replica going away: its socket closes next.
		wctx, cancel := context.WithTimeout(ctx, shutdownGrace)
		defer cancel()
		var err error
		if closed, rep.closeStatus, err = l.waitClosed(wctx); err != nil {
			rep.err = err
			return
		}
	default:
		rep.err = fmt.Errorf("run %s %s", rep.long.result, rep.long.detail)
		return
	}
	var err error
	if rep.reconnected, err = l.reconnect(ctx, closed); err != nil {
		rep.err = err
		return
	}
	rep.again = l.run(ctx, demo, map[string]string{"slow": shortRun}, nil)
}

// tally counts what learners got while replicas were restarted under them.
type tally struct {
	mu         sync.Mutex
	results    map[string]int // outcome.result → runs
	refusals   []string
	reconnects []time.Duration
	errs       []error
}

func (ta *tally) add(o outcome) {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	ta.results[o.result]++
	if o.result == "refused" || o.result == "failed" {
		ta.refusals = append(ta.refusals, o.detail)
	}
}

// rollingRestart restarts the three replicas one at a time — SIGTERM,
// wait for the drained process to exit, start a new one on the same port,
// wait for its /readyz — while a class keeps clicking Run through nginx.
// Goal: no run refused, every page back within 2 s, every run reported.
func (c *cluster) rollingRestart(ctx context.Context, t *testing.T, firstAddr int) {
	ls := learners(firstAddr, classSize, c.nginxURL())
	dialAll(ctx, t, ls)
	ta := &tally{results: map[string]int{}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Go(func() { clickOn(ctx, l, ta, done) })
	}
	began := time.Now()
	for slot := range c.slots {
		r := c.replicas[slot]
		if err := r.signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := r.wait(drainDelay + shutdownGrace); err != nil {
			t.Fatalf("replica %d after SIGTERM: %v", slot, err)
		}
		c.startReplica(ctx, t, slot)
	}
	restart := time.Since(began)
	// A last round on the new replicas, then the class goes home.
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
	}
	close(done)
	wg.Wait()

	ta.mu.Lock()
	defer ta.mu.Unlock()
	for _, err := range ta.errs {
		t.Error(err)
	}
	runs := 0
	for _, n := range ta.results {
		runs += n
	}
	t.Logf("rolling restart of 3 replicas took %v; %d runs: %v; %d reconnects, slowest %v, p50 %v",
		restart.Round(time.Millisecond), runs, ta.results, len(ta.reconnects),
		percentile(ta.reconnects, 100).Round(time.Millisecond), percentile(ta.reconnects, 50).Round(time.Millisecond))
	if n := ta.results["refused"] + ta.results["failed"]; n > 0 {
		t.Errorf("%d runs refused or failed during the rolling restart, want none: %q", n, ta.refusals)
	}
	if ta.results["ok"] < classSize {
		t.Errorf("only %d runs ended ok", ta.results["ok"])
	}
	for _, d := range ta.reconnects {
		if d > reconnectBy {
			t.Errorf("a page reconnected %v after its socket closed, want within %v", d, reconnectBy)
		}
	}
}

// clickOn runs the short demo again and again until done, reconnecting
// as the page does whenever its socket goes.
// clickEvery paces each learner's clicks under the course's per-client
// start rate (5 runs/s, bursts of 20): a learner clicking faster would be
// refused by the rate itself once the restart outlasted the burst (about
// 4 s, which a busy machine reaches), and a refusal here must mean that a
// replica turned a learner away.
var clickEvery = time.Duration(float64(time.Second) / (0.8 * socket.DefaultLimits().StartRate))

func clickOn(ctx context.Context, l *learner, ta *tally, done <-chan struct{}) {
	tick := time.NewTicker(clickEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		o := l.run(ctx, demo, map[string]string{"slow": shortRun}, nil)
		ta.add(o)
		var closed time.Time
		switch o.result {
		case "lost":
			closed = o.closed
		case "stopped":
			wctx, cancel := context.WithTimeout(ctx, shutdownGrace)
			var err error
			closed, _, err = l.waitClosed(wctx)
			cancel()
			if err != nil {
				ta.mu.Lock()
				ta.errs = append(ta.errs, err)
				ta.mu.Unlock()
				return
			}
		default:
			continue
		}
		d, err := l.reconnect(ctx, closed)
		ta.mu.Lock()
		if err != nil {
			ta.errs = append(ta.errs, err)
		} else {
			ta.reconnects = append(ta.reconnects, d)
		}
		ta.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// perAddressLimits opens sockets through nginx from one address as fast
// as it can, each closed at once: a classroom's worth gets through, then
// nginx's per-address limit_req answers 429 itself (no Retry-After: the
// course's own refusals carry one) — and another address is unaffected.
func (c *cluster) perAddressLimits(ctx context.Context, t *testing.T) {
	const class, tries = 40, 150
	crowd := newLearner(netip.AddrFrom4([4]byte{127, 0, 0, 200}), c.nginxURL())
	byNginx, byCourse := 0, 0
	for i := range tries {
		err := crowd.dial(ctx)
		if err == nil {
			crowd.close()
			continue
		}
		var de *socket.DialError
		switch {
		case !errors.As(err, &de) || de.Status != http.StatusTooManyRequests && de.Status != http.StatusServiceUnavailable:
			t.Fatalf("socket %d: %v, want it open or refused with 429/503", i+1, err)
		case i < class:
			t.Fatalf("socket %d of a class of %d refused: %v", i+1, class, err)
		case de.Header.Get("Retry-After") == "":
			byNginx++
		default:
			byCourse++
		}
	}
	t.Logf("%d sockets opened at once from one address: %d refused by nginx's limit_req, %d by the replicas' own caps", tries, byNginx, byCourse)
	if byNginx == 0 {
		t.Errorf("nginx refused none of %d sockets from one address at once: no per-address limit in front", tries)
	}
	neighbour := newLearner(netip.AddrFrom4([4]byte{127, 0, 0, 201}), c.nginxURL())
	if err := neighbour.dial(ctx); err != nil {
		t.Errorf("another address, right after: %v; want the limit per address", err)
	}
	neighbour.close()
}
