package load

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The scenarios run briefly here, with small numbers, so that the tool
// cannot rot: each test checks the report is sane — what the limits
// promise, never a time. The figures themselves are measured with
// `walkthrough-load -scenario ...` (perf/README.md).

// serveChildEnv makes this test binary, run again, a course in a process
// of its own (see serveChild).
const serveChildEnv = "LOAD_TEST_SERVE_CHILD"

// serveChild is the course in a process of its own, for the test that
// measures a server apart from its clients. It prints its URL, then serves
// until its stdin closes.
func serveChild() int {
	c, err := web.NewCourse(web.CourseConfig{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.Shutdown(context.Background())
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- c.Serve(ln) }()
	fmt.Println("http://" + ln.Addr().String())
	io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = c.Shutdown(ctx)
	<-served
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startServerProcess runs the course in a child process until the test
// ends, and returns its URL and process id.
func startServerProcess(t *testing.T) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveChildEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		stdin.Close() // the child shuts down when its stdin closes
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("server process: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("the server process did not stop within 10 s")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { exited <- cmd.Wait() }()
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") {
		t.Fatalf("server process said %q, %v", line, err)
	}
	return strings.TrimSpace(line), cmd.Process.Pid
}

func inProcess(t *testing.T, lim socket.Limits) Server {
	return Server{Course: web.CourseConfig{Catalog: catalog(t), Socket: lim}}
}

// lifted is every rate, budget and cap set out of reach: the server as it
// was before issue 11's limits.
func lifted() socket.Limits {
	lim := socket.DefaultLimits()
	lim.FrameRate, lim.FrameBurst, lim.ClientFrameRate, lim.ClientFrameBurst = 1e9, 1e9, 1e9, 1e9
	lim.PingRate, lim.PingBurst, lim.BadFrames = 1e9, 1e9, 1e9
	lim.StartRate, lim.StartBurst, lim.ConnectRate, lim.ConnectBurst = 1e9, 1e9, 1e9, 1e9
	lim.SocketsPerClient, lim.Sockets, lim.PerClient = 100000, 100000, 1000
	return lim
}

func printed(r interface{ Print(io.Writer) }) string {
	var b bytes.Buffer
	r.Print(&b)
	return b.String()
}

// A hog within its caps: its pages hold their runs, its idle sockets past
// the per-client cap are refused with 429, and every learner's click
// starts and every page read succeeds while it is there.
func TestHog(t *testing.T) {
	lim := socket.DefaultLimits()
	lim.SocketsPerClient = 5 // 3 pages and 2 idle sockets
	cfg := HogConfig{
		Server: inProcess(t, lim),
		Pages:  3, RunsPerPage: 2, HogDemo: "spinner-goroutine", HogParams: map[string]string{"slow": "10s"}, IdleSockets: 6,
		Learners: 3, Demo: "spinner-goroutine", Params: map[string]string{"slow": "100ms", "frame": "20ms"}, Page: "/lessons/spinner",
		Idle: 50 * time.Millisecond, HogOnly: 100 * time.Millisecond, Duration: 1200 * time.Millisecond,
	}
	rep, err := RunHog(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	report := printed(rep)
	t.Log("\n" + report)
	if rep.PageConnects != 3 || rep.IdleOpened != 2 || rep.IdleRefused[429] != 4 || len(rep.IdleRefused) != 1 {
		t.Errorf("pages %d, idle sockets %d opened, refused %v; want 3, 2 and 429 × 4", rep.PageConnects, rep.IdleOpened, rep.IdleRefused)
	}
	if rep.HogStarted != 6 || rep.HogBusy+rep.HogOtherErrors+rep.HogDropped != 0 {
		t.Errorf("hog: %d started, %d busy, %d other, %d dropped; want its 6 long runs started, nothing refused",
			rep.HogStarted, rep.HogBusy, rep.HogOtherErrors, rep.HogDropped)
	}
	if rep.Clicks < 3 || rep.Started != rep.Clicks || int64(len(rep.ToStarted)) != rep.Started || rep.NoAnswer+rep.NoSocket != 0 {
		t.Errorf("learners: %d clicks, %d started (%d times), %d no answer, %d no socket; want every click started",
			rep.Clicks, rep.Started, len(rep.ToStarted), rep.NoAnswer, rep.NoSocket)
	}
	if len(rep.PageTimes) == 0 || rep.PageErrors != 0 {
		t.Errorf("page reads: %d, %d errors", len(rep.PageTimes), rep.PageErrors)
	}
	if rep.RSS <= 0 || rep.FDs <= rep.FDsBefore || rep.GoroutinesAfter > rep.GoroutinesBaseline {
		t.Errorf("RSS %d, fds %d with the hog (%d before), goroutines %d after (baseline %d)",
			rep.RSS, rep.FDs, rep.FDsBefore, rep.GoroutinesAfter, rep.GoroutinesBaseline)
	}
	for _, want := range []string{"hog idle       2 of 6 opened; refused 429 × 4", "(100.00 %", "click → started", "server fds", ": back to baseline"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// A bad-frame flood with the limits on: each socket is answered a few
// times, then closed with 1008; the attacker connects again within its
// budget.
func TestBadFramesClosedWith1008(t *testing.T) {
	lim := socket.DefaultLimits()
	cfg := DefaultFlood(ScenarioBadFrames)
	cfg.Server, cfg.Idle, cfg.Duration = inProcess(t, lim), 50*time.Millisecond, 300*time.Millisecond
	rep, err := RunFlood(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	report := printed(rep)
	t.Log("\n" + report)
	if rep.Closes[1008] < 1 || rep.Sent <= rep.Answers || rep.Answers < 1 {
		t.Errorf("%d sent, %d answers, closes %v; want answers, then 1008", rep.Sent, rep.Answers, rep.Closes)
	}
	// A bad frame costs a strike: past BadFrames (one forgiven per 5 s) a
	// socket is answered no more.
	if most := rep.Sockets * int64(lim.BadFrames+1); rep.Answers > most {
		t.Errorf("%d answers on %d sockets, more than %d", rep.Answers, rep.Sockets, most)
	}
	if rep.GoroutinesAfter > rep.GoroutinesBaseline || !strings.Contains(report, "closes 1008    ") {
		t.Errorf("goroutines %d after, baseline %d", rep.GoroutinesAfter, rep.GoroutinesBaseline)
	}
}

// With the limits lifted, every bad frame is answered and nothing is
// closed: the server as it was.
func TestBadFramesLifted(t *testing.T) {
	cfg := DefaultFlood(ScenarioBadFrames)
	cfg.Server, cfg.Idle, cfg.Duration = inProcess(t, lifted()), 50*time.Millisecond, 300*time.Millisecond
	rep, err := RunFlood(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sockets != 1 || len(rep.Closes) != 0 || rep.Answers < 10 {
		t.Errorf("%d sockets, closes %v, %d answers to %d bad frames; want one socket answered throughout", rep.Sockets, rep.Closes, rep.Answers, rep.Sent)
	}
}

// A ping flood with the limits on: a few pongs, then 1008.
func TestPingFloodClosedWith1008(t *testing.T) {
	lim := socket.DefaultLimits()
	cfg := DefaultFlood(ScenarioPingFlood)
	cfg.Server, cfg.Idle, cfg.Duration = inProcess(t, lim), 50*time.Millisecond, 300*time.Millisecond
	rep, err := RunFlood(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + printed(rep))
	if rep.Closes[1008] < 1 || rep.Answers < 1 || rep.Sent <= rep.Answers {
		t.Errorf("%d pings, %d pongs, closes %v; want a few pongs, then 1008", rep.Sent, rep.Answers, rep.Closes)
	}
	// Pongs are budgeted: PingBurst, and one more per second.
	if most := rep.Sockets * int64(lim.PingBurst+2); rep.Answers > most {
		t.Errorf("%d pongs on %d sockets, more than %d", rep.Answers, rep.Sockets, most)
	}
}

// A storm within the budgets of a test: five sockets, three starts; every
// other connect is refused — with 429, or, past the address's connection
// budget, closed as it is accepted — and the fourth and fifth runs are busy.
func TestStorm(t *testing.T) {
	lim := socket.DefaultLimits()
	lim.ConnectBurst, lim.ConnectRate, lim.StartBurst, lim.StartRate = 5, 0.001, 3, 0.001
	cfg := DefaultFlood(ScenarioStorm)
	cfg.Server, cfg.Idle, cfg.Duration = inProcess(t, lim), 50*time.Millisecond, 300*time.Millisecond
	rep, err := RunFlood(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	report := printed(rep)
	t.Log("\n" + report)
	// The rest were refused, all but perhaps the one the end cut short.
	if cut := rep.Sent - 5 - rep.Refused[429] - rep.Failed; rep.Sockets != 5 || rep.Started != 3 || rep.Busy != 2 || cut < 0 || cut > 1 || rep.Refused[429] < 1 {
		t.Errorf("%d cycles: %d sockets, %d started, %d busy, refused %v; want 5 sockets, 3 started, 2 busy, the rest refused",
			rep.Sent, rep.Sockets, rep.Started, rep.Busy, rep.Refused)
	}
	if !strings.Contains(report, "runs started   3") || rep.GoroutinesAfter > rep.GoroutinesBaseline {
		t.Errorf("goroutines %d after, baseline %d", rep.GoroutinesAfter, rep.GoroutinesBaseline)
	}
}

// With the server in another process, its CPU is measured there and this
// process's is reported as the attacker's.
func TestFloodAgainstServerProcess(t *testing.T) {
	url, pid := startServerProcess(t)
	cfg := DefaultFlood(ScenarioBadFrames)
	cfg.Server = Server{Target: url, PID: pid, Course: web.CourseConfig{Catalog: catalog(t)}}
	cfg.Idle, cfg.Duration = 50*time.Millisecond, 300*time.Millisecond
	rep, err := RunFlood(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	report := printed(rep)
	t.Log("\n" + report)
	if !rep.Separate || rep.InProcess || rep.Closes[1008] < 1 || rep.Attack.Wall <= 0 || rep.RSS <= 0 || rep.FDs <= 0 {
		t.Errorf("separate %v, in process %v, closes %v, attack %v, RSS %d, fds %d", rep.Separate, rep.InProcess, rep.Closes, rep.Attack, rep.RSS, rep.FDs)
	}
	for _, want := range []string{"(process " + strconv.Itoa(pid) + ")", "attacker cpu", "server process"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// /proc is read right: this process has memory, descriptors, and CPU time
// that grows as it works; a process that is not there cannot be measured.
func TestProcMeasuresAProcess(t *testing.T) {
	p := selfProc()
	before, err := p.cpu()
	if err != nil {
		t.Fatal(err)
	}
	// Work until the 10 ms clock moves.
	deadline := time.Now().Add(5 * time.Second)
	n := 0
	for now, err := p.cpu(); now == before && err == nil && time.Now().Before(deadline); now, err = p.cpu() {
		for i := range 1_000_000 {
			n ^= i
		}
	}
	if now, err := p.cpu(); err != nil || now <= before {
		t.Errorf("cpu time %v after work, %v before (%v)", now, before, err)
	}
	if p.status(vmRSS) <= 0 || p.status(vmHWM) <= 0 || p.fds() <= 0 {
		t.Errorf("RSS %d, HWM %d, fds %d", p.status(vmRSS), p.status(vmHWM), p.fds())
	}
	if err := pidProc(1 << 30).check(); err == nil {
		t.Error("a process that does not exist can be measured")
	}
	if u := (CPUUse{CPU: 250 * time.Millisecond, Wall: time.Second}); u.Cores() != 0.25 || u.Above(CPUUse{CPU: 50 * time.Millisecond, Wall: time.Second}) != 0.2 {
		t.Errorf("%v: %v cores", u, u.Cores())
	}
}

// Another process — a server started apart, measured by -server-pid — is
// read from its own /proc/PID, not this one's: a child given 20 more
// descriptors has them, as many as the kernel lists (what it inherits
// beyond them depends on who started the tests); once it is gone it
// cannot be measured, and the error names its /proc folder. The child is
// this test binary, which says when it is ready and then holds still: a
// dynamically linked command opens and closes its libraries as it starts,
// and two counts taken then would differ.
func TestProcMeasuresAnotherProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	start := func(extra int) *exec.Cmd {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), holdChildEnv+"=1")
		for range extra {
			f, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cmd.ExtraFiles = append(cmd.ExtraFiles, f)
		}
		hold, err := cmd.StdinPipe() // the child holds still until this closes
		if err != nil {
			t.Fatal(err)
		}
		ready, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { hold.Close(); cmd.Process.Kill(); cmd.Wait() })
		if line, err := bufio.NewReader(ready).ReadString('\n'); line != "ready\n" {
			t.Fatalf("the child said %q (%v), want ready", line, err)
		}
		return cmd
	}
	cmd := start(20)
	p := pidProc(cmd.Process.Pid)
	if err := p.check(); err != nil {
		t.Errorf("check: %v", err)
	}
	if cpu, err := p.cpu(); err != nil || cpu < 0 {
		t.Errorf("cpu %v, %v", cpu, err)
	}
	if rss, hwm := p.status(vmRSS), p.status(vmHWM); rss <= 0 || hwm < rss || rss > 64<<20 {
		t.Errorf("the child: RSS %d, HWM %d", rss, hwm)
	}
	listed, err := os.ReadDir("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/fd")
	if n := p.fds(); err != nil || n < 3+20 || n != len(listed) {
		t.Errorf("a child with 20 more descriptors has %d open; the kernel lists %d (%v)", n, len(listed), err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	err = p.check()
	if want := "/proc/" + strconv.Itoa(cmd.Process.Pid); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("a process gone: check %v, want an error naming %s", err, want)
	}
	if p.status(vmRSS) != -1 || p.fds() != -1 {
		t.Errorf("a process gone: RSS %d, fds %d; want -1 (n/a)", p.status(vmRSS), p.fds())
	}
}

// A scenario that cannot run is refused, naming its field, before
// anything starts: no course, no listener, no client.
func TestScenarioConfigErrors(t *testing.T) {
	noListen := func(string, string) (net.Listener, error) {
		t.Error("a listener was opened for a scenario that cannot run")
		return nil, errors.New("no")
	}
	server := Server{Course: web.CourseConfig{Catalog: catalog(t)}, Listen: noListen}
	hog := DefaultHog()
	hog.Server = server
	flood := DefaultFlood(ScenarioStorm)
	flood.Server = server
	for _, tc := range []struct {
		hog   func(*HogConfig)
		flood func(*FloodConfig)
		field string
		says  string
	}{
		{hog: func(c *HogConfig) { c.Target = "http://example.com" }, field: "Target", says: "not on loopback"},
		{hog: func(c *HogConfig) { c.Target = "http://[::1]:8080" }, field: "Target", says: "IPv4 loopback"},
		{hog: func(c *HogConfig) { c.PID = 1 }, field: "PID", says: "needs one"},
		{hog: func(c *HogConfig) { c.Pages = 0 }, field: "Pages", says: "between 1 and"},
		{hog: func(c *HogConfig) { c.IdleSockets = 100000 }, field: "IdleSockets", says: "between 0 and"},
		{hog: func(c *HogConfig) { c.Learners = 500 }, field: "Learners", says: "between 1 and"},
		{hog: func(c *HogConfig) { c.LearnerAddresses = 21 }, field: "LearnerAddresses", says: "between 0 and 20"},
		{hog: func(c *HogConfig) { c.HogParams = map[string]string{"slow": "1h"} }, field: "HogParams", says: `parameter "slow"`},
		{hog: func(c *HogConfig) { c.Demo = "no-such-demo" }, field: "Demo", says: `unknown demo "no-such-demo"`},
		{hog: func(c *HogConfig) { c.Page = "lessons" }, field: "Page", says: "not a path"},
		{hog: func(c *HogConfig) { c.HogOnly = 0 }, field: "HogOnly", says: "positive"},
		{flood: func(c *FloodConfig) { c.Scenario = "hog" }, field: "Scenario", says: "not a flood"},
		{flood: func(c *FloodConfig) { c.Params = map[string]string{"sloww": "1s"} }, field: "Params", says: `unknown parameter "sloww"`},
		{flood: func(c *FloodConfig) { c.Duration = 0 }, field: "Duration", says: "positive"},
		{flood: func(c *FloodConfig) { c.Idle = time.Hour }, field: "Idle", says: "at most"},
		{flood: func(c *FloodConfig) { c.Target, c.PID = "http://127.0.0.1:1", 1<<30 }, field: "PID", says: "/proc"},
	} {
		var err error
		if tc.hog != nil {
			cfg := hog
			tc.hog(&cfg)
			var rep *HogReport
			rep, err = RunHog(context.Background(), cfg)
			if rep != nil {
				t.Errorf("%s: a report for a hog that cannot run", tc.field)
			}
		} else {
			cfg := flood
			tc.flood(&cfg)
			var rep *FloodReport
			rep, err = RunFlood(context.Background(), cfg)
			if rep != nil {
				t.Errorf("%s: a report for a flood that cannot run", tc.field)
			}
		}
		ce, ok := errors.AsType[*ConfigError](err)
		if !ok || ce.Field != tc.field || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v; want a ConfigError about %s saying %q", err, tc.field, tc.says)
		}
	}
	if err := hog.Validate(catalog(t)); err != nil {
		t.Errorf("the default hog: %v", err)
	}
	if err := flood.Validate(catalog(t)); err != nil {
		t.Errorf("the default storm: %v", err)
	}
}
