package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/cmd/internal/cli"
	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/perf/load"
)

type loadOptions struct {
	scenario  string
	clients   int
	demo      string
	params    string
	addr      string
	serverPID int
	timeout   time.Duration
	stopAfter time.Duration

	duration, idle, hogOnly time.Duration
	hogPages, hogRuns       int
	hogSockets              int
	hogParams               string
	learners, addresses     int

	server *cli.ServerFlags
	// serverFlags holds the same flags as server, to tell which of fs's
	// flags configure the course.
	serverFlags *flag.FlagSet
}

// scenarioFlags are the flags that mean something to some scenarios only;
// any other flag applies to all.
var scenarioFlags = map[string][]string{
	"clients":     {load.ScenarioClicks},
	"stop-after":  {load.ScenarioClicks},
	"demo":        {load.ScenarioClicks, load.ScenarioHog, load.ScenarioStorm},
	"params":      {load.ScenarioClicks, load.ScenarioHog, load.ScenarioStorm},
	"duration":    {load.ScenarioHog, load.ScenarioBadFrames, load.ScenarioPingFlood, load.ScenarioStorm},
	"idle":        {load.ScenarioHog, load.ScenarioBadFrames, load.ScenarioPingFlood, load.ScenarioStorm},
	"server-pid":  {load.ScenarioHog, load.ScenarioBadFrames, load.ScenarioPingFlood, load.ScenarioStorm},
	"hog-pages":   {load.ScenarioHog},
	"hog-runs":    {load.ScenarioHog},
	"hog-sockets": {load.ScenarioHog},
	"hog-params":  {load.ScenarioHog},
	"hog-only":    {load.ScenarioHog},
	"learners":    {load.ScenarioHog},
	"addresses":   {load.ScenarioClicks, load.ScenarioHog},
}

func loadFlags(fs *flag.FlagSet) *loadOptions {
	o := &loadOptions{}
	hog := load.DefaultHog()
	fs.StringVar(&o.scenario, "scenario", load.ScenarioClicks, "what to measure: "+strings.Join(load.Scenarios(), ", ")+" (perf/README.md)")
	fs.IntVar(&o.clients, "clients", 100, fmt.Sprintf("clicks: websocket clients opened at once, each running the demo once (at most %d)", load.MaxClients))
	fs.StringVar(&o.demo, "demo", "spinner-goroutine", "demo clicked: by every client (clicks), by the learners (hog), in every cycle (storm)")
	fs.StringVar(&o.params, "params", "", "the demo's parameters: name=value,name=value (a value may itself hold commas: missing=CD,IR);\n"+
		"unset, hog's learners click "+paramLine(hog.Params)+" and storm's cycles ask for "+paramLine(load.DefaultFlood(load.ScenarioStorm).Params))
	fs.StringVar(&o.addr, "addr", "", "base URL of a course already running on loopback; empty starts one in this process")
	fs.IntVar(&o.serverPID, "server-pid", 0, "with -addr: the server's process id, whose CPU, memory and descriptors are measured apart from this process's")
	fs.DurationVar(&o.timeout, "timeout", load.DefaultTimeout, "give up on the whole load after this long (clicks; the others: by default their stretches + 1-2 min)")
	fs.DurationVar(&o.stopAfter, "stop-after", 0, "clicks: stop each run this long after it started and time stop → exit (0: let runs end)")
	fs.DurationVar(&o.duration, "duration", 0, fmt.Sprintf("how long the attack lasts (floods: %v), or the learners click (hog: %v)",
		load.DefaultFlood(load.ScenarioBadFrames).Duration, hog.Duration))
	fs.DurationVar(&o.idle, "idle", hog.Idle, "how long the server is measured at rest first, the CPU baseline")
	fs.IntVar(&o.hogPages, "hog-pages", hog.Pages, "hog: pages the hog opens from 127.0.0.1")
	fs.IntVar(&o.hogRuns, "hog-runs", hog.RunsPerPage, "hog: long runs each of its pages keeps going")
	fs.StringVar(&o.hogParams, "hog-params", paramLine(hog.HogParams), "hog: parameters of its long runs ("+hog.HogDemo+")")
	fs.IntVar(&o.hogSockets, "hog-sockets", hog.IdleSockets, "hog: idle sockets it then tries to open")
	fs.DurationVar(&o.hogOnly, "hog-only", hog.HogOnly, "hog: how long the hog is measured alone before the learners come")
	fs.IntVar(&o.learners, "learners", hog.Learners, "hog: learners clicking Run and reading a lesson page every 0.5-1 s")
	fs.IntVar(&o.addresses, "addresses", 0, "loopback addresses the clients (clicks: 127.1.0.1 on) or the learners (hog: 127.0.0.2 on) come from,\n"+
		"each counted by the server as one client: 0 one each, 1 all from one (clicks: 127.0.0.1)")
	// serve's own flags (limits, flag server, timeouts) configure the
	// course started in this process.
	o.serverFlags = newFlagSet("serve")
	o.server = cli.NewServerFlags(o.serverFlags)
	o.serverFlags.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage+" (server in this process)") })
	return o
}

// paramLine writes parameters as -params takes them.
func paramLine(params map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(params)) {
		parts = append(parts, k+"="+params[k])
	}
	return strings.Join(parts, ",")
}

// load measures the course in one of perf/load's scenarios, with its
// configuration taken from flags.
func (c *command) load(ctx context.Context, args []string) error {
	fs := newFlagSet("walkthrough-load")
	o := loadFlags(fs)
	if helped, err := c.parse(fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("flags only, not %q (walkthrough-load -h lists them)", fs.Args())
	}
	if !slices.Contains(load.Scenarios(), o.scenario) {
		return cli.Usagef("-scenario %q: want one of %s", o.scenario, strings.Join(load.Scenarios(), ", "))
	}
	set := map[string]bool{}
	var serverArgs []string
	fs.Visit(func(f *flag.Flag) {
		set[f.Name] = true
		if o.serverFlags.Lookup(f.Name) != nil {
			serverArgs = append(serverArgs, "-"+f.Name+"="+f.Value.String())
		}
	})
	for _, name := range slices.Sorted(maps.Keys(set)) {
		if only, ok := scenarioFlags[name]; ok && !slices.Contains(only, o.scenario) {
			return cli.Usagef("-%s does not apply to -scenario %s (only to %s)", name, o.scenario, strings.Join(only, ", "))
		}
	}
	if o.addr != "" && len(serverArgs) > 0 {
		return cli.Usagef("server flags %v apply only to a server started by load, not to -addr", serverArgs)
	}
	params, err := load.ParseParams(o.params)
	if err != nil {
		return cli.UsageError{Err: fmt.Errorf("-params: %w", err)}
	}
	if !set["params"] && o.scenario != load.ScenarioClicks {
		params = nil // the scenario's own
	}
	course, err := o.server.CourseConfig()
	if err != nil {
		return err
	}
	course.Log = slog.New(slog.NewTextHandler(c.stderr, nil))
	// Demos and parameters are checked against the catalog before any
	// server or client starts.
	if course.Catalog, err = lessons.Load(); err != nil {
		return err
	}
	server := load.Server{Target: o.addr, PID: o.serverPID, Course: course, Listen: c.listen, Flags: serverArgs}
	timeout := o.timeout
	if !set["timeout"] {
		timeout = 0 // the scenario's own
	}

	var rep interface{ Print(io.Writer) }
	switch o.scenario {
	case load.ScenarioClicks:
		cfg := load.Config{
			Clients: o.clients, Demo: o.demo, Params: params, Addresses: o.addresses,
			Target: o.addr, Course: course, Listen: c.listen, ServerFlags: serverArgs,
			Timeout: o.timeout, StopAfter: o.stopAfter,
		}
		if err := cfg.Validate(course.Catalog); err != nil {
			return loadUsage(err)
		}
		rep, err = load.Run(ctx, cfg)
	case load.ScenarioHog:
		cfg := load.DefaultHog()
		cfg.Server, cfg.Timeout = server, timeout
		cfg.Pages, cfg.RunsPerPage, cfg.IdleSockets = o.hogPages, o.hogRuns, o.hogSockets
		cfg.Learners, cfg.LearnerAddresses, cfg.Demo = o.learners, o.addresses, o.demo
		cfg.Idle, cfg.HogOnly = o.idle, o.hogOnly
		if o.duration != 0 {
			cfg.Duration = o.duration
		}
		if params != nil {
			cfg.Params = params
		}
		if cfg.HogParams, err = load.ParseParams(o.hogParams); err != nil {
			return cli.UsageError{Err: fmt.Errorf("-hog-params: %w", err)}
		}
		if err := cfg.Validate(course.Catalog); err != nil {
			return loadUsage(err)
		}
		rep, err = load.RunHog(ctx, cfg)
	default:
		cfg := load.DefaultFlood(o.scenario)
		cfg.Server, cfg.Timeout, cfg.Demo, cfg.Idle = server, timeout, o.demo, o.idle
		if o.duration != 0 {
			cfg.Duration = o.duration
		}
		if params != nil {
			cfg.Params = params
		}
		if err := cfg.Validate(course.Catalog); err != nil {
			return loadUsage(err)
		}
		rep, err = load.RunFlood(ctx, cfg)
	}
	if err != nil {
		if ctx.Err() != nil {
			return cli.InterruptedError{What: "load"}
		}
		return err
	}
	rep.Print(c.stdout)
	return nil
}

// loadFlagOf is the flag behind each field a load.ConfigError can name.
var loadFlagOf = map[string]string{
	"Clients": "-clients", "Target": "-addr", "PID": "-server-pid", "Timeout": "-timeout", "StopAfter": "-stop-after",
	"Scenario": "-scenario", "Duration": "-duration", "Idle": "-idle", "HogOnly": "-hog-only",
	"Pages": "-hog-pages", "RunsPerPage": "-hog-runs", "IdleSockets": "-hog-sockets", "HogDemo": "-hog-params", "HogParams": "-hog-params",
	"Learners": "-learners", "LearnerAddresses": "-addresses", "Addresses": "-addresses",
}

// loadUsage names the flag behind a load.ConfigError.
func loadUsage(err error) error {
	ce, ok := errors.AsType[*load.ConfigError](err)
	if !ok {
		return err
	}
	switch ce.Field {
	case "Demo":
		return cli.Usagef("%v (walkthrough list shows the demos)", ce.Err)
	case "Params":
		return cli.UsageError{Err: ce.Err}
	}
	if name, ok := loadFlagOf[ce.Field]; ok {
		return cli.Usagef("%s %v", name, ce.Err)
	}
	return cli.UsageError{Err: ce.Err}
}
