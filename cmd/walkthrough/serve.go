package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/bingfa-manyou/walkthrough/cmd/internal/cli"
	"github.com/bingfa-manyou/walkthrough/web"
)

// shutdownGrace is how long a stopping server waits for runs and sockets.
const shutdownGrace = 5 * time.Second

type serveOptions struct {
	addr        string
	metricsAddr string
	logFormat   string
	drainDelay  time.Duration
	server      *cli.ServerFlags
}

func serveFlags(fs *flag.FlagSet) *serveOptions {
	o := &serveOptions{}
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to serve the course on")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this address of its own, e.g. 127.0.0.1:9090 (off when empty)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log lines as text or json")
	fs.DurationVar(&o.drainDelay, "drain-delay", 0, "on SIGTERM, keep serving this long with /readyz at 503 before stopping runs (for a load balancer)")
	o.server = cli.NewServerFlags(fs)
	return o
}

// logger writes the server's log lines to w, one per line, as text or JSON.
func logger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, usagef("-log-format %q: want text or json", format)
}

func (c *command) serve(ctx context.Context, args []string) error {
	fs := newFlagSet("serve")
	o := serveFlags(fs)
	if helped, err := c.parse("serve", fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes flags only, not %q", fs.Args())
	}
	cfg, err := o.server.CourseConfig()
	if err != nil {
		return err
	}
	if o.drainDelay < 0 {
		return usagef("-drain-delay must not be negative")
	}
	cfg.DrainDelay = o.drainDelay
	// A course on loopback alone is a learner's own machine: there, and
	// only there, edits may run without a sandbox (where none can be set
	// up), and the course refuses to serve anywhere else.
	cfg.LoopbackOnly = loopbackAddr(o.addr)
	if cfg.Log, err = logger(c.stderr, o.logFormat); err != nil {
		return err
	}
	course, err := web.NewCourse(cfg)
	if err != nil {
		return err
	}
	ln, err := c.listen("tcp", o.addr)
	if err != nil {
		course.Shutdown(context.Background())
		return fmt.Errorf("listen: %w", err)
	}
	var metricsSrv *http.Server
	if o.metricsAddr != "" {
		mln, err := c.listen("tcp", o.metricsAddr)
		if err != nil {
			ln.Close()
			course.Shutdown(context.Background())
			return fmt.Errorf("listen for metrics: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", course.Metrics())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go metricsSrv.Serve(mln)
		defer metricsSrv.Close()
		cfg.Log.Info("metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	// The URL comes first: scripts and people look for it there.
	fmt.Fprintf(c.stdout, "并发漫游 serving at http://%s/\n", ln.Addr())
	fmt.Fprintf(c.stdout, "flag server at %s/\n", course.FlagsURL())

	served := make(chan error, 1)
	go func() { served <- course.Serve(ln) }()
	// The lessons are rendered once the runtimes are probed, in the
	// background; a course whose pages cannot be rendered stops.
	ready := make(chan error, 1)
	go func() { ready <- course.Ready(ctx) }()
	for waiting := true; waiting; {
		select {
		case err := <-served:
			course.Shutdown(context.Background())
			return fmt.Errorf("serve: %w", err)
		case err := <-ready:
			if err != nil && ctx.Err() == nil {
				course.Shutdown(context.Background())
				<-served
				return err
			}
			ready = nil
		case <-ctx.Done():
			waiting = false
		}
	}

	// Drain (readyz 503 for the drain delay), then stop accepting, stop
	// every run, close every socket with 1001.
	sctx, cancel := context.WithTimeout(context.Background(), o.drainDelay+shutdownGrace)
	defer cancel()
	err = course.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	fmt.Fprintln(c.stdout, "并发漫游 stopped")
	return err
}

// loopbackAddr says whether addr (host:port) listens on loopback alone.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
