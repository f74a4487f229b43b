package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// HogConfig is one client hogging the course — many pages each keeping
// long runs going, and as many idle sockets as it can open — while
// learners from other addresses click Run and read a lesson page.
type HogConfig struct {
	Server

	// The hog, from 127.0.0.1.
	Pages       int // pages it opens
	RunsPerPage int // long runs each page keeps going
	HogDemo     string
	HogParams   map[string]string
	IdleSockets int // idle sockets it then tries to open, on top of its pages

	// The learners, from 127.0.0.2 on.
	Learners int
	// LearnerAddresses is how many addresses the learners come from,
	// taken in turn: 1 puts them all behind one (a classroom's NAT), zero
	// gives each learner its own.
	LearnerAddresses int
	Demo             string // what a learner clicks
	Params           map[string]string
	Page             string // the lesson page a learner reads, a path such as /lessons/spinner

	Idle     time.Duration // the server at rest, measured first: the baseline
	HogOnly  time.Duration // the hog alone, before the learners come
	Duration time.Duration // the learners clicking, the hog still there
	Timeout  time.Duration // give up on the whole after this long; zero: the three above + 2 min
}

// DefaultHog is the hog as perf/README.md measures it (issue 11): 40 pages
// × 2 spinners of 10 s and 2000 idle sockets, against 20 learners, each
// from an address of their own, clicking a 100 ms spinner every 0.5–1 s
// for 20 s.
func DefaultHog() HogConfig {
	return HogConfig{
		Pages: 40, RunsPerPage: 2, HogDemo: "spinner-goroutine", HogParams: map[string]string{"slow": "10s"},
		IdleSockets: 2000,
		Learners:    20, Demo: "spinner-goroutine", Params: map[string]string{"slow": "100ms", "frame": "20ms"},
		Page: "/lessons/spinner",
		Idle: 2 * time.Second, HogOnly: 5 * time.Second, Duration: 20 * time.Second,
	}
}

// How the hog and the learners behave, and the bounds on every loop.
const (
	hogRetry       = time.Second // the hog's pause after busy or a refused connect
	learnerMinWait = 500 * time.Millisecond
	learnerMaxWait = time.Second
	hogDialers     = 32 // idle sockets being opened at once

	maxHogPages         = 1000
	maxHogRunsPerPage   = 16
	maxHogIdleSockets   = 8000 // each is two descriptors in process; the limit is 20 000 here
	maxLearners         = 200  // 127.0.0.2 … 127.0.0.201
	maxHogConnects      = 10_000
	maxHogClicks        = 100_000
	maxLearnerClicks    = 10_000
	learnerAddressFirst = 2
)

// Validate checks cfg, both demos included, against catalog without
// starting anything. Its errors are *ConfigError.
func (cfg HogConfig) Validate(catalog *lessons.Catalog) error {
	if err := cfg.Server.validate(); err != nil {
		return err
	}
	if cfg.Target != "" {
		if err := checkIPv4Target(cfg.Target); err != nil {
			return &ConfigError{"Target", err}
		}
	}
	for _, f := range []struct {
		field    string
		n, least int
		most     int
	}{
		{"Pages", cfg.Pages, 1, maxHogPages},
		{"RunsPerPage", cfg.RunsPerPage, 1, maxHogRunsPerPage},
		{"IdleSockets", cfg.IdleSockets, 0, maxHogIdleSockets},
		{"Learners", cfg.Learners, 1, maxLearners},
		{"LearnerAddresses", cfg.LearnerAddresses, 0, cfg.Learners},
	} {
		if f.n < f.least || f.n > f.most {
			return &ConfigError{f.field, fmt.Errorf("must be between %d and %d", f.least, f.most)}
		}
	}
	if err := checkDemo(catalog, "HogDemo", "HogParams", cfg.HogDemo, cfg.HogParams); err != nil {
		return err
	}
	if err := checkDemo(catalog, "Demo", "Params", cfg.Demo, cfg.Params); err != nil {
		return err
	}
	if !strings.HasPrefix(cfg.Page, "/") {
		return &ConfigError{"Page", fmt.Errorf("%q is not a path such as /lessons/spinner", cfg.Page)}
	}
	for _, w := range []struct {
		field string
		d     time.Duration
		most  time.Duration
	}{{"Idle", cfg.Idle, time.Minute}, {"HogOnly", cfg.HogOnly, 10 * time.Minute}, {"Duration", cfg.Duration, 10 * time.Minute}} {
		if err := checkWindow(w.field, w.d, w.most); err != nil {
			return err
		}
	}
	if cfg.Timeout < 0 {
		return &ConfigError{"Timeout", errors.New("must not be negative")}
	}
	return nil
}

// learnerAddresses is how many addresses the learners really use.
func (cfg HogConfig) learnerAddresses() int {
	if cfg.LearnerAddresses == 0 {
		return cfg.Learners
	}
	return cfg.LearnerAddresses
}

// HogReport is what the learners got while the hog was there, and what the
// hog cost the server.
type HogReport struct {
	Config    HogConfig
	InProcess bool // the course was started in this process
	Separate  bool // the server is another process (Server.PID)

	// The hog's pages: connects that gave a socket, pages open at the end
	// of the learners' stretch, connects refused (by HTTP status) or
	// failed, and pages the server closed (by close code; -1 dropped).
	PageConnects, PagesOpen, PageFailed int64
	PageRefused, PageCloses             map[int]int64
	// The hog's idle sockets: opened, refused (by status), failed.
	IdleOpened, IdleFailed int64
	IdleRefused            map[int]int64
	// The hog's clicks: started at once or after the queue, queued first,
	// refused (busy, or another error; texts in HogErrors); and errors
	// without a run id, the answer to frames dropped over the budget (the
	// click they carried is lost: the page never hears of it again).
	HogStarted, HogQueued, HogBusy, HogOtherErrors, HogDropped int64
	HogErrors                                                  map[string]int64

	// The learners' clicks: each started (some after waiting in the
	// queue), got busy or another error (texts in Errors), got no answer
	// (the socket was lost), or found no socket (the connect was refused,
	// by status in LearnerRefused).
	Clicks, Started, StartedAfterQueue, Busy, OtherErrors, NoAnswer, NoSocket int64

	LearnerRefused map[int]int64
	Errors         map[string]int64
	ToStarted      []time.Duration // click → started, one per click that started
	PageTimes      []time.Duration // GET of the lesson page, to its last byte
	PageErrors     int64

	// The server's process: at rest, with the hog alone, with the hog
	// and the learners; and this process with the hog alone, when the
	// server is another.
	Idle, HogOnly, WithLearners, Attacker CPUUse
	// The server's memory and descriptors at rest, at the end of the
	// learners' stretch (the hog still there; PeakRSS the most since
	// rest), and once the hog has gone.
	RSSBefore, RSS, PeakRSS, RSSAfter int64
	FDsBefore, FDs, FDsAfter          int
	// Goroutines of this process at rest and once everyone has gone (in
	// process only).
	GoroutinesBaseline, GoroutinesAfter int
}

// StartedShare is the share of the learners' clicks that started.
func (r *HogReport) StartedShare() float64 {
	if r.Clicks == 0 {
		return 0
	}
	return float64(r.Started) / float64(r.Clicks)
}

// hogState is what the hog's and the learners' goroutines count as they go.
type hogState struct {
	cfg  HogConfig
	base string

	pageConnects, pagesOpen, pageFailed      atomic.Int64
	idleOpened, idleFailed                   atomic.Int64
	hogStarted, hogQueued, hogBusy, hogOther atomic.Int64
	hogDropped                               atomic.Int64

	clicks, started, afterQueue, busy, other, noAnswer, noSocket atomic.Int64
	pageErrors                                                   atomic.Int64

	mu                                             sync.Mutex
	pageRefused, pageCloses, idleRefused, lRefused map[int]int64
	hogErrors, errors                              map[string]int64
	toStarted, pageTimes                           []time.Duration
}

func (h *hogState) count(m map[int]int64, code int) {
	h.mu.Lock()
	m[code]++
	h.mu.Unlock()
}

func (h *hogState) reason(m map[string]int64, text string) {
	h.mu.Lock()
	m[text]++
	h.mu.Unlock()
}

// RunHog does one hog run: the course (unless cfg.Target); a quiet
// stretch to measure it at rest; the hog's pages, then its idle sockets;
// the hog alone for cfg.HogOnly; then the learners for cfg.Duration, the
// hog still there; then everyone leaves. When it gives up (cfg.Timeout,
// or ctx), the error comes with the report so far.
func RunHog(ctx context.Context, cfg HogConfig) (_ *HogReport, err error) {
	catalog, err := catalogOf(&cfg.Course)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(catalog); err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = cfg.Idle + cfg.HogOnly + cfg.Duration + 2*time.Minute
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := cfg.Server.open(runCtx)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, c.stop()) }()

	rep := &HogReport{Config: cfg, InProcess: c.inProcess, Separate: c.separate}
	if c.inProcess {
		rep.GoroutinesBaseline = steadyGoroutines()
	}
	rep.RSSBefore, rep.FDsBefore = c.server.status(vmRSS), c.server.fds()
	c.server.resetPeakRSS()
	rest, err := c.server.mark()
	if err != nil {
		return nil, err
	}
	pause(runCtx, cfg.Idle)
	if rep.Idle, err = rest.since(); err != nil {
		return nil, err
	}

	h := &hogState{
		cfg: cfg, base: c.base,
		pageRefused: map[int]int64{}, pageCloses: map[int]int64{}, idleRefused: map[int]int64{}, lRefused: map[int]int64{},
		hogErrors: map[string]int64{}, errors: map[string]int64{},
	}
	hogCtx, stopHog := context.WithCancel(runCtx)
	defer stopHog()
	hogTransport := transportFrom(attackerIP, false)
	defer hogTransport.CloseIdleConnections()
	var hog sync.WaitGroup
	var tried sync.WaitGroup // every page has tried to connect once
	for i := range cfg.Pages {
		tried.Add(1)
		hog.Go(func() { h.hogPage(hogCtx, hogTransport, i, &tried) })
	}
	tried.Wait()
	idle := h.openIdleSockets(hogCtx, hogTransport)
	defer func() {
		for _, s := range idle {
			s.CloseNow()
		}
	}()

	server, err := c.server.mark()
	if err != nil {
		return rep, err
	}
	self, err := c.self.mark()
	if err != nil {
		return rep, err
	}
	pause(runCtx, cfg.HogOnly)
	if rep.HogOnly, err = server.since(); err != nil {
		return rep, err
	}
	if c.separate {
		if rep.Attacker, err = self.since(); err != nil {
			return rep, err
		}
	}

	// The learners. Clicks still waiting when their stretch ends are
	// followed to their end (runCtx bounds them).
	phaseCtx, endPhase := context.WithTimeout(runCtx, cfg.Duration)
	defer endPhase()
	if server, err = c.server.mark(); err != nil {
		return rep, err
	}
	var learners sync.WaitGroup
	for i := range cfg.Learners {
		learners.Go(func() { h.learner(phaseCtx, runCtx, i) })
	}
	<-phaseCtx.Done()
	rep.WithLearners, err = server.since()
	rep.RSS, rep.PeakRSS, rep.FDs = c.server.status(vmRSS), c.server.status(vmHWM), c.server.fds()
	rep.PagesOpen = h.pagesOpen.Load()
	learners.Wait()
	if err != nil {
		return rep, err
	}

	// The hog leaves.
	stopHog()
	hog.Wait()
	for _, s := range idle {
		s.CloseNow()
	}
	hogTransport.CloseIdleConnections()
	if c.inProcess {
		rep.GoroutinesAfter = settleGoroutines(runCtx, rep.GoroutinesBaseline)
	} else {
		pause(runCtx, time.Second) // the server's side of every socket winds down
	}
	rep.RSSAfter, rep.FDsAfter = c.server.status(vmRSS), c.server.fds()
	h.fill(rep)

	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("load: stopped: %w", err)
	}
	if err := runCtx.Err(); err != nil {
		return rep, fmt.Errorf("load: gave up after %v: %w", timeout, err)
	}
	return rep, nil
}

// fill copies the counts into the report.
func (h *hogState) fill(r *HogReport) {
	r.PageConnects, r.PageFailed = h.pageConnects.Load(), h.pageFailed.Load()
	r.IdleOpened, r.IdleFailed = h.idleOpened.Load(), h.idleFailed.Load()
	r.HogStarted, r.HogQueued, r.HogBusy, r.HogOtherErrors = h.hogStarted.Load(), h.hogQueued.Load(), h.hogBusy.Load(), h.hogOther.Load()
	r.HogDropped = h.hogDropped.Load()
	r.Clicks, r.Started, r.StartedAfterQueue = h.clicks.Load(), h.started.Load(), h.afterQueue.Load()
	r.Busy, r.OtherErrors, r.NoAnswer, r.NoSocket = h.busy.Load(), h.other.Load(), h.noAnswer.Load(), h.noSocket.Load()
	r.PageErrors = h.pageErrors.Load()
	h.mu.Lock()
	defer h.mu.Unlock()
	r.PageRefused, r.PageCloses, r.IdleRefused = maps.Clone(h.pageRefused), maps.Clone(h.pageCloses), maps.Clone(h.idleRefused)
	r.LearnerRefused, r.HogErrors, r.Errors = maps.Clone(h.lRefused), maps.Clone(h.hogErrors), maps.Clone(h.errors)
	r.ToStarted, r.PageTimes = slices.Clone(h.toStarted), slices.Clone(h.pageTimes)
}

// hogPage keeps one of the hog's pages open — connecting again after a
// refusal or when the server closes it — with RunsPerPage long runs going
// on it, clicking again whenever one ends (at once after an exit, after a
// pause when refused).
func (h *hogState) hogPage(ctx context.Context, tr *http.Transport, i int, tried *sync.WaitGroup) {
	first := true
	defer func() {
		if first {
			tried.Done()
		}
	}()
	for range maxHogConnects {
		if ctx.Err() != nil {
			return
		}
		c, err := dialFrom(ctx, h.base, tr)
		if first {
			first = false
			tried.Done()
		}
		if err != nil {
			if status := refusal(err); status != 0 {
				h.count(h.pageRefused, status)
			} else if ctx.Err() == nil {
				h.pageFailed.Add(1)
			}
			pause(ctx, hogRetry)
			continue
		}
		h.pageConnects.Add(1)
		h.pagesOpen.Add(1)
		p := &muxPage{c: c, ends: map[string]chan socket.Message{}, queued: map[string]bool{}, gone: make(chan struct{})}
		go p.read(ctx, h)
		var slots sync.WaitGroup
		for slot := range h.cfg.RunsPerPage {
			slots.Go(func() { h.keepRunning(ctx, p, fmt.Sprintf("p%d-%d", i, slot)) })
		}
		slots.Wait()
		c.CloseNow()
		<-p.gone
		h.pagesOpen.Add(-1)
		if ctx.Err() == nil {
			h.count(h.pageCloses, p.code)
		}
	}
}

// keepRunning keeps one long run going on page p until the page is gone or
// the hog leaves.
func (h *hogState) keepRunning(ctx context.Context, p *muxPage, slot string) {
	for k := range maxHogClicks {
		end, err := p.click(ctx, fmt.Sprintf("%s-%d", slot, k), h.cfg.HogDemo, h.cfg.HogParams)
		if err != nil {
			return
		}
		select {
		case m := <-end:
			if m.Type == "error" {
				if isBusy(m) {
					h.hogBusy.Add(1)
				} else {
					h.hogOther.Add(1)
				}
				h.reason(h.hogErrors, m.Error)
				if !pause(ctx, hogRetry) {
					return
				}
			}
		case <-p.gone:
			return
		case <-ctx.Done():
			return
		}
	}
}

// openIdleSockets has the hog try to open cfg.IdleSockets sockets that do
// nothing but answer the server's pings, a few at a time, and returns
// those it got.
func (h *hogState) openIdleSockets(ctx context.Context, tr *http.Transport) []*socket.Client {
	var (
		mu     sync.Mutex
		opened []*socket.Client
		next   atomic.Int64
		wg     sync.WaitGroup
	)
	for range min(hogDialers, h.cfg.IdleSockets) {
		wg.Go(func() {
			for next.Add(1) <= int64(h.cfg.IdleSockets) && ctx.Err() == nil {
				c, err := dialFrom(ctx, h.base, tr)
				if err != nil {
					if status := refusal(err); status != 0 {
						h.count(h.idleRefused, status)
					} else if ctx.Err() == nil {
						h.idleFailed.Add(1)
					}
					continue
				}
				// Reads in the background, so pings are answered; a
				// frame would close it, but an idle socket gets none.
				c.Conn().CloseRead(ctx)
				h.idleOpened.Add(1)
				mu.Lock()
				opened = append(opened, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return opened
}

// muxPage is one socket with several runs at once: a reader hands each run
// its end (exit, or the error that refused it) and counts the others.
type muxPage struct {
	c      *socket.Client
	mu     sync.Mutex
	ends   map[string]chan socket.Message
	queued map[string]bool
	gone   chan struct{} // closed when the socket has closed
	code   int           // its close code, -1 when dropped; set before gone closes
}

func (p *muxPage) click(ctx context.Context, id, demo string, params map[string]string) (<-chan socket.Message, error) {
	end := make(chan socket.Message, 1)
	p.mu.Lock()
	p.ends[id] = end
	p.mu.Unlock()
	if err := p.c.Run(ctx, id, demo, params); err != nil {
		return nil, err
	}
	return end, nil
}

func (p *muxPage) read(ctx context.Context, h *hogState) {
	defer close(p.gone)
	for {
		m, err := p.c.Next(ctx)
		if err != nil {
			p.code = int(websocket.CloseStatus(err))
			return
		}
		switch m.Type {
		case "started":
			h.hogStarted.Add(1)
		case "queued":
			p.mu.Lock()
			if !p.queued[m.ID] {
				p.queued[m.ID] = true
				h.hogQueued.Add(1)
			}
			p.mu.Unlock()
		case "exit", "error":
			p.mu.Lock()
			end := p.ends[m.ID]
			delete(p.ends, m.ID)
			delete(p.queued, m.ID)
			p.mu.Unlock()
			if end != nil {
				end <- m // buffered: one end per run
			} else if m.Type == "error" {
				// A frame dropped over the budget is answered (once a
				// streak) without its run id: that click is lost.
				h.hogDropped.Add(1)
				h.reason(h.hogErrors, "(no run id) "+m.Error)
			}
		}
	}
}

// learner is learner i: from its address it clicks Run every 0.5–1 s on
// one page, following each click to its end, and reads the lesson page
// every 0.5–1 s, until phase ends. A click still waiting then is followed
// to its end, within run.
func (h *hogState) learner(phase, run context.Context, i int) {
	ip := loopbackIP(learnerAddressFirst + i%h.cfg.learnerAddresses())
	wsTransport, pageTransport := transportFrom(ip, false), transportFrom(ip, true)
	defer wsTransport.CloseIdleConnections()
	defer pageTransport.CloseIdleConnections()
	rng := rand.New(rand.NewPCG(uint64(i), 11))
	between := func() time.Duration {
		return learnerMinWait + time.Duration(rng.Int64N(int64(learnerMaxWait-learnerMinWait)))
	}

	reading := make(chan struct{})
	go func() {
		defer close(reading)
		client := &http.Client{Transport: pageTransport, Timeout: 10 * time.Second}
		pageRNG := rand.New(rand.NewPCG(uint64(i), 12))
		for range maxLearnerClicks {
			if !pause(phase, learnerMinWait+time.Duration(pageRNG.Int64N(int64(learnerMaxWait-learnerMinWait)))) {
				return
			}
			took, err := getPage(run, client, h.base+h.cfg.Page)
			if err != nil {
				h.pageErrors.Add(1)
				continue
			}
			h.mu.Lock()
			h.pageTimes = append(h.pageTimes, took)
			h.mu.Unlock()
		}
	}()
	defer func() { <-reading }()

	var c *socket.Client
	defer func() {
		if c != nil {
			c.CloseNow()
		}
	}()
	for k := range maxLearnerClicks {
		if !pause(phase, between()) {
			return
		}
		h.clicks.Add(1)
		if c == nil {
			var err error
			if c, err = dialFrom(run, h.base, wsTransport); err != nil {
				h.noSocket.Add(1)
				h.count(h.lRefused, refusal(err))
				c = nil
				continue
			}
		}
		id := fmt.Sprintf("c%d", k)
		sent := time.Now()
		var toStarted time.Duration
		queued := false
		err := c.Run(run, id, h.cfg.Demo, h.cfg.Params)
		var end socket.Message
		if err == nil {
			end, err = c.Follow(run, id, func(m socket.Message) {
				switch m.Type {
				case "queued":
					queued = true
				case "started":
					toStarted = time.Since(sent)
				}
			})
		}
		switch {
		case toStarted > 0:
			h.started.Add(1)
			if queued {
				h.afterQueue.Add(1)
			}
			h.mu.Lock()
			h.toStarted = append(h.toStarted, toStarted)
			h.mu.Unlock()
		case err != nil:
			h.noAnswer.Add(1)
		case isBusy(end):
			h.busy.Add(1)
			h.reason(h.errors, end.Error)
		default:
			h.other.Add(1)
			h.reason(h.errors, end.Type+": "+end.Error)
		}
		if err != nil {
			c.CloseNow()
			c = nil
		}
	}
}

// Print writes the report as `walkthrough-load` shows it.
func (r *HogReport) Print(w io.Writer) {
	cfg := r.Config
	addrs := cfg.learnerAddresses()
	from := loopbackIP(learnerAddressFirst).String()
	if addrs > 1 {
		from += "–" + loopbackIP(learnerAddressFirst+addrs-1).String()
	}
	fmt.Fprintf(w, "hog: %d pages × %d runs of %s, then %d idle sockets, from %s; %d learners from %s, each clicking %s and reading %s every %v–%v, for %v after %v of the hog alone; %s\n",
		cfg.Pages, cfg.RunsPerPage, demoLine(cfg.HogDemo, cfg.HogParams), cfg.IdleSockets, attackerIP,
		cfg.Learners, from, demoLine(cfg.Demo, cfg.Params), cfg.Page, learnerMinWait, learnerMaxWait,
		cfg.Duration, cfg.HogOnly, cfg.Server.describe())
	fmt.Fprintf(w, "hog pages      %d open at the end; %d connects, refused %s, failed %d; closed by the server: %s\n",
		r.PagesOpen, r.PageConnects, byCode(r.PageRefused), r.PageFailed, byCode(r.PageCloses))
	fmt.Fprintf(w, "hog idle       %d of %d opened; refused %s, failed %d\n", r.IdleOpened, cfg.IdleSockets, byCode(r.IdleRefused), r.IdleFailed)
	fmt.Fprintf(w, "hog runs       started %d, queued first %d, busy %d, other error %d, dropped over the frame budget %d\n",
		r.HogStarted, r.HogQueued, r.HogBusy, r.HogOtherErrors, r.HogDropped)
	printReasons(w, r.HogErrors)
	fmt.Fprintf(w, "learners       %d clicks: %d started (%.2f %%; %d after waiting in the queue), busy %d, other error %d, no answer %d, no socket %d\n",
		r.Clicks, r.Started, 100*r.StartedShare(), r.StartedAfterQueue, r.Busy, r.OtherErrors, r.NoAnswer, r.NoSocket)
	printReasons(w, r.Errors)
	if r.NoSocket > 0 {
		fmt.Fprintf(w, "  learners' connects refused: %s\n", byCode(r.LearnerRefused))
	}
	printTimes(w, "click → started", r.ToStarted, "clicks")
	printTimes(w, "page", r.PageTimes, fmt.Sprintf("GETs, %d errors", r.PageErrors))
	whose := "server process"
	if !r.Separate {
		whose = "this process: server, hog and learners"
	}
	fmt.Fprintf(w, "cpu            at rest %s, hog alone %s (%s above rest), hog and learners %s of a core (%s)\n",
		percent(r.Idle.Cores()), percent(r.HogOnly.Cores()), percent(r.HogOnly.Above(r.Idle)), percent(r.WithLearners.Cores()), whose)
	if r.Separate {
		fmt.Fprintf(w, "attacker cpu   hog alone: %s of a core (this process)\n", percent(r.Attacker.Cores()))
	}
	fmt.Fprintf(w, "server memory  RSS %s at rest, %s with the hog (peak %s), %s after it left (%s)\n", mib(r.RSSBefore), mib(r.RSS), mib(r.PeakRSS), mib(r.RSSAfter), whose)
	fmt.Fprintf(w, "server fds     %d at rest, %d with the hog, %d after it left (%s)\n", r.FDsBefore, r.FDs, r.FDsAfter, whose)
	if r.InProcess {
		fmt.Fprintf(w, "goroutines     baseline %d, after %d: %s\n", r.GoroutinesBaseline, r.GoroutinesAfter, backToBaseline(r.GoroutinesBaseline, r.GoroutinesAfter))
	}
}

// printReasons lists error texts with how many got each, most first.
func printReasons(w io.Writer, m map[string]int64) {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return int(m[b] - m[a])
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		fmt.Fprintf(w, "  %6d × %s\n", m[k], k)
	}
}

// printTimes writes p50, p99 and max of d.
func printTimes(w io.Writer, name string, d []time.Duration, what string) {
	d = slices.Clone(d)
	fmt.Fprintf(w, "%-18s p50 %-9v p99 %-9v max %-9v (%d %s)\n", name,
		percentile(d, 50).Round(10*time.Microsecond), percentile(d, 99).Round(10*time.Microsecond),
		percentile(d, 100).Round(10*time.Microsecond), len(d), what)
}
