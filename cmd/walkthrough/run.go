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
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/web"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// usageError is a mistake in how the command was called.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// shutdownGrace is how long a stopping server waits for runs and sockets.
const shutdownGrace = 5 * time.Second

// run dispatches to a subcommand; serve is the default.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "list":
		return list(args, stdout)
	case "run":
		return runDemo(ctx, args, stdout, stderr)
	case "load":
		return load(ctx, args, stdout, stderr)
	}
	return usagef("unknown command %q (want serve, list, run or load)", cmd)
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// limitFlags registers the run and socket limits as flags of fs.
func limitFlags(fs *flag.FlagSet) (*runner.Limits, *socket.Limits) {
	run, sock := runner.DefaultLimits(), socket.DefaultLimits()
	fs.DurationVar(&run.RunTime, "run-time", run.RunTime, "wall-time limit of one run")
	fs.IntVar(&run.OutputBytes, "output-bytes", run.OutputBytes, "output of one run before it is cut")
	fs.IntVar(&sock.PerConn, "runs-per-conn", sock.PerConn, "runs at once on one page")
	fs.IntVar(&sock.Global, "runs-global", sock.Global, "runs at once on the whole server")
	fs.Int64Var(&sock.ReadBytes, "read-bytes", sock.ReadBytes, "largest websocket message a client may send")
	fs.DurationVar(&sock.WriteTimeout, "write-timeout", sock.WriteTimeout, "longest wait to write one frame to a client")
	return &run, &sock
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve the course on")
	readHeaderTimeout := fs.Duration("read-header-timeout", 5*time.Second, "longest wait for a request's headers; a slower client is dropped")
	runLim, sockLim := limitFlags(fs)
	site := flagSiteFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	course, err := web.NewCourse(web.CourseConfig{
		FlagsURL: site.url, FlagsAddr: site.addr, Flags: site.config(),
		Run: *runLim, Socket: *sockLim, ReadHeaderTimeout: *readHeaderTimeout, Log: log,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		course.Shutdown(context.Background())
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(stdout, "并发漫游 serving at http://%s/\n", ln.Addr())
	fmt.Fprintf(stdout, "flag server at %s/\n", course.FlagsURL())

	served := make(chan error, 1)
	go func() { served <- course.Serve(ln) }()
	select {
	case err := <-served:
		course.Shutdown(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Stop accepting, stop every run, close every socket with 1001.
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = course.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	fmt.Fprintln(stdout, "并发漫游 stopped")
	return err
}

func list(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usagef("list takes no arguments")
	}
	// Listing needs no flag server: no demo runs.
	catalog, err := lessons.Load()
	if err != nil {
		return err
	}
	for _, d := range catalog.Demos() {
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", d.ID, d.Lesson, d.Title)
	}
	return nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	events := fs.Bool("events", false, "also print timeline events to stderr")
	runLim, _ := limitFlags(fs)
	site := flagSiteFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() < 1 {
		return usagef("usage: walkthrough run DEMO [name=value ...]")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	course, err := web.NewCourse(web.CourseConfig{
		FlagsURL: site.url, FlagsAddr: site.addr, Flags: site.config(), Run: *runLim, Log: log,
	})
	if err != nil {
		return err
	}
	defer course.Shutdown(context.Background())
	id := fs.Arg(0)
	d, ok := course.Catalog().Registry().Lookup(id)
	if !ok {
		return usagef("unknown demo %q (see walkthrough list)", id)
	}
	raw := map[string]string{}
	for _, kv := range fs.Args()[1:] {
		name, value, found := strings.Cut(kv, "=")
		if !found {
			return usagef("parameter %q should be written name=value", kv)
		}
		raw[name] = value
	}
	vals, err := d.Parse(raw)
	if err != nil {
		return usageError{err}
	}
	var watch runner.Watch
	if *events {
		watch = func(e runner.Event, _ int) {
			fmt.Fprintf(stderr, "[%9.1f ms] %-6s %s %s\n", e.TMs, e.Phase, e.Task, e.Status)
		}
	}
	res := runner.Execute(ctx, course.Env(), d, vals, stdout, watch)
	if res.Err != nil {
		return fmt.Errorf("demo %s: %w", d.ID, res.Err)
	}
	return nil
}
