package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// maxLoadClients bounds one load run: it is a measuring tool for this
// machine, not a way to flood a server.
const maxLoadClients = 5000

// loadConfig is one load run.
type loadConfig struct {
	clients int
	demo    string
	params  map[string]string
	// addr is the base URL of a running course on loopback; empty starts
	// the real server in this process with serverArgs.
	addr       string
	serverArgs []string
	timeout    time.Duration
	// stopAfter, when set, makes every client stop its run this long
	// after started, to measure stop → exit.
	stopAfter time.Duration
}

// load opens many websocket clients at once against the course, each of
// which runs one demo, and reports what they got and how fast.
//
//	walkthrough load -clients N -demo ID [-params k=v,...] [-addr URL] [serve's flags]
func load(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", stderr)
	clients := fs.Int("clients", 100, fmt.Sprintf("websocket clients opened at once, each running the demo once (at most %d)", maxLoadClients))
	demo := fs.String("demo", "spinner-goroutine", "demo every client runs")
	params := fs.String("params", "", "the demo's parameters: name=value,name=value (a value may itself hold commas: missing=CD,IR)")
	addr := fs.String("addr", "", "base URL of a course already running on loopback; empty starts one in this process")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up on the whole load after this long")
	stopAfter := fs.Duration("stop-after", 0, "stop each run this long after it started and time stop → exit (0: let runs end)")
	// serve's own flags (limits, flag server, timeouts) configure the
	// server started in this process.
	serverFlags := newFlagSet("serve", io.Discard)
	limitFlags(serverFlags)
	flagSiteFlags(serverFlags)
	serverFlags.Duration("read-header-timeout", 5*time.Second, "")
	serverFlags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage+" (server in this process)") })
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("load takes flags only, not %q", fs.Args())
	}
	cfg := loadConfig{clients: *clients, demo: *demo, addr: *addr, timeout: *timeout, stopAfter: *stopAfter}
	if cfg.clients < 1 || cfg.clients > maxLoadClients {
		return usagef("-clients must be between 1 and %d", maxLoadClients)
	}
	var err error
	if cfg.params, err = parseParamList(*params); err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		if serverFlags.Lookup(f.Name) != nil {
			cfg.serverArgs = append(cfg.serverArgs, "-"+f.Name+"="+f.Value.String())
		}
	})
	if cfg.addr != "" {
		if len(cfg.serverArgs) > 0 {
			return usagef("server flags %v apply only to a server started by load, not to -addr", cfg.serverArgs)
		}
		if err := checkLoopbackURL(cfg.addr); err != nil {
			return err
		}
	}
	rep, err := runLoad(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	rep.print(stdout)
	return nil
}

// parseParamList reads name=value,name=value. A piece without '=' belongs
// to the value before it, so lists and choices keep their commas.
func parseParamList(s string) (map[string]string, error) {
	out := map[string]string{}
	last := ""
	for _, piece := range strings.Split(s, ",") {
		if strings.TrimSpace(piece) == "" {
			continue
		}
		name, value, ok := strings.Cut(piece, "=")
		if !ok {
			if last == "" {
				return nil, usagef("parameter %q should be written name=value", piece)
			}
			out[last] += "," + piece
			continue
		}
		name = strings.TrimSpace(name)
		out[name], last = value, name
	}
	return out, nil
}

// checkLoopbackURL refuses to aim the load anywhere but this machine.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("-addr %q is not a URL such as http://127.0.0.1:8080", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("-addr %q is not on loopback: load only measures this machine", raw)
	}
	return nil
}

// outcome is how one client's run ended.
type outcome int

const (
	noAnswer    outcome = iota // connection lost or timed out before exit
	exitOK                     // exit with ok
	exitFailed                 // exit with an error (timeout, the demo's own)
	exitStopped                // exit with stopped, after this client said stop
	busy                       // refused: a run cap was full
	otherError                 // refused for another reason
	notConnected
)

// clientResult is what one client saw. Durations count from sending run.
type clientResult struct {
	outcome     outcome
	detail      string // the error text of a refusal or failure
	started     time.Duration
	firstOutput time.Duration
	answered    time.Duration // started or error
	stopToExit  time.Duration // from sending stop to the exit frame
	frames      int
}

// loadReport is the outcome of a load run.
type loadReport struct {
	cfg                  loadConfig
	inProcess            bool
	connected            int
	connectTime          time.Duration
	counts               map[outcome]int
	details              map[string]int // failure texts, with how many clients got each
	started, firstOutput []time.Duration
	answered, stopToExit []time.Duration
	frames               int
	wall                 time.Duration
	rssBefore, rssPeak   int64 // bytes; -1 when /proc is not there
	goroutinesBaseline   int
	goroutinesPeak       int
	goroutinesAfter      int
}

// runLoad does the work of load: a server (unless cfg.addr), N clients
// connected first, then all sending run at the same moment.
func runLoad(ctx context.Context, cfg loadConfig, stderr io.Writer) (loadReport, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	rep := loadReport{cfg: cfg, counts: map[outcome]int{}, details: map[string]int{}, inProcess: cfg.addr == ""}

	base := strings.TrimSuffix(cfg.addr, "/")
	if rep.inProcess {
		srvCtx, stopServer := context.WithCancel(context.Background())
		url, served, err := startInProcess(srvCtx, cfg.serverArgs, stderr)
		if err != nil {
			stopServer()
			return rep, err
		}
		defer func() {
			stopServer()
			<-served
		}()
		base = url
	}
	msg, err := json.Marshal(map[string]any{"type": "run", "id": "load", "demo": cfg.demo, "params": cfg.params})
	if err != nil {
		return rep, fmt.Errorf("load: %w", err)
	}

	// One HTTP client for the handshakes, whose pool is emptied at the end.
	transport := &http.Transport{MaxIdleConnsPerHost: -1}
	defer transport.CloseIdleConnections()
	dialer := &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: transport},
		HTTPHeader: http.Header{"Origin": {base}}, // what a page of the course sends
	}
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/ws"

	if err := waitReady(ctx, base); err != nil {
		return rep, err
	}
	rep.rssBefore = procStatus("VmRSS")
	resetPeakRSS()
	rep.goroutinesBaseline = steadyGoroutines()
	sampled := make(chan int)
	stopSampling := make(chan struct{})
	go sampleGoroutines(stopSampling, sampled)

	results := make([]clientResult, cfg.clients)
	var connected, finished sync.WaitGroup
	begin := make(chan struct{}) // closed when every client has dialled
	connectStart := time.Now()
	for i := range results {
		connected.Add(1)
		finished.Go(func() { results[i] = loadClient(ctx, cfg, wsURL, dialer, msg, &connected, begin) })
	}
	connected.Wait()
	rep.connectTime = time.Since(connectStart)
	runStart := time.Now()
	close(begin)
	finished.Wait()
	rep.wall = time.Since(runStart)

	for _, r := range results {
		rep.counts[r.outcome]++
		if r.outcome != notConnected {
			rep.connected++
		}
		if r.detail != "" {
			rep.details[r.detail]++
		}
		if r.started > 0 {
			rep.started = append(rep.started, r.started)
		}
		if r.firstOutput > 0 {
			rep.firstOutput = append(rep.firstOutput, r.firstOutput)
		}
		if r.answered > 0 {
			rep.answered = append(rep.answered, r.answered)
		}
		if r.stopToExit > 0 {
			rep.stopToExit = append(rep.stopToExit, r.stopToExit)
		}
		rep.frames += r.frames
	}

	close(stopSampling)
	rep.goroutinesPeak = <-sampled
	rep.rssPeak = procStatus("VmHWM")
	// Every client has closed; the server's side of each connection winds
	// down on its own. Wait (a little) for the count to come back.
	transport.CloseIdleConnections()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rep.goroutinesAfter = runtime.NumGoroutine()
		if rep.goroutinesAfter <= rep.goroutinesBaseline || time.Now().After(deadline) {
			break
		}
	}
	if ctx.Err() != nil {
		return rep, fmt.Errorf("load: gave up after %v: %w", cfg.timeout, ctx.Err())
	}
	return rep, nil
}

// waitReady asks the course for /healthz: serve prints its address just
// before it starts serving, and the baseline must include the server.
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

// loadClient dials, waits for the signal, runs the demo once and reads
// every frame up to its end.
func loadClient(ctx context.Context, cfg loadConfig, wsURL string, opts *websocket.DialOptions, msg []byte,
	connected *sync.WaitGroup, start <-chan struct{}) (res clientResult) {
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	c, _, err := websocket.Dial(dialCtx, wsURL, opts)
	cancel()
	connected.Done()
	if err != nil {
		return clientResult{outcome: notConnected, detail: "dial: " + shortError(err)}
	}
	defer c.CloseNow()
	c.SetReadLimit(4 << 20) // a frame holds at most the run's output cap
	select {
	case <-start:
	case <-ctx.Done():
		return clientResult{outcome: noAnswer, detail: "never started"}
	}
	sent := time.Now()
	if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
		return clientResult{outcome: noAnswer, detail: "write: " + shortError(err)}
	}
	stopSent := make(chan time.Time, 1)
	var frame struct {
		Type  string `json:"type"`
		ID    string `json:"id"`
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			res.outcome, res.detail = noAnswer, "read: "+shortError(err)
			return res
		}
		res.frames++
		frame.OK, frame.Error = nil, ""
		if err := json.Unmarshal(data, &frame); err != nil || frame.ID != "load" {
			continue
		}
		switch frame.Type {
		case "started":
			res.started = time.Since(sent)
			res.answered = res.started
			if cfg.stopAfter > 0 {
				stopper := time.AfterFunc(cfg.stopAfter, func() {
					stopSent <- time.Now() // before the write: the exit may beat Write's return
					c.Write(ctx, websocket.MessageText, []byte(`{"type":"stop","id":"load"}`))
				})
				defer stopper.Stop()
			}
		case "output":
			if res.firstOutput == 0 {
				res.firstOutput = time.Since(sent)
			}
		case "exit":
			res.outcome = exitOK
			if frame.OK == nil || !*frame.OK {
				res.outcome, res.detail = exitFailed, "exit: "+frame.Error
			}
			select {
			case at := <-stopSent:
				res.stopToExit = time.Since(at)
				if frame.Error == "stopped" {
					res.outcome, res.detail = exitStopped, ""
				}
			default:
			}
			c.Close(websocket.StatusNormalClosure, "")
			return res
		case "error":
			res.answered = time.Since(sent)
			res.outcome = otherError
			if strings.HasPrefix(frame.Error, "busy") {
				res.outcome = busy
			}
			res.detail = "error: " + frame.Error
			c.Close(websocket.StatusNormalClosure, "")
			return res
		}
	}
}

// shortError keeps failure texts groupable: the first line, no addresses.
func shortError(err error) string {
	s := strings.SplitN(err.Error(), "\n", 2)[0]
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

// procStatus reads one "kB" field of /proc/self/status, in bytes, or -1.
func procStatus(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return -1
		}
		return kb << 10
	}
	return -1
}

// resetPeakRSS restarts VmHWM from the current RSS (Linux 4.0 and later),
// so the peak belongs to this load run and not to anything before it.
// Where that is not possible the peak is the process's since it started.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// startInProcess runs serve in this process on a free loopback port and
// returns its base URL, as serve prints it, and a channel closed when serve
// has returned after ctx is cancelled.
func startInProcess(ctx context.Context, serverArgs []string, stderr io.Writer) (string, <-chan struct{}, error) {
	args := append([]string{"-addr", "127.0.0.1:0", "-flags-addr", "127.0.0.1:0"}, serverArgs...)
	printed := newURLWatch()
	served := make(chan struct{})
	var serveErr error
	go func() {
		defer close(served)
		serveErr = serve(ctx, args, printed, stderr)
	}()
	select {
	case url := <-printed.url:
		return url, served, nil
	case <-served:
		if serveErr == nil {
			serveErr = errors.New("server stopped before it started")
		}
		return "", served, fmt.Errorf("load: %w", serveErr)
	}
}

// urlWatch is serve's stdout: it hands on the address serve prints.
type urlWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	url  chan string
	sent bool
}

func newURLWatch() *urlWatch { return &urlWatch{url: make(chan string, 1)} }

var servingAt = regexp.MustCompile(`serving at (http://[^ /\n]+)/`)

func (w *urlWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.sent {
		w.buf.Write(p)
		if m := servingAt.FindSubmatch(w.buf.Bytes()); m != nil {
			w.url <- string(m[1])
			w.sent = true
		}
	}
	return len(p), nil
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

func (r loadReport) print(w io.Writer) {
	where := "server in this process"
	if !r.inProcess {
		where = "server at " + r.cfg.addr
	}
	if len(r.cfg.serverArgs) > 0 {
		where += " " + strings.Join(r.cfg.serverArgs, " ")
	}
	var params []string
	for _, k := range slices.Sorted(maps.Keys(r.cfg.params)) {
		params = append(params, k+"="+r.cfg.params[k])
	}
	demo := strings.Join(append([]string{r.cfg.demo}, params...), " ")
	fmt.Fprintf(w, "load: %d clients, demo %s, %s\n", r.cfg.clients, demo, where)
	fmt.Fprintf(w, "connected      %d of %d in %v\n", r.connected, r.cfg.clients, r.connectTime.Round(time.Millisecond))
	fmt.Fprintf(w, "exit ok        %d\n", r.counts[exitOK])
	fmt.Fprintf(w, "exit failed    %d\n", r.counts[exitFailed])
	if r.cfg.stopAfter > 0 {
		fmt.Fprintf(w, "exit stopped   %d (stopped by the client %v after started)\n", r.counts[exitStopped], r.cfg.stopAfter)
	}
	fmt.Fprintf(w, "busy           %d\n", r.counts[busy])
	fmt.Fprintf(w, "other error    %d\n", r.counts[otherError])
	fmt.Fprintf(w, "no answer      %d\n", r.counts[noAnswer]+r.counts[notConnected])
	for _, d := range slices.Sorted(maps.Keys(r.details)) {
		if !strings.HasPrefix(d, "error: busy") {
			fmt.Fprintf(w, "  %5d × %s\n", r.details[d], d)
		}
	}
	line := func(name string, d []time.Duration) {
		fmt.Fprintf(w, "%-22s p50 %-9v p99 %-9v max %-9v (%d clients)\n", name,
			percentile(d, 50).Round(10*time.Microsecond), percentile(d, 99).Round(10*time.Microsecond),
			percentile(d, 100).Round(10*time.Microsecond), len(d))
	}
	line("run → started", r.started)
	line("run → first output", r.firstOutput)
	line("run → started|error", r.answered)
	if r.cfg.stopAfter > 0 {
		line("stop → exit", r.stopToExit)
	}
	fmt.Fprintf(w, "frames read    %d\n", r.frames)
	fmt.Fprintf(w, "wall time      %v (from the moment every client sent run)\n", r.wall.Round(time.Millisecond))
	if r.rssPeak > 0 {
		fmt.Fprintf(w, "peak RSS       %.1f MiB (VmHWM of this process; %.1f MiB before the clients)\n",
			float64(r.rssPeak)/(1<<20), float64(r.rssBefore)/(1<<20))
	}
	back := "back to baseline"
	if r.goroutinesAfter > r.goroutinesBaseline {
		back = "NOT back to baseline"
	}
	fmt.Fprintf(w, "goroutines     baseline %d, peak %d, after %d: %s\n", r.goroutinesBaseline, r.goroutinesPeak, r.goroutinesAfter, back)
}
