package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/perf/load"
)

type loadOptions struct {
	clients   int
	demo      string
	params    string
	addr      string
	timeout   time.Duration
	stopAfter time.Duration
	server    *serverFlags
	// serverFlags holds the same flags as server, to tell which of fs's
	// flags configure the course.
	serverFlags *flag.FlagSet
}

func loadFlags(fs *flag.FlagSet) *loadOptions {
	o := &loadOptions{}
	fs.IntVar(&o.clients, "clients", 100, fmt.Sprintf("websocket clients opened at once, each running the demo once (at most %d)", load.MaxClients))
	fs.StringVar(&o.demo, "demo", "spinner-goroutine", "demo every client runs")
	fs.StringVar(&o.params, "params", "", "the demo's parameters: name=value,name=value (a value may itself hold commas: missing=CD,IR)")
	fs.StringVar(&o.addr, "addr", "", "base URL of a course already running on loopback; empty starts one in this process")
	fs.DurationVar(&o.timeout, "timeout", load.DefaultTimeout, "give up on the whole load after this long")
	fs.DurationVar(&o.stopAfter, "stop-after", 0, "stop each run this long after it started and time stop → exit (0: let runs end)")
	// serve's own flags (limits, flag server, timeouts) configure the
	// course started in this process.
	o.serverFlags = newFlagSet("serve")
	o.server = newServerFlags(o.serverFlags)
	o.serverFlags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage+" (server in this process)") })
	return o
}

// load measures the course under many websocket clients: perf/load with
// its configuration taken from flags.
func (c *command) load(ctx context.Context, args []string) error {
	fs := newFlagSet("load")
	o := loadFlags(fs)
	if helped, err := c.parse("load", fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("load takes flags only, not %q", fs.Args())
	}
	params, err := load.ParseParams(o.params)
	if err != nil {
		return usageError{fmt.Errorf("-params: %w", err)}
	}
	var serverArgs []string
	fs.Visit(func(f *flag.Flag) {
		if o.serverFlags.Lookup(f.Name) != nil {
			serverArgs = append(serverArgs, "-"+f.Name+"="+f.Value.String())
		}
	})
	if o.addr != "" && len(serverArgs) > 0 {
		return usagef("server flags %v apply only to a server started by load, not to -addr", serverArgs)
	}
	course, err := o.server.courseConfig()
	if err != nil {
		return err
	}
	course.Log = slog.New(slog.NewTextHandler(c.stderr, nil))
	// The demo and its parameters are checked against the catalog before
	// any server or client starts.
	if course.Catalog, err = lessons.Load(); err != nil {
		return err
	}
	cfg := load.Config{
		Clients: o.clients, Demo: o.demo, Params: params,
		Target: o.addr, Course: course, Listen: c.listen, ServerFlags: serverArgs,
		Timeout: o.timeout, StopAfter: o.stopAfter,
	}
	if err := cfg.Validate(course.Catalog); err != nil {
		return loadUsage(err)
	}
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return interruptedError{"load"}
		}
		return err
	}
	rep.Print(c.stdout)
	return nil
}

// loadUsage names the flag behind a load.ConfigError.
func loadUsage(err error) error {
	ce, ok := errors.AsType[*load.ConfigError](err)
	if !ok {
		return err
	}
	switch ce.Field {
	case "Clients":
		return usagef("-clients %v", ce.Err)
	case "Target":
		return usagef("-addr %v", ce.Err)
	case "Timeout":
		return usagef("-timeout %v", ce.Err)
	case "StopAfter":
		return usagef("-stop-after %v", ce.Err)
	case "Demo":
		return usagef("%v (walkthrough list shows the demos)", ce.Err)
	}
	return usageError{ce.Err}
}
