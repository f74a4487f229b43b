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
	"github.com/bingfa-manyou/walkthrough/runner/flagserver"
	"github.com/bingfa-manyou/walkthrough/web"
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

// limitFlags registers the run limits as flags of fs.
func limitFlags(fs *flag.FlagSet) *runner.Limits {
	lim := runner.DefaultLimits()
	fs.DurationVar(&lim.RunTime, "run-time", lim.RunTime, "wall-time limit of one run")
	fs.IntVar(&lim.OutputBytes, "output-bytes", lim.OutputBytes, "output of one run before it is cut")
	fs.IntVar(&lim.PerConn, "runs-per-conn", lim.PerConn, "runs at once on one page")
	fs.IntVar(&lim.Global, "runs-global", lim.Global, "runs at once on the whole server")
	fs.Int64Var(&lim.ReadBytes, "read-bytes", lim.ReadBytes, "largest websocket message a client may send")
	fs.DurationVar(&lim.WriteTimeout, "write-timeout", lim.WriteTimeout, "longest wait to write one frame to a client")
	return &lim
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve the course on")
	readHeaderTimeout := fs.Duration("read-header-timeout", 5*time.Second, "longest wait for a request's headers; a slower client is dropped")
	lim := limitFlags(fs)
	site := flagSiteFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	flagsURL, stopFlags, err := site.start()
	if err != nil {
		return err
	}
	defer stopFlags(context.Background())
	catalog, err := lessons.Load(lessons.Options{FlagsURL: flagsURL})
	if err != nil {
		return err
	}
	// The page shows downloaded flags from our own origin: same bytes as the
	// flag server sends, without its latency or failures, and without
	// opening the CSP to another port.
	images, err := flagserver.New(flagserver.Config{})
	if err != nil {
		return err
	}
	socket, err := runner.NewSocket(catalog.Registry(), *lim, log)
	if err != nil {
		return err
	}
	handler, err := web.NewHandler(web.Config{Catalog: catalog, Socket: socket, Flags: images, Log: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// No ReadTimeout or WriteTimeout: they would also cut every websocket
	// after that long. Requests are all small GETs, so the header timeout
	// is what stops a slow client holding a connection; the socket has its
	// own per-frame write timeout and read limit.
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: *readHeaderTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "flag server at %s/\n", flagsURL)
	fmt.Fprintf(stdout, "并发漫游 serving at http://%s/\n", ln.Addr())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Stop accepting, stop every run, close every socket with 1001.
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- srv.Shutdown(sctx) }()
	go func() { errs <- socket.Close(sctx) }()
	err = errors.Join(<-errs, <-errs, stopFlags(sctx))
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
	catalog, err := lessons.Load(lessons.Options{FlagsURL: "http://127.0.0.1:0"})
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
	lim := limitFlags(fs)
	site := flagSiteFlags(fs)
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() < 1 {
		return usagef("usage: walkthrough run DEMO [name=value ...]")
	}
	flagsURL, stopFlags, err := site.start()
	if err != nil {
		return err
	}
	defer stopFlags(context.Background())
	catalog, err := lessons.Load(lessons.Options{FlagsURL: flagsURL})
	if err != nil {
		return err
	}
	id := fs.Arg(0)
	d, ok := catalog.Registry().Lookup(id)
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
	var ev runner.Events = runner.NoEvents{}
	if *events {
		ev = runner.NewTimeline(func(e runner.Event) {
			fmt.Fprintf(stderr, "[%9.1f ms] %-6s %s %s\n", e.TMs, e.Phase, e.Task, e.Status)
		})
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	res := runner.Execute(ctx, d, vals, stdout, ev, *lim, log)
	if res.Err != nil {
		return fmt.Errorf("demo %s: %w", d.ID, res.Err)
	}
	return nil
}
