// Package load measures the course's server under load, in scenarios
// (`walkthrough-load -scenario`, its command line; perf/README.md holds
// the figures):
//
//   - clicks (Run): N clients (socket.Client, the protocol's one Go
//     client) all send run at the same moment; what each got and how fast,
//     with the process's peak memory and goroutines before, at the peak
//     and after.
//   - hog (RunHog): one client holds pages with long runs and as many idle
//     sockets as it can open, while learners from other loopback addresses
//     click Run and read a lesson page: how many clicks start, how fast,
//     the page latency, and what the hog costs the server.
//   - bad-frames, ping-flood, storm (RunFlood): one client floods the
//     server for a few seconds; the server's CPU per second of attack,
//     against its CPU at rest, and what the attacker got back.
//
// The server is the real one: a course already running on loopback, or
// one started in this process with web.NewCourse. Traffic only ever goes
// to loopback, every loop is bounded in count and in time, and every
// scenario stops by itself. When the server runs in another process
// (Server.PID), its CPU, memory and descriptors are read from /proc/PID,
// apart from the clients'.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// MaxClients bounds one load run: it is a measuring tool for this
// machine, not a way to flood a server.
const MaxClients = 5000

// DefaultTimeout is how long a load run may take when Config.Timeout is
// zero.
const DefaultTimeout = 2 * time.Minute

// runID is the id every client gives its one run.
const runID = "load"

// Config is one load run.
type Config struct {
	Clients int               // clients connected at once, each running Demo once: 1 to MaxClients
	Demo    string            // the demo every client runs
	Params  map[string]string // its parameters, as a page sends them
	// Addresses is how many loopback addresses the clients come from,
	// taken in turn (127.1.0.1, 127.1.0.2, ...): the server's per-client
	// caps count each address as one client. Zero gives every client its
	// own, as so many learners; 1 sends them all from 127.0.0.1, as one
	// client with many pages.
	Addresses int

	// Target is the base URL of a course already running on loopback
	// ("http://127.0.0.1:8080"). Empty starts the course in this process
	// with web.NewCourse(Course), on a free loopback port.
	Target string
	Course web.CourseConfig
	// Listen opens the in-process course's listener; nil is net.Listen.
	Listen func(network, addr string) (net.Listener, error)
	// ServerFlags tell the report how Course was set on the command line,
	// e.g. "-runs-global=5".
	ServerFlags []string

	Timeout time.Duration // give up on the whole load after this long; zero is DefaultTimeout
	// StopAfter, when set, makes every client stop its run this long after
	// started, to measure stop → exit.
	StopAfter time.Duration
}

// ConfigError is a Config that cannot run. Field names the field at fault.
type ConfigError struct {
	Field string // the field of Config, HogConfig or FloodConfig
	Err   error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("load: %s: %v", e.Field, e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

// Validate checks cfg, demo and parameters included, against catalog
// without starting anything. Its errors are *ConfigError.
func (cfg Config) Validate(catalog *lessons.Catalog) error {
	if cfg.Clients < 1 || cfg.Clients > MaxClients {
		return &ConfigError{"Clients", fmt.Errorf("must be between 1 and %d", MaxClients)}
	}
	if cfg.Addresses < 0 || cfg.Addresses > cfg.Clients {
		return &ConfigError{"Addresses", fmt.Errorf("must be between 0 and the %d clients", cfg.Clients)}
	}
	if cfg.Target != "" {
		if err := checkLoopbackURL(cfg.Target); err != nil {
			return &ConfigError{"Target", err}
		}
		if cfg.Addresses != 1 {
			if err := checkIPv4Target(cfg.Target); err != nil {
				return &ConfigError{"Target", err}
			}
		}
	}
	if cfg.Timeout < 0 {
		return &ConfigError{"Timeout", errors.New("must not be negative")}
	}
	if cfg.StopAfter < 0 {
		return &ConfigError{"StopAfter", errors.New("must not be negative")}
	}
	d, ok := catalog.Registry().Lookup(cfg.Demo)
	if !ok {
		return &ConfigError{"Demo", fmt.Errorf("unknown demo %q", cfg.Demo)}
	}
	if _, err := d.Parse(cfg.Params); err != nil {
		return &ConfigError{"Params", err}
	}
	return nil
}

// ParseParams reads parameters written name=value,name=value, as the
// command line takes them. A piece without '=' belongs to the value before
// it, so lists and choices keep their commas. A name given twice is an
// error: one of the two would be lost.
func ParseParams(s string) (map[string]string, error) {
	out := map[string]string{}
	last := ""
	for _, piece := range strings.Split(s, ",") {
		if strings.TrimSpace(piece) == "" {
			continue
		}
		name, value, ok := strings.Cut(piece, "=")
		if !ok {
			if last == "" {
				return nil, fmt.Errorf("parameter %q should be written name=value", piece)
			}
			out[last] += "," + piece
			continue
		}
		name = strings.TrimSpace(name)
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("parameter %q is given twice", name)
		}
		out[name], last = value, name
	}
	return out, nil
}

// checkLoopbackURL refuses to aim the load anywhere but this machine.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not a URL such as http://127.0.0.1:8080", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not on loopback: load only measures this machine", raw)
	}
	return nil
}

// Outcome is how one client's run ended.
type Outcome int

// The outcomes a client can see.
const (
	NoAnswer     Outcome = iota // connection lost or timed out before exit
	ExitOK                      // exit with ok
	ExitFailed                  // exit with an error (timeout, the demo's own)
	ExitStopped                 // exit with stopped, after this client said stop
	Busy                        // refused: a run cap was full
	OtherError                  // refused for another reason
	NotConnected                // the websocket could not be opened
)

// clientResult is what one client saw. Durations count from sending run.
type clientResult struct {
	outcome     Outcome
	detail      string // the error text of a refusal or failure
	started     time.Duration
	firstOutput time.Duration
	answered    time.Duration // started or error
	stopToExit  time.Duration // from sending stop to the exit frame
	queued      bool          // the run waited in the server's queue first
	// told is the first wait the server expected (wait_ms on queued) and
	// waited what it then took, from that frame to started.
	told, waited time.Duration
	frames       int
}

// Report is the outcome of a load run.
type Report struct {
	Config      Config
	InProcess   bool // the course was started by Run
	Connected   int
	ConnectTime time.Duration   // for every client to connect
	Outcomes    map[Outcome]int // clients by outcome
	Details     map[string]int  // failure texts, with how many clients got each

	// Times from sending run, one per client that got that far: to
	// started, to the first output, to started or error; and from sending
	// stop to exit (with StopAfter).
	Started, FirstOutput, Answered, StopToExit []time.Duration

	// Pages are the times of GET /lessons/spinner, one every 50 ms from
	// the moment every client sent run until the last run ended: what a
	// learner reading a lesson meanwhile waits.
	Pages      []time.Duration
	PageErrors int

	Queued int // clients whose run waited in the queue first (then started, or busy)
	// Told and Waited pair, for each queued client that was told a wait
	// (wait_ms) and then started, the wait told and the wait it had.
	Told, Waited []time.Duration
	Frames       int           // read by all clients together
	Wall         time.Duration // from the moment every client sent run

	RSSBefore, RSSPeak int64 // bytes; -1 where /proc is not there
	// Goroutines of this process before the clients, at the peak, and
	// once they have all gone.
	GoroutinesBaseline, GoroutinesPeak, GoroutinesAfter int
}

// Run does one load run: the course (unless cfg.Target), cfg.Clients
// clients connected first, then all sending run at the same moment, each
// reading its run to the end. It checks cfg against the course's catalog
// before starting anything. When it gives up (cfg.Timeout, or ctx), the
// error comes with the report so far.
func Run(ctx context.Context, cfg Config) (_ *Report, err error) {
	catalog := cfg.Course.Catalog
	if catalog == nil {
		if catalog, err = lessons.Load(); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		cfg.Course.Catalog = catalog // loaded once, for the check and the course
	}
	if err := cfg.Validate(catalog); err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rep := &Report{Config: cfg, Outcomes: map[Outcome]int{}, Details: map[string]int{}, InProcess: cfg.Target == ""}

	base := strings.TrimSuffix(cfg.Target, "/")
	if rep.InProcess {
		url, stop, err := startCourse(cfg)
		if err != nil {
			return nil, err
		}
		defer func() { err = errors.Join(err, stop()) }()
		base = url
	}

	// One HTTP client for the handshakes from each address, whose pools
	// are emptied at the end.
	addresses := cfg.Addresses
	if addresses == 0 {
		addresses = cfg.Clients
	}
	dials := make([]*socket.DialOptions, addresses)
	for i := range dials {
		ip := loopbackIP(1)
		if cfg.Addresses != 1 {
			ip = clickerIP(i)
		}
		transport := transportFrom(ip, true)
		transport.MaxIdleConnsPerHost = -1 // none kept: a refused upgrade's connection is closed
		defer transport.CloseIdleConnections()
		dials[i] = &socket.DialOptions{
			HTTPClient: &http.Client{Transport: transport},
			Header:     http.Header{"Origin": {base}}, // what a page of the course sends
		}
	}

	if err := waitReady(runCtx, base); err != nil {
		return nil, err
	}
	self := selfProc()
	rep.RSSBefore = self.status(vmRSS)
	self.resetPeakRSS()
	rep.GoroutinesBaseline = steadyGoroutines()
	sampled := make(chan int)
	stopSampling := make(chan struct{})
	go sampleGoroutines(stopSampling, sampled)

	results := make([]clientResult, cfg.Clients)
	var connected, finished sync.WaitGroup
	begin := make(chan struct{}) // closed when every client has dialled
	connectStart := time.Now()
	for i := range results {
		connected.Add(1)
		finished.Go(func() { results[i] = runClient(runCtx, cfg, base, dials[i%addresses], &connected, begin) })
	}
	connected.Wait()
	rep.ConnectTime = time.Since(connectStart)
	runStart := time.Now()
	close(begin)
	pagesDone := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() { rep.Pages, rep.PageErrors = readPages(runCtx, base, pagesDone) })
	finished.Wait()
	rep.Wall = time.Since(runStart)
	close(pagesDone)
	reader.Wait()

	for _, r := range results {
		rep.Outcomes[r.outcome]++
		if r.outcome != NotConnected {
			rep.Connected++
		}
		if r.detail != "" {
			rep.Details[r.detail]++
		}
		if r.started > 0 {
			rep.Started = append(rep.Started, r.started)
		}
		if r.firstOutput > 0 {
			rep.FirstOutput = append(rep.FirstOutput, r.firstOutput)
		}
		if r.answered > 0 {
			rep.Answered = append(rep.Answered, r.answered)
		}
		if r.stopToExit > 0 {
			rep.StopToExit = append(rep.StopToExit, r.stopToExit)
		}
		rep.Frames += r.frames
		if r.queued {
			rep.Queued++
		}
		if r.told > 0 && r.waited > 0 {
			rep.Told = append(rep.Told, r.told)
			rep.Waited = append(rep.Waited, r.waited)
		}
	}

	close(stopSampling)
	rep.GoroutinesPeak = <-sampled
	rep.RSSPeak = self.status(vmHWM)
	// Every client has closed; the server's side of each connection winds
	// down on its own. Wait (a little) for the count to come back: there
	// is no event for "every connection's goroutines have returned".
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rep.GoroutinesAfter = runtime.NumGoroutine()
		if rep.GoroutinesAfter <= rep.GoroutinesBaseline || time.Now().After(deadline) || runCtx.Err() != nil {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("load: stopped: %w", err)
	}
	if err := runCtx.Err(); err != nil {
		return rep, fmt.Errorf("load: gave up after %v: %w", timeout, err)
	}
	return rep, nil
}

// startCourse serves the course in this process on a free loopback port,
// built by web.NewCourse as `walkthrough serve` builds it. It returns the
// course's base URL and how to stop it.
func startCourse(cfg Config) (string, func() error, error) {
	course, err := web.NewCourse(cfg.Course)
	if err != nil {
		return "", nil, fmt.Errorf("load: %w", err)
	}
	listen := cfg.Listen
	if listen == nil {
		listen = net.Listen
	}
	ln, err := listen("tcp", "127.0.0.1:0")
	if err != nil {
		course.Shutdown(context.Background())
		return "", nil, fmt.Errorf("load: listen: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- course.Serve(ln) }()
	// Clients come once the lessons are rendered (the runtimes probed),
	// as learners would, not into the start-up.
	ready, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := course.Ready(ready); err != nil {
		course.Shutdown(context.Background())
		<-served
		return "", nil, fmt.Errorf("load: %w", err)
	}
	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := course.Shutdown(ctx)
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if err != nil {
			return fmt.Errorf("load: stopping the course: %w", err)
		}
		return nil
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// waitReady asks the course for /healthz: the target must be a course that
// answers, and the baseline must include the server at work.
func waitReady(ctx context.Context, base string) error {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("load: the course at %s does not answer: %w", base, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("load: %s/healthz answered %s", base, resp.Status)
	}
	return nil
}

// pageEvery is how often the page reader asks for a lesson page while
// the clients run.
const pageEvery = 50 * time.Millisecond

// readPages reads /lessons/spinner every pageEvery, from an address of its
// own (127.0.0.2) on one kept-alive connection, until done is closed, and
// returns how long each took and how many failed.
func readPages(ctx context.Context, base string, done <-chan struct{}) (times []time.Duration, errs int) {
	tr := transportFrom(loopbackIP(2), true)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	tick := time.NewTicker(pageEvery)
	defer tick.Stop()
	for {
		took, err := getPage(ctx, client, base+"/lessons/spinner")
		if err != nil {
			errs++
		} else {
			times = append(times, took)
		}
		select {
		case <-done:
			return times, errs
		case <-ctx.Done():
			return times, errs
		case <-tick.C:
		}
	}
}

// steadyGoroutines counts goroutines once the count has stopped moving
// (connections just closed take a moment to wind down), for at most 1 s.
func steadyGoroutines() int {
	n := runtime.NumGoroutine()
	for i, same := 0, 0; i < 50 && same < 5; i++ {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}

// runClient dials, waits for the signal, runs the demo once and reads
// every frame of the run up to its end.
func runClient(ctx context.Context, cfg Config, base string, opts *socket.DialOptions,
	connected *sync.WaitGroup, start <-chan struct{}) (res clientResult) {
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	c, err := socket.Dial(dialCtx, base, opts)
	cancel()
	connected.Done()
	if err != nil {
		return clientResult{outcome: NotConnected, detail: "dial: " + shortError(err)}
	}
	defer c.CloseNow()
	select {
	case <-start:
	case <-ctx.Done():
		return clientResult{outcome: NoAnswer, detail: "never started"}
	}
	sent := time.Now()
	if err := c.Run(ctx, runID, cfg.Demo, cfg.Params); err != nil {
		return clientResult{outcome: NoAnswer, detail: shortError(err)}
	}
	var toldAt time.Duration
	stopSent := make(chan time.Time, 1)
	stopped := false // this client said stop before the exit came
	var stopper *time.Timer
	defer func() {
		if stopper != nil {
			stopper.Stop()
		}
	}()
	end, err := c.Follow(ctx, runID, func(m socket.Message) {
		res.frames++
		switch m.Type {
		case "queued":
			res.queued = true
			if m.WaitMs > 0 && res.told == 0 {
				res.told, toldAt = time.Duration(m.WaitMs)*time.Millisecond, time.Since(sent)
			}
		case "started":
			res.started = time.Since(sent)
			if res.told > 0 {
				res.waited = res.started - toldAt
			}
			res.answered = res.started
			if cfg.StopAfter > 0 {
				stopper = time.AfterFunc(cfg.StopAfter, func() {
					stopSent <- time.Now() // before the write: the exit may beat Stop's return
					c.Stop(ctx, runID)
				})
			}
		case "output":
			if res.firstOutput == 0 {
				res.firstOutput = time.Since(sent)
			}
		case "exit":
			select {
			case at := <-stopSent:
				res.stopToExit, stopped = time.Since(at), true
			default:
			}
		case "error":
			res.answered = time.Since(sent)
		}
	})
	if err != nil {
		res.outcome, res.detail = NoAnswer, shortError(err)
		return res
	}
	switch end.Type {
	case "exit":
		res.outcome = ExitOK
		if end.OK == nil || !*end.OK {
			res.outcome, res.detail = ExitFailed, "exit: "+end.Error
		}
		if stopped && end.Code == socket.CodeStopped {
			res.outcome, res.detail = ExitStopped, ""
		}
	case "error":
		res.outcome = OtherError
		if isBusy(end) {
			res.outcome = Busy
		}
		res.detail = "error: " + end.Error
	}
	c.Close()
	return res
}

// shortError keeps failure texts groupable: the first line, no addresses,
// without the client's package prefix ("read: ...", "write: ...").
func shortError(err error) string {
	s := strings.TrimPrefix(strings.SplitN(err.Error(), "\n", 2)[0], "socket: ")
	return addrPattern.ReplaceAllString(s, "ADDR")
}

var addrPattern = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+`)

// sampleGoroutines reports the most goroutines seen until stop is closed.
func sampleGoroutines(stop <-chan struct{}, peak chan<- int) {
	most := runtime.NumGoroutine()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			most = max(most, runtime.NumGoroutine())
		case <-stop:
			peak <- most
			return
		}
	}
}

// percentile is the nearest-rank p-th percentile of d (sorted in place).
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d))*p/100+0.5) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// Print writes the report as `walkthrough-load` shows it.
func (r *Report) Print(w io.Writer) {
	where := "server in this process"
	if !r.InProcess {
		where = "server at " + r.Config.Target
	}
	if len(r.Config.ServerFlags) > 0 {
		where += " " + strings.Join(r.Config.ServerFlags, " ")
	}
	var params []string
	for _, k := range slices.Sorted(maps.Keys(r.Config.Params)) {
		params = append(params, k+"="+r.Config.Params[k])
	}
	demo := strings.Join(append([]string{r.Config.Demo}, params...), " ")
	from := fmt.Sprintf("each from its own loopback address, %s on", clickerIP(0))
	switch r.Config.Addresses {
	case 0:
	case 1:
		from = "all from " + loopbackIP(1).String()
	default:
		from = fmt.Sprintf("from %d loopback addresses, %s on", r.Config.Addresses, clickerIP(0))
	}
	fmt.Fprintf(w, "load: %d clients (%s), demo %s, %s\n", r.Config.Clients, from, demo, where)
	fmt.Fprintf(w, "connected      %d of %d in %v\n", r.Connected, r.Config.Clients, r.ConnectTime.Round(time.Millisecond))
	fmt.Fprintf(w, "exit ok        %d\n", r.Outcomes[ExitOK])
	fmt.Fprintf(w, "exit failed    %d\n", r.Outcomes[ExitFailed])
	if r.Config.StopAfter > 0 {
		fmt.Fprintf(w, "exit stopped   %d (stopped by the client %v after started)\n", r.Outcomes[ExitStopped], r.Config.StopAfter)
	}
	fmt.Fprintf(w, "queued first   %d (then started, or busy after the wait)\n", r.Queued)
	fmt.Fprintf(w, "busy           %d\n", r.Outcomes[Busy])
	fmt.Fprintf(w, "other error    %d\n", r.Outcomes[OtherError])
	fmt.Fprintf(w, "no answer      %d\n", r.Outcomes[NoAnswer]+r.Outcomes[NotConnected])
	for _, d := range slices.Sorted(maps.Keys(r.Details)) {
		if !strings.HasPrefix(d, "error: busy") {
			fmt.Fprintf(w, "  %5d × %s\n", r.Details[d], d)
		}
	}
	line := func(name string, d []time.Duration, unit string) {
		fmt.Fprintf(w, "%-22s p50 %-9v p99 %-9v max %-9v (%d %s)\n", name,
			percentile(d, 50).Round(10*time.Microsecond), percentile(d, 99).Round(10*time.Microsecond),
			percentile(d, 100).Round(10*time.Microsecond), len(d), unit)
	}
	line("run → started", r.Started, "clients")
	line("run → first output", r.FirstOutput, "clients")
	line("run → started|error", r.Answered, "clients")
	line("page GET", r.Pages, fmt.Sprintf("pages, %d errors", r.PageErrors))
	if len(r.Told) > 0 {
		// How far the wait a queued click was told is from the wait it had.
		var off []time.Duration
		for i := range r.Told {
			off = append(off, (r.Told[i] - r.Waited[i]).Abs())
		}
		line("queued: wait told", slices.Clone(r.Told), "clients")
		line("queued: wait had", slices.Clone(r.Waited), "clients")
		line("queued: |told − had|", off, "clients")
	}
	if r.Config.StopAfter > 0 {
		line("stop → exit", r.StopToExit, "clients")
	}
	fmt.Fprintf(w, "frames read    %d\n", r.Frames)
	fmt.Fprintf(w, "wall time      %v (from the moment every client sent run)\n", r.Wall.Round(time.Millisecond))
	if r.RSSPeak > 0 {
		fmt.Fprintf(w, "peak RSS       %.1f MiB (VmHWM of this process; %.1f MiB before the clients)\n",
			float64(r.RSSPeak)/(1<<20), float64(r.RSSBefore)/(1<<20))
	}
	back := "back to baseline"
	if r.GoroutinesAfter > r.GoroutinesBaseline {
		back = "NOT back to baseline"
	}
	fmt.Fprintf(w, "goroutines     baseline %d, peak %d, after %d: %s\n", r.GoroutinesBaseline, r.GoroutinesPeak, r.GoroutinesAfter, back)
}

// isBusy reports whether a frame refuses a run for want of room: the
// server's, the page's or the client's (busy), or a start rate (too_fast).
func isBusy(m socket.Message) bool {
	return m.Code == socket.CodeBusy || m.Code == socket.CodeTooFast
}
