package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// FloodConfig is one attack by a single client — bad frames, pings, or
// connect → run → disconnect cycles, as fast as it can — measured against
// the server at rest just before.
type FloodConfig struct {
	Server
	Scenario string // ScenarioBadFrames, ScenarioPingFlood or ScenarioStorm
	// Demo and Params are what every storm cycle asks to run.
	Demo   string
	Params map[string]string

	Duration time.Duration // of the attack
	Idle     time.Duration // of the quiet stretch before it, the baseline
	Timeout  time.Duration // give up on the whole after this long; zero: Idle + Duration + 1 min
}

// DefaultFlood is the attack as perf/README.md measures it: 5 s, after 2 s
// at rest; a storm's runs ask for a spinner of 10 s (each is stopped when
// its socket goes).
func DefaultFlood(scenario string) FloodConfig {
	return FloodConfig{
		Scenario: scenario, Demo: "spinner-goroutine", Params: map[string]string{"slow": "10s"},
		Duration: 5 * time.Second, Idle: 2 * time.Second,
	}
}

// The attacker's address, and how it behaves.
var attackerIP = loopbackIP(1)

const (
	// badFrame is a well-formed JSON frame of a type the server does not
	// know: one strike each, and with the limits lifted one error answer
	// each.
	badFrame = `{"type":"jump"}`
	// refusedPause is how long the frame floods wait after a refused
	// connect before trying again: they attack with frames, not with
	// handshakes (that is the storm).
	refusedPause = 100 * time.Millisecond
	// Upper bounds, whatever the clock says: frames or pings sent, and
	// sockets opened, in one attack.
	maxFloodFrames = 200_000_000
	maxFloodConns  = 1_000_000
	// stormRunID is the run id of every storm cycle.
	stormRunID = "storm"
)

// Validate checks cfg, the storm's demo included, against catalog without
// starting anything. Its errors are *ConfigError.
func (cfg FloodConfig) Validate(catalog *lessons.Catalog) error {
	if err := cfg.Server.validate(); err != nil {
		return err
	}
	switch cfg.Scenario {
	case ScenarioBadFrames, ScenarioPingFlood:
	case ScenarioStorm:
		if err := checkDemo(catalog, "Demo", "Params", cfg.Demo, cfg.Params); err != nil {
			return err
		}
	default:
		return &ConfigError{"Scenario", fmt.Errorf("%q is not a flood (want %s, %s or %s)", cfg.Scenario, ScenarioBadFrames, ScenarioPingFlood, ScenarioStorm)}
	}
	if err := checkWindow("Duration", cfg.Duration, 10*time.Minute); err != nil {
		return err
	}
	if err := checkWindow("Idle", cfg.Idle, time.Minute); err != nil {
		return err
	}
	if cfg.Timeout < 0 {
		return &ConfigError{"Timeout", errors.New("must not be negative")}
	}
	return nil
}

// checkWindow checks a stretch of time a scenario measures.
func checkWindow(field string, d, most time.Duration) error {
	if d <= 0 || d > most {
		return &ConfigError{field, fmt.Errorf("must be positive and at most %v", most)}
	}
	return nil
}

// FloodReport is what one attack cost the server and what the attacker got.
type FloodReport struct {
	Config    FloodConfig
	InProcess bool // the course was started in this process
	Separate  bool // the server is another process (Server.PID)

	Idle, Attack CPUUse // the server's process: at rest, and during the attack
	Attacker     CPUUse // this process during the attack, when the server is another

	Sent    int64         // bad frames, pings, or cycles begun (storm)
	Answers int64         // frames back: error answers, pongs, or a storm run's first answer
	Sockets int64         // websockets opened
	Refused map[int]int64 // connects refused, by HTTP status
	Failed  int64         // connects that failed for another reason
	// Closes are the sockets the server closed, by close code; -1 is a
	// connection dropped without a close frame.
	Closes map[int]int64

	// The storm's runs, by their first answer.
	Started, Queued, Busy, OtherErrors int64

	RSSBefore, RSS, PeakRSS int64 // the server's process: bytes; -1 where not known
	FDs                     int   // the server's process, at the end of the attack
	// Goroutines of this process before the attack and once it has gone
	// (in process only).
	GoroutinesBaseline, GoroutinesAfter int
}

// floodCounts is what the attacker's goroutines count as they go.
type floodCounts struct {
	sent, answers, sockets, failed     atomic.Int64
	started, queued, busy, otherErrors atomic.Int64

	mu      sync.Mutex
	refused map[int]int64
	closes  map[int]int64
}

// dialFailed counts a connect that did not give a socket.
func (n *floodCounts) dialFailed(ctx context.Context, err error) {
	if status := refusal(err); status != 0 {
		n.mu.Lock()
		n.refused[status]++
		n.mu.Unlock()
		return
	}
	if ctx.Err() == nil {
		n.failed.Add(1)
	}
}

// closed counts a socket the server ended (close code, or -1 when dropped).
// The attacker's own hanging up at the end is not counted.
func (n *floodCounts) closed(ctx context.Context, code int) {
	if code < 0 && ctx.Err() != nil {
		return
	}
	n.mu.Lock()
	n.closes[code]++
	n.mu.Unlock()
}

// RunFlood does one attack: the course (unless cfg.Target), a quiet
// stretch to measure it at rest, then the attack for cfg.Duration from
// 127.0.0.1, whose cost is measured on the server's process. When it gives
// up (cfg.Timeout, or ctx), the error comes with the report so far.
func RunFlood(ctx context.Context, cfg FloodConfig) (_ *FloodReport, err error) {
	catalog, err := catalogOf(&cfg.Course)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(catalog); err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = cfg.Idle + cfg.Duration + time.Minute
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c, err := cfg.Server.open(runCtx)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, c.stop()) }()
	rep := &FloodReport{Config: cfg, InProcess: c.inProcess, Separate: c.separate}
	if c.inProcess {
		rep.GoroutinesBaseline = steadyGoroutines()
	}
	rep.RSSBefore = c.server.status(vmRSS)
	c.server.resetPeakRSS()

	rest, err := c.server.mark()
	if err != nil {
		return nil, err
	}
	pause(runCtx, cfg.Idle)
	if rep.Idle, err = rest.since(); err != nil {
		return nil, err
	}

	n := &floodCounts{refused: map[int]int64{}, closes: map[int]int64{}}
	attackCtx, stopAttack := context.WithTimeout(runCtx, cfg.Duration)
	defer stopAttack()
	server, err := c.server.mark()
	if err != nil {
		return nil, err
	}
	self, err := c.self.mark()
	if err != nil {
		return nil, err
	}
	attacked := make(chan struct{})
	go func() {
		defer close(attacked)
		switch cfg.Scenario {
		case ScenarioBadFrames:
			floodBadFrames(attackCtx, c.base, n)
		case ScenarioPingFlood:
			floodPings(attackCtx, c.base, n)
		case ScenarioStorm:
			storm(attackCtx, c.base, cfg.Demo, cfg.Params, n)
		}
	}()
	<-attackCtx.Done()
	// Measured at the deadline, before the attacker hangs up.
	rep.Attack, err = server.since()
	if err == nil && c.separate {
		rep.Attacker, err = self.since()
	}
	rep.RSS, rep.PeakRSS, rep.FDs = c.server.status(vmRSS), c.server.status(vmHWM), c.server.fds()
	<-attacked
	if err != nil {
		return rep, err
	}

	rep.Sent, rep.Answers, rep.Sockets, rep.Failed = n.sent.Load(), n.answers.Load(), n.sockets.Load(), n.failed.Load()
	rep.Started, rep.Queued, rep.Busy, rep.OtherErrors = n.started.Load(), n.queued.Load(), n.busy.Load(), n.otherErrors.Load()
	n.mu.Lock()
	rep.Refused, rep.Closes = maps.Clone(n.refused), maps.Clone(n.closes)
	n.mu.Unlock()
	if c.inProcess {
		rep.GoroutinesAfter = settleGoroutines(runCtx, rep.GoroutinesBaseline)
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("load: stopped: %w", err)
	}
	if err := runCtx.Err(); err != nil {
		return rep, fmt.Errorf("load: gave up after %v: %w", timeout, err)
	}
	return rep, nil
}

// floodBadFrames sends bad frames on one socket as fast as it can, reading
// the answers on the side, and connects again when the server closes it.
func floodBadFrames(ctx context.Context, base string, n *floodCounts) {
	tr := transportFrom(attackerIP, false)
	defer tr.CloseIdleConnections()
	frame := []byte(badFrame)
	for ctx.Err() == nil && n.sockets.Load() < maxFloodConns {
		c, err := dialFrom(ctx, base, tr)
		if err != nil {
			n.dialFailed(ctx, err)
			pause(ctx, refusedPause)
			continue
		}
		n.sockets.Add(1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if _, err := c.ReadRaw(ctx); err != nil {
					n.closed(ctx, int(websocket.CloseStatus(err)))
					return
				}
				n.answers.Add(1)
			}
		}()
	send:
		for n.sent.Load() < maxFloodFrames {
			select {
			case <-done:
				break send
			default:
			}
			if err := c.SendText(ctx, frame); err != nil {
				break
			}
			n.sent.Add(1)
		}
		c.CloseNow()
		<-done
	}
}

// floodPings sends pings on one socket as fast as it can, without waiting
// for their pongs, and connects again when the server closes it.
func floodPings(ctx context.Context, base string, n *floodCounts) {
	for ctx.Err() == nil && n.sockets.Load() < maxFloodConns {
		rc, err := dialRaw(ctx, base, attackerIP)
		if err != nil {
			n.dialFailed(ctx, err)
			pause(ctx, refusedPause)
			continue
		}
		n.sockets.Add(1)
		// The end of the attack unblocks a write or read in progress.
		unblock := context.AfterFunc(ctx, func() { rc.nc.SetDeadline(time.Now()) })
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				op, payload, err := rc.readFrame()
				switch {
				case err != nil:
					n.closed(ctx, -1)
					return
				case op == opClose:
					n.closed(ctx, closeCode(payload))
					return
				case op == opPong, op == opText:
					n.answers.Add(1)
				}
			}
		}()
		ping := rc.appendFrame(nil, opPing, []byte("flood"))
	send:
		for n.sent.Load() < maxFloodFrames {
			select {
			case <-done:
				break send
			default:
			}
			if err := rc.write(ping); err != nil {
				break
			}
			n.sent.Add(1)
		}
		rc.Close()
		<-done
		unblock()
	}
}

// storm connects, asks for a run, waits for its first answer and hangs up,
// as fast as it can, never pausing: a refused connect is the next cycle.
func storm(ctx context.Context, base, demo string, params map[string]string, n *floodCounts) {
	tr := transportFrom(attackerIP, false)
	defer tr.CloseIdleConnections()
	for ctx.Err() == nil && n.sent.Load() < maxFloodConns {
		n.sent.Add(1)
		c, err := dialFrom(ctx, base, tr)
		if err != nil {
			n.dialFailed(ctx, err)
			continue
		}
		n.sockets.Add(1)
		if err := c.Run(ctx, stormRunID, demo, params); err == nil {
			first, err := firstAnswer(ctx, c, stormRunID)
			switch {
			case err != nil:
				n.closed(ctx, int(websocket.CloseStatus(err)))
			case first.Type == "started":
				n.started.Add(1)
			case first.Type == "queued":
				n.queued.Add(1)
			case isBusy(first):
				n.busy.Add(1)
			default:
				n.otherErrors.Add(1)
			}
			if err == nil {
				n.answers.Add(1)
			}
		}
		c.CloseNow()
	}
}

// firstAnswer reads up to the first frame that answers run id: started,
// queued, or the error that refused it.
func firstAnswer(ctx context.Context, c *socket.Client, id string) (socket.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		m, err := c.Next(ctx)
		if err != nil {
			return m, err
		}
		if m.ID == id && (m.Type == "started" || m.Type == "queued" || m.Type == "error" || m.Type == "exit") {
			return m, nil
		}
	}
}

// floodSent names what a flood sends, for the report.
func floodSent(scenario string) string {
	switch scenario {
	case ScenarioBadFrames:
		return "bad frames"
	case ScenarioPingFlood:
		return "pings"
	}
	return "cycles"
}

// Print writes the report as `walkthrough-load` shows it.
func (r *FloodReport) Print(w io.Writer) {
	cfg := r.Config
	switch cfg.Scenario {
	case ScenarioBadFrames:
		fmt.Fprintf(w, "bad-frames: one socket from %s sending %s as fast as it can for %v, connecting again when closed (%v pause after a refusal); %s\n",
			attackerIP, badFrame, cfg.Duration, refusedPause, cfg.Server.describe())
	case ScenarioPingFlood:
		fmt.Fprintf(w, "ping-flood: one socket from %s sending pings as fast as it can (not waiting for pongs) for %v, connecting again when closed (%v pause after a refusal); %s\n",
			attackerIP, cfg.Duration, refusedPause, cfg.Server.describe())
	case ScenarioStorm:
		fmt.Fprintf(w, "storm: connect → run %s → first answer → hang up, from %s as fast as it can for %v, no pause after a refusal; %s\n",
			demoLine(cfg.Demo, cfg.Params), attackerIP, cfg.Duration, cfg.Server.describe())
	}
	whose := "server process"
	if !r.Separate {
		whose = "this process: server and attacker"
	}
	fmt.Fprintf(w, "cpu at rest    %s of a core (%v, %s)\n", percent(r.Idle.Cores()), r.Idle.Wall.Round(time.Millisecond), whose)
	fmt.Fprintf(w, "cpu attacked   %s of a core, %s above rest (%v, %s)\n",
		percent(r.Attack.Cores()), percent(r.Attack.Above(r.Idle)), r.Attack.Wall.Round(time.Millisecond), whose)
	if r.Separate {
		fmt.Fprintf(w, "attacker cpu   %s of a core (this process)\n", percent(r.Attacker.Cores()))
	}
	perSec := func(n int64) string {
		if r.Attack.Wall <= 0 {
			return ""
		}
		return fmt.Sprintf(" (%.0f/s)", float64(n)/r.Attack.Wall.Seconds())
	}
	fmt.Fprintf(w, "sent           %d %s%s\n", r.Sent, floodSent(cfg.Scenario), perSec(r.Sent))
	fmt.Fprintf(w, "answers        %d%s\n", r.Answers, perSec(r.Answers))
	fmt.Fprintf(w, "sockets        %d opened; refused %s; failed %d\n", r.Sockets, byCode(r.Refused), r.Failed)
	fmt.Fprintf(w, "closed         %s (by the server; -1: dropped without a close frame)\n", byCode(r.Closes))
	fmt.Fprintf(w, "closes 1008    %d\n", r.Closes[int(websocket.StatusPolicyViolation)])
	if cfg.Scenario == ScenarioStorm {
		fmt.Fprintf(w, "runs started   %d%s; queued %d, busy %d, other error %d\n", r.Started, perSec(r.Started), r.Queued, r.Busy, r.OtherErrors)
	}
	fmt.Fprintf(w, "server memory  RSS %s at the end (peak %s, %s before), %d fds (%s)\n", mib(r.RSS), mib(r.PeakRSS), mib(r.RSSBefore), r.FDs, whose)
	if r.InProcess {
		fmt.Fprintf(w, "goroutines     baseline %d, after %d: %s\n", r.GoroutinesBaseline, r.GoroutinesAfter, backToBaseline(r.GoroutinesBaseline, r.GoroutinesAfter))
	}
}

// byCode writes counts by status or close code: "429 × 12, 503 × 1", or
// "none".
func byCode(m map[int]int64) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d × %d", code, m[code]))
	}
	return strings.Join(parts, ", ")
}

func backToBaseline(baseline, after int) string {
	if after > baseline {
		return "NOT back to baseline"
	}
	return "back to baseline"
}

// demoLine writes a demo with its parameters, sorted.
func demoLine(demo string, params map[string]string) string {
	parts := []string{demo}
	for _, k := range slices.Sorted(maps.Keys(params)) {
		parts = append(parts, k+"="+params[k])
	}
	return strings.Join(parts, " ")
}
