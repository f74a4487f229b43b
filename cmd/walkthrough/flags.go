package main

import (
	"flag"
	"math"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// The flags are checked here, before anything starts, so that a bad one is
// named as the learner typed it: the constructors behind them would only
// say which field of which struct was wrong.

// flagSite is how the download demos reach a flag server: the built-in one
// (started on a loopback port) or another base URL given with -flags-url.
type flagSite struct {
	addr      string
	url       string
	latency   time.Duration
	notFound  string
	errorRate float64
	seed      int64
}

func flagSiteFlags(fs *flag.FlagSet) *flagSite {
	s := &flagSite{}
	fs.StringVar(&s.addr, "flags-addr", "127.0.0.1:0", "loopback address of the built-in flag server (port 0: any free port)")
	fs.StringVar(&s.url, "flags-url", "", "point the download demos at this base URL instead of the built-in flag server")
	fs.DurationVar(&s.latency, "flags-latency", 0, "latency the built-in flag server adds to every answer, unless a demo asks for its own")
	fs.StringVar(&s.notFound, "flags-404", "", "comma-separated country codes the built-in flag server answers with 404")
	fs.Float64Var(&s.errorRate, "flags-error-rate", 0, "share (0-1) of requests the built-in flag server answers with 500")
	fs.Int64Var(&s.seed, "flags-seed", 1, "seed that decides which requests fail, so runs repeat")
	return s
}

// config checks the flags and returns the built-in flag server's
// configuration.
func (s *flagSite) config() (flagserver.Config, error) {
	if s.url != "" {
		u, err := url.Parse(s.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return flagserver.Config{}, usagef("-flags-url %q is not a URL such as http://127.0.0.1:8001", s.url)
		}
	} else {
		host, _, err := net.SplitHostPort(s.addr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return flagserver.Config{}, usagef("-flags-addr %q is not a loopback address such as 127.0.0.1:0", s.addr)
		}
	}
	if s.latency < 0 {
		return flagserver.Config{}, usagef("-flags-latency must not be negative")
	}
	if math.IsNaN(s.errorRate) || s.errorRate < 0 || s.errorRate > 1 {
		return flagserver.Config{}, usagef("-flags-error-rate must be between 0 and 1")
	}
	var codes []string
	for _, c := range strings.Split(s.notFound, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if !isCountryCode(c) {
			return flagserver.Config{}, usagef("-flags-404: %q is not a country code such as CD", c)
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

// runLimitFlags registers the limits of one run: what matters to run as
// much as to serve.
func runLimitFlags(fs *flag.FlagSet) *runner.Limits {
	lim := runner.DefaultLimits()
	fs.DurationVar(&lim.RunTime, "run-time", lim.RunTime, "wall-time limit of one run")
	fs.IntVar(&lim.OutputBytes, "output-bytes", lim.OutputBytes, "output of one run before it is cut")
	return &lim
}

func checkRunLimits(lim runner.Limits) error {
	switch {
	case lim.RunTime <= 0:
		return usagef("-run-time must be positive")
	case lim.OutputBytes < 1:
		return usagef("-output-bytes must be at least 1")
	}
	return nil
}

// socketLimitFlags registers what the server's socket allows its pages.
func socketLimitFlags(fs *flag.FlagSet) *socket.Limits {
	lim := socket.DefaultLimits()
	fs.IntVar(&lim.PerConn, "runs-per-conn", lim.PerConn, "runs at once on one page")
	fs.IntVar(&lim.Global, "runs-global", lim.Global, "runs at once on the whole server")
	fs.Int64Var(&lim.ReadBytes, "read-bytes", lim.ReadBytes, "largest websocket message a client may send")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", lim.WriteTimeout, "longest wait to write one frame to a client")
	return &lim
}

func checkSocketLimits(lim socket.Limits) error {
	switch {
	case lim.PerConn < 1:
		return usagef("-runs-per-conn must be at least 1")
	case lim.Global < 1:
		return usagef("-runs-global must be at least 1")
	case lim.ReadBytes < 1:
		return usagef("-read-bytes must be at least 1")
	case lim.WriteTimeout <= 0:
		return usagef("-write-timeout must be positive")
	}
	return nil
}

// serverFlags configure a course: serve's, and load's for the course it
// starts in its own process.
type serverFlags struct {
	run               *runner.Limits
	socket            *socket.Limits
	readHeaderTimeout time.Duration
	site              *flagSite
}

func newServerFlags(fs *flag.FlagSet) *serverFlags {
	s := &serverFlags{}
	fs.DurationVar(&s.readHeaderTimeout, "read-header-timeout", 5*time.Second, "longest wait for a request's headers; a slower client is dropped")
	s.run = runLimitFlags(fs)
	s.socket = socketLimitFlags(fs)
	s.site = flagSiteFlags(fs)
	return s
}

// courseConfig checks the flags and returns the course they describe.
func (s *serverFlags) courseConfig() (web.CourseConfig, error) {
	if s.readHeaderTimeout <= 0 {
		return web.CourseConfig{}, usagef("-read-header-timeout must be positive")
	}
	if err := checkRunLimits(*s.run); err != nil {
		return web.CourseConfig{}, err
	}
	if err := checkSocketLimits(*s.socket); err != nil {
		return web.CourseConfig{}, err
	}
	flags, err := s.site.config()
	if err != nil {
		return web.CourseConfig{}, err
	}
	return web.CourseConfig{
		FlagsURL: s.site.url, FlagsAddr: s.site.addr, Flags: flags,
		Run: *s.run, Socket: *s.socket, ReadHeaderTimeout: s.readHeaderTimeout,
	}, nil
}
