package main

import (
	"flag"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
)

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

func (s *flagSite) config() flagserver.Config {
	var codes []string
	for _, c := range strings.Split(s.notFound, ",") {
		if c = strings.TrimSpace(c); c != "" {
			codes = append(codes, strings.ToUpper(c))
		}
	}
	return flagserver.Config{Latency: s.latency, NotFound: codes, ErrorRate: s.errorRate, Seed: s.seed}
}
