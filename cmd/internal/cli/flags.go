// Package cli is what the course's commands share: the flags that configure
// a course (walkthrough serve, and walkthrough-load for the course it starts
// in its own process), how a command reports what went wrong in its exit
// code, and what a sandbox started from the command may serve.
package cli

import (
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The flags are checked here, before anything starts, so that a bad one is
// named as the learner typed it: the constructors behind them would only
// say which field of which struct was wrong.

// FlagSite is how the download demos reach a flag server: the built-in one
// (started on a loopback port) or another base URL given with -flags-url.
type FlagSite struct {
	Addr      string // -flags-addr
	URL       string // -flags-url
	latency   time.Duration
	notFound  string
	errorRate float64
	seed      int64
}

// FlagSiteFlags registers the flags of the flag site: run's and serve's.
func FlagSiteFlags(fs *flag.FlagSet) *FlagSite {
	s := &FlagSite{}
	fs.StringVar(&s.Addr, "flags-addr", "127.0.0.1:0", "loopback address of the built-in flag server (port 0: any free port)")
	fs.StringVar(&s.URL, "flags-url", "", "point the download demos at this base URL instead of the built-in flag server")
	fs.DurationVar(&s.latency, "flags-latency", 0, "latency the built-in flag server adds to every answer, unless a demo asks for its own")
	fs.StringVar(&s.notFound, "flags-404", "", "comma-separated country codes the built-in flag server answers with 404")
	fs.Float64Var(&s.errorRate, "flags-error-rate", 0, "share (0-1) of requests the built-in flag server answers with 500")
	fs.Int64Var(&s.seed, "flags-seed", 1, "seed that decides which requests fail, so runs repeat")
	return s
}

// Config checks the flags and returns the built-in flag server's
// configuration.
func (s *FlagSite) Config() (flagserver.Config, error) {
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return flagserver.Config{}, Usagef("-flags-url %q is not a URL such as http://127.0.0.1:8001", s.URL)
		}
	} else {
		host, _, err := net.SplitHostPort(s.Addr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return flagserver.Config{}, Usagef("-flags-addr %q is not a loopback address such as 127.0.0.1:0", s.Addr)
		}
	}
	if s.latency < 0 {
		return flagserver.Config{}, Usagef("-flags-latency must not be negative")
	}
	if math.IsNaN(s.errorRate) || s.errorRate < 0 || s.errorRate > 1 {
		return flagserver.Config{}, Usagef("-flags-error-rate must be between 0 and 1")
	}
	var codes []string
	for _, c := range strings.Split(s.notFound, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if !isCountryCode(c) {
			return flagserver.Config{}, Usagef("-flags-404: %q is not a country code such as CD", c)
		}
		codes = append(codes, strings.ToUpper(c))
	}
	return flagserver.Config{Latency: s.latency, NotFound: codes, ErrorRate: s.errorRate, Seed: s.seed}, nil
}

// isCountryCode accepts 2 or 3 ASCII letters, as the flag server does.
func isCountryCode(c string) bool {
	if len(c) < 2 || len(c) > 3 {
		return false
	}
	for _, r := range c {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}

// RunLimitFlags registers the limits of one run: what matters to run as
// much as to serve.
func RunLimitFlags(fs *flag.FlagSet) *runner.Limits {
	lim := runner.DefaultLimits()
	fs.DurationVar(&lim.RunTime, "run-time", lim.RunTime, "wall-time limit of one run")
	fs.IntVar(&lim.OutputBytes, "output-bytes", lim.OutputBytes, "output of one run before it is cut")
	return &lim
}

// CheckRunLimits says which run limit cannot work.
func CheckRunLimits(lim runner.Limits) error {
	switch {
	case lim.RunTime <= 0:
		return Usagef("-run-time must be positive")
	case lim.OutputBytes < 1:
		return Usagef("-output-bytes must be at least 1")
	}
	return nil
}

// limitFlag is one flag of the socket's limits and the least value that
// makes sense for it.
type limitFlag struct {
	name string
	// check says what is wrong with the value, or "".
	check func() string
}

// socketLimitFlags registers what the server's socket allows its pages,
// each client (an address) and all of them: one flag per limit.
func socketLimitFlags(fs *flag.FlagSet) (*socket.Limits, []limitFlag) {
	lim := socket.DefaultLimits()
	var flags []limitFlag
	atLeast := func(name string, p *int, def int, min int, usage string) {
		fs.IntVar(p, name, def, usage)
		flags = append(flags, limitFlag{name, func() string {
			if *p < min {
				return fmt.Sprintf("must be at least %d", min)
			}
			return ""
		}})
	}
	positive := func(name string, p *float64, def float64, usage string) {
		fs.Float64Var(p, name, def, usage)
		flags = append(flags, limitFlag{name, func() string {
			if !(*p > 0) || math.IsInf(*p, 0) {
				return "must be a positive number"
			}
			return ""
		}})
	}
	duration := func(name string, p *time.Duration, def time.Duration, usage string) {
		fs.DurationVar(p, name, def, usage)
		flags = append(flags, limitFlag{name, func() string {
			if *p <= 0 {
				return "must be positive"
			}
			return ""
		}})
	}
	atLeast("runs-per-conn", &lim.PerConn, lim.PerConn, 1, "runs at once, waiting or running, on one page")
	atLeast("runs-per-client", &lim.PerClient, lim.PerClient, 1, "runs at once from one client (address); more wait in the queue")
	atLeast("runs-global", &lim.Global, lim.Global, 0, "ceiling on runs at once on the whole server, whatever they cost (0: none, the budget decides); more wait in the queue")
	// The budget must hold the dearest run alone, or it could never start.
	var largest socket.Resources
	for _, c := range socket.DefaultCharges() {
		largest = socket.Resources{CPU: max(largest.CPU, c.CPU), Memory: max(largest.Memory, c.Memory)}
	}
	fs.Func("budget-cpu", "CPU, in cores, that all runs together may be charged (default: every core of the machine)", func(v string) error {
		cores, err := strconv.ParseFloat(v, 64)
		if err != nil || !(cores*1000 >= float64(largest.CPU)) || cores > 1e6 {
			return fmt.Errorf("want a number of cores, at least %g (what the dearest run is charged)", float64(largest.CPU)/1000)
		}
		lim.Budget.CPU = int64(math.Ceil(cores * 1000))
		return nil
	})
	fs.Func("budget-memory", "memory, in MiB, that all runs together may be charged (default: half of what the machine, or its cgroup, has available at start)", func(v string) error {
		mib, err := strconv.ParseInt(v, 10, 64)
		if err != nil || mib<<20 < largest.Memory || mib > 1<<30 {
			return fmt.Errorf("want a number of MiB, at least %d (what the dearest run is charged)", largest.Memory>>20)
		}
		lim.Budget.Memory = mib << 20
		return nil
	})
	duration("queue-wait", &lim.QueueWait, lim.QueueWait, "longest a click waits in the queue before it gets busy")
	atLeast("queue-size", &lim.QueueSize, lim.QueueSize, 0, "clicks waiting in the queue, all clients (0: every page's, -sockets × -runs-per-conn)")
	atLeast("queue-per-client", &lim.QueuePerClient, lim.QueuePerClient, 0, "clicks waiting in the queue from one client")
	positive("start-rate", &lim.StartRate, lim.StartRate, "runs one client may start per second, sustained")
	atLeast("start-burst", &lim.StartBurst, lim.StartBurst, 1, "runs one client may start at once")
	atLeast("sockets", &lim.Sockets, lim.Sockets, 1, "open websockets on the server (then 503)")
	atLeast("sockets-per-client", &lim.SocketsPerClient, lim.SocketsPerClient, 1, "open websockets from one client (then 429)")
	positive("connect-rate", &lim.ConnectRate, lim.ConnectRate, "new websockets per second from one client, sustained (then 429)")
	atLeast("connect-burst", &lim.ConnectBurst, lim.ConnectBurst, 1, "new websockets from one client at once")
	positive("frame-rate", &lim.FrameRate, lim.FrameRate, "messages per second on one websocket, sustained")
	atLeast("frame-burst", &lim.FrameBurst, lim.FrameBurst, 1, "messages at once on one websocket")
	positive("client-frame-rate", &lim.ClientFrameRate, lim.ClientFrameRate, "messages per second from one client, all its websockets")
	atLeast("client-frame-burst", &lim.ClientFrameBurst, lim.ClientFrameBurst, 1, "messages at once from one client")
	positive("ping-rate", &lim.PingRate, lim.PingRate, "pings answered per second on one websocket")
	atLeast("ping-burst", &lim.PingBurst, lim.PingBurst, 1, "pings answered at once on one websocket")
	atLeast("edit-runs", &lim.EditRuns, lim.EditRuns, 1, "edited programs at once on the server (each a child process); more wait in the queue")
	atLeast("trace-runs", &lim.TraceRuns, lim.TraceRuns, 1, "traced runs (the scheduler view) at once on the server, each a sandboxed child; more wait in the queue")
	atLeast("builds", &lim.Builds, lim.Builds, 1, "edited or traced programs being built at once, a core each (default: one per core); a run is building until its first output or event")
	atLeast("child-runs-per-client", &lim.ChildPerClient, lim.ChildPerClient, 1, "Python and edited programs at once from one client (address); more wait in the queue")
	fs.Int64Var(&lim.EditBytes, "edit-bytes", lim.EditBytes, "largest edited source a run may carry (only that frame may pass -read-bytes)")
	flags = append(flags, limitFlag{"edit-bytes", func() string {
		if lim.EditBytes < lim.ReadBytes {
			return "must be at least -read-bytes"
		}
		return ""
	}})
	atLeast("python-runs", &lim.PythonRuns, lim.PythonRuns, 1, "Python programs at once on the server (each is a process of 20-30 MiB); more wait in the queue")
	atLeast("bad-frames", &lim.BadFrames, lim.BadFrames, 1, "bad or excess messages tolerated before a websocket is closed with 1008 (one more every 5 s)")
	fs.Int64Var(&lim.ReadBytes, "read-bytes", lim.ReadBytes, "largest websocket message a client may send")
	flags = append(flags, limitFlag{"read-bytes", func() string {
		if lim.ReadBytes < 1 {
			return "must be at least 1"
		}
		return ""
	}})
	duration("write-timeout", &lim.WriteTimeout, lim.WriteTimeout, "longest wait to write one frame to a client")
	duration("ping-interval", &lim.PingInterval, lim.PingInterval, "how often the server pings each page")
	duration("idle-timeout", &lim.IdleTimeout, lim.IdleTimeout, "a websocket with no run for this long is closed")
	return &lim, flags
}

// checkLimitFlags names the first flag whose value cannot work.
func checkLimitFlags(flags []limitFlag) error {
	for _, f := range flags {
		if why := f.check(); why != "" {
			return Usagef("-%s %s", f.name, why)
		}
	}
	return nil
}

// ServerFlags configure a course: serve's, and walkthrough-load's for the
// course it starts in its own process.
type ServerFlags struct {
	run               *runner.Limits
	socket            *socket.Limits
	socketFlags       []limitFlag
	readHeaderTimeout time.Duration
	site              *FlagSite
	trustedProxies    string
	publicURL         string
	allowedHosts      string
	acceptRate        float64
	acceptBurst       int
	python            string
	edit              string
	editSandbox       string
	goCommand         string
	editCache         string
	editLimits        gobuild.Limits
	editMemoryMiB     int64
	pythonLimits      python.Limits
	pythonMemoryMiB   int64
	runNice           int
}

// NewServerFlags registers the flags that configure a course on fs.
func NewServerFlags(fs *flag.FlagSet) *ServerFlags {
	s := &ServerFlags{}
	fs.DurationVar(&s.readHeaderTimeout, "read-header-timeout", 5*time.Second, "longest wait for a request's headers; a slower client is dropped")
	s.run = RunLimitFlags(fs)
	s.socket, s.socketFlags = socketLimitFlags(fs)
	s.site = FlagSiteFlags(fs)
	s.editLimits = gobuild.DefaultLimits()
	s.editMemoryMiB = s.editLimits.Memory >> 20
	fs.StringVar(&s.edit, "edit", "on", "let learners run their edits of the demos' Go source (built by the Go toolchain, run in a sandbox): on or off")
	fs.StringVar(&s.editSandbox, "edit-sandbox", "auto", "auto: without a kernel sandbox, edits run only on a course listening on loopback; required: never without one")
	fs.StringVar(&s.goCommand, "go", "", "the go command that builds edits (default: go on PATH)")
	fs.StringVar(&s.editCache, "edit-cache", "", "GOCACHE shared by the edits' builds (default: a folder under the system's temporary folder)")
	fs.Int64Var(&s.editMemoryMiB, "edit-memory", s.editMemoryMiB, "memory one edited program may write to, MiB")
	fs.DurationVar(&s.editLimits.BuildTime, "edit-build-time", s.editLimits.BuildTime, "longest build of one edit")
	fs.Int64Var(&s.editLimits.DiskBytes, "edit-disk", s.editLimits.DiskBytes, "bytes an edited program may write to its /tmp")
	fs.Int64Var(&s.editLimits.TraceBytes, "trace-bytes", s.editLimits.TraceBytes, "bytes of a traced run's execution trace read for the scheduler view; past it the view says the run is too large")
	s.pythonLimits = python.DefaultLimits()
	s.pythonMemoryMiB = s.pythonLimits.AddressSpace >> 20
	fs.IntVar(&s.pythonLimits.CPUSeconds, "python-cpu", s.pythonLimits.CPUSeconds, "CPU seconds one Python run may use")
	fs.Int64Var(&s.pythonMemoryMiB, "python-memory", s.pythonMemoryMiB, "address space of one Python run, MiB")
	fs.IntVar(&s.pythonLimits.OpenFiles, "python-files", s.pythonLimits.OpenFiles, "open files of one Python run")
	fs.IntVar(&s.runNice, "run-nice", 0, "nice value (0-19) of every Python run's, edit's and build's process session: above 0, a busy server comes before learners' programs, whose own timing suffers on a busy machine")
	fs.StringVar(&s.python, "python", "", "interpreter for the demos' asyncio programs: a path, or off (default: python3 3.11+ on PATH or /usr/bin/python3, preferring one with aiohttp)")
	fs.Float64Var(&s.acceptRate, "accept-rate", 50, "connections one address may open per second, sustained; past it they are closed at once")
	fs.IntVar(&s.acceptBurst, "accept-burst", 300, "connections one address may open at once")
	fs.StringVar(&s.trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For / Forwarded name the client")
	fs.StringVar(&s.publicURL, "public-url", "", "the address learners use, e.g. https://course.example: its host is allowed")
	fs.StringVar(&s.allowedHosts, "allowed-hosts", "", "comma-separated further host names (host or host:port) the course answers; others get 403")
	return s
}

// CourseConfig checks the flags and returns the course they describe. Its
// errors are UsageErrors naming the flag.
func (s *ServerFlags) CourseConfig() (web.CourseConfig, error) {
	if s.readHeaderTimeout <= 0 {
		return web.CourseConfig{}, Usagef("-read-header-timeout must be positive")
	}
	if err := CheckRunLimits(*s.run); err != nil {
		return web.CourseConfig{}, err
	}
	if err := checkLimitFlags(s.socketFlags); err != nil {
		return web.CourseConfig{}, err
	}
	if s.pythonLimits.CPUSeconds < 1 || s.pythonMemoryMiB < 64 || s.pythonLimits.OpenFiles < 16 {
		return web.CourseConfig{}, Usagef("-python-cpu must be at least 1, -python-memory at least 64 and -python-files at least 16")
	}
	s.pythonLimits.AddressSpace = s.pythonMemoryMiB << 20
	if s.edit != "on" && s.edit != "off" {
		return web.CourseConfig{}, Usagef("-edit %q: want on or off", s.edit)
	}
	var sandboxPolicy runtimes.SandboxPolicy
	switch s.editSandbox {
	case "auto":
		sandboxPolicy = runtimes.SandboxOrLocal
	case "required":
		sandboxPolicy = runtimes.SandboxRequired
	default:
		return web.CourseConfig{}, Usagef("-edit-sandbox %q: want auto or required", s.editSandbox)
	}
	pythonPath := s.python
	if pythonPath == "off" {
		pythonPath = ""
	}
	if s.editMemoryMiB < 64 || s.editLimits.BuildTime < time.Second || s.editLimits.DiskBytes < 1<<20 || s.editLimits.TraceBytes < 64<<10 {
		return web.CourseConfig{}, Usagef("-edit-memory must be at least 64, -edit-build-time at least 1s, -edit-disk at least 1048576 and -trace-bytes at least 65536")
	}
	s.editLimits.Memory = s.editMemoryMiB << 20
	if s.runNice < 0 || s.runNice > 19 {
		return web.CourseConfig{}, Usagef("-run-nice must be 0 to 19 (a negative nice would need privilege and put learners' programs before the server)")
	}
	s.pythonLimits.Nice, s.editLimits.Nice = s.runNice, s.runNice
	s.editLimits.SourceBytes = int(s.socket.EditBytes)
	if !(s.acceptRate > 0) || math.IsInf(s.acceptRate, 0) {
		return web.CourseConfig{}, Usagef("-accept-rate must be a positive number")
	}
	if s.acceptBurst < 1 {
		return web.CourseConfig{}, Usagef("-accept-burst must be at least 1")
	}
	proxies, err := socket.ParsePrefixes(s.trustedProxies)
	if err != nil {
		return web.CourseConfig{}, Usagef("-trusted-proxies: %v", err)
	}
	if s.publicURL != "" {
		if u, err := url.Parse(s.publicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return web.CourseConfig{}, Usagef("-public-url %q is not a URL such as https://course.example", s.publicURL)
		}
	}
	var hosts []string
	for _, h := range strings.Split(s.allowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			if strings.ContainsAny(h, "/ ") {
				return web.CourseConfig{}, Usagef("-allowed-hosts: %q is not a host or host:port", h)
			}
			hosts = append(hosts, h)
		}
	}
	flags, err := s.site.Config()
	if err != nil {
		return web.CourseConfig{}, err
	}
	return web.CourseConfig{
		FlagsURL: s.site.URL, FlagsAddr: s.site.Addr, Flags: flags,
		Run: *s.run, Socket: *s.socket, ReadHeaderTimeout: s.readHeaderTimeout,
		TrustedProxies: proxies, PublicURL: s.publicURL, AllowedHosts: hosts,
		AcceptRate: s.acceptRate, AcceptBurst: s.acceptBurst,
		Python: runtimes.PythonConfig{Off: s.python == "off", Path: pythonPath, Limits: s.pythonLimits},
		Edit: runtimes.EditConfig{Off: s.edit == "off", Go: s.goCommand, Cache: s.editCache, Limits: s.editLimits,
			Sandbox: sandboxPolicy},
	}, nil
}
