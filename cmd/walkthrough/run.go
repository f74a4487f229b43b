package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/bingfa-manyou/walkthrough/cmd/internal/cli"
	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// runOptions are what matters to one run in the terminal: its limits, the
// flag site, and which of the demo's two programs runs. The socket's
// limits do not: no page is involved.
type runOptions struct {
	events bool
	python pythonFlag
	source string
	race   bool
	trace  bool
	procs  int
	limits *runner.Limits
	site   *cli.FlagSite
}

func runFlags(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.BoolVar(&o.events, "events", false, "also print timeline events to stderr")
	fs.StringVar(&o.source, "source", "", "run this file as the demo's Go source instead of the shown one (a learner's edit), built and run in a sandbox as on the server")
	fs.BoolVar(&o.race, "race", false, "with -source: build the edit with the race detector")
	fs.BoolVar(&o.trace, "trace", false, "run the demo's Go code (or -source) in a sandboxed child with the runtime's execution tracer on, and print what the scheduler did, per P")
	fs.IntVar(&o.procs, "procs", 0, "with -trace: the child's GOMAXPROCS, 1, 2, 4 or 8 (default: the server's, 2)")
	fs.Var(&o.python, "python", "run the demo's asyncio program (its Python tab) instead of its Go code, on python3 3.11+ (-python=PATH: that interpreter)")
	o.limits = cli.RunLimitFlags(fs)
	o.site = cli.FlagSiteFlags(fs)
	return o
}

// request is the runtime the flags ask for, checked as the server checks
// a run frame's (runtimes.Request.Check), with the flags' names.
func (o *runOptions) request() (runtimes.Request, error) {
	req := runtimes.Request{Runtime: runtimes.Go, Race: o.race, Procs: o.procs}
	switch {
	case o.race && o.source == "":
		return req, usagef("-race builds an edit: it goes with -source")
	case o.source != "" && o.python.on:
		return req, usagef("-source is a Go source: it does not go with -python")
	case o.procs != 0 && !o.trace:
		return req, usagef("-procs sets the GOMAXPROCS of a traced run: it goes with -trace")
	case o.procs != 0 && !slices.Contains(runtimes.ProcsChoices, o.procs):
		return req, usagef("-procs must be 1, 2, 4 or 8")
	case o.trace && (o.race || o.python.on):
		return req, usagef("-trace traces a Go run: it does not go with -race or -python")
	case o.trace:
		req.Runtime = runtimes.Traced
	case o.source != "":
		req.Runtime = runtimes.Edited
	case o.python.on:
		req.Runtime = runtimes.Python
	}
	return req, nil
}

func (c *command) runDemo(ctx context.Context, args []string) error {
	fs := newFlagSet("run")
	o := runFlags(fs)
	if helped, err := c.parse("run", fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("usage: walkthrough run [flags] DEMO [name=value ...] (walkthrough list shows the demos)")
	}
	// Everything the learner typed is checked before anything starts.
	catalog, err := lessons.Load()
	if err != nil {
		return err
	}
	d, err := findDemo(catalog, fs.Arg(0))
	if err != nil {
		return err
	}
	if slices.ContainsFunc(fs.Args()[1:], isHelpFlag) {
		printDemoHelp(c, d)
		return nil
	}
	raw, err := parseAssignments(fs.Args()[1:])
	if err != nil {
		return err
	}
	vals, err := d.Parse(raw)
	if err != nil {
		return usageError{err}
	}
	if err := cli.CheckRunLimits(*o.limits); err != nil {
		return err
	}
	flags, err := o.site.Config()
	if err != nil {
		return err
	}

	req, err := o.request()
	if err != nil {
		return err
	}
	if len(req.Source) == 0 && o.source != "" {
		if req.Source, err = os.ReadFile(o.source); err != nil {
			return usageError{fmt.Errorf("-source: %w", err)}
		}
	}
	var summary *trace.Summary
	var traceErr error
	req.Traced = func(s *trace.Summary, err error) { summary, traceErr = s, err }

	// The course's runtimes decide how the demo runs, as on the server:
	// the same checks and parameters, the program swapped for Python's,
	// the learner's edit, or a traced child. Nothing else of the web
	// course starts; a Go demo probes nothing at all.
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rts, err := runtimes.New(runtimes.Config{Catalog: catalog, Flags: flags, Log: log,
		Python: runtimes.PythonConfig{Off: !o.python.on, Path: o.python.path},
		// One's own code in one's own terminal: run without a sandbox
		// where none can be had.
		Edit: runtimes.EditConfig{Off: req.Runtime != runtimes.Edited && req.Runtime != runtimes.Traced, Local: true},
	})
	if err != nil {
		return err
	}
	defer rts.Close()
	resolved, err := rts.Resolve(d, req)
	if err != nil {
		what := "demo " + d.ID
		if o.source != "" {
			what = o.source
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	d = resolved
	env := runner.Env{Limits: *o.limits, Log: slog.New(slog.NewTextHandler(c.stderr, nil)), FlagsURL: o.site.URL}
	if env.FlagsURL == "" {
		// The built-in flag site, for the download demos (a sandboxed
		// child serves its own; one without a sandbox uses this one).
		site, err := flagserver.Start(o.site.Addr, flags)
		if err != nil {
			return fmt.Errorf("flag server: %w", err)
		}
		defer site.Close(context.Background())
		env.FlagsURL = site.URL
	}
	var watch runner.Watch
	if o.events {
		watch = func(e runner.Event, _ int) {
			fmt.Fprintf(c.stderr, "[%9.1f ms] %-6s %s %s\n", e.TMs, e.Phase, e.Task, e.Status)
		}
	}
	res := runner.Execute(ctx, env, d, vals, c.stdout, watch)
	if req.Runtime == runtimes.Traced && !errors.Is(res.Err, runner.ErrStopped) && !errors.Is(res.Err, runner.ErrTimeout) {
		if traceErr != nil {
			fmt.Fprintf(c.stderr, "trace: %v\n", traceErr)
		} else if summary != nil {
			printTrace(c.stdout, summary)
		}
	}
	switch {
	case res.Err == nil:
		return nil
	case errors.Is(res.Err, runner.ErrStopped) && ctx.Err() != nil:
		return interruptedError{"demo " + d.ID}
	}
	return fmt.Errorf("demo %s: %w", d.ID, res.Err)
}

// pythonFlag is -python: given bare, the demo's asyncio program runs on
// the interpreter the server would find; given as -python=PATH, on that
// one.
type pythonFlag struct {
	on   bool
	path string
}

func (f *pythonFlag) IsBoolFlag() bool { return true }

func (f *pythonFlag) String() string {
	if f.path != "" {
		return f.path
	}
	return strconv.FormatBool(f.on)
}

func (f *pythonFlag) Set(s string) error {
	if on, err := strconv.ParseBool(s); err == nil {
		f.on, f.path = on, ""
		return nil
	}
	f.on, f.path = true, s
	return nil
}

func findDemo(catalog *lessons.Catalog, id string) (*runner.Demo, error) {
	d, ok := catalog.Registry().Lookup(id)
	if !ok {
		return nil, usagef("unknown demo %q (walkthrough list shows the demos)", id)
	}
	return d, nil
}

// parseAssignments reads name=value arguments. A name given twice is
// refused: one of the two values would be silently lost.
func parseAssignments(args []string) (map[string]string, error) {
	raw := map[string]string{}
	for _, kv := range args {
		if strings.HasPrefix(kv, "-") {
			return nil, usagef("flag %s comes before the demo: walkthrough run [flags] DEMO [name=value ...]", kv)
		}
		name, value, found := strings.Cut(kv, "=")
		if !found {
			return nil, usagef("parameter %q should be written name=value", kv)
		}
		if _, dup := raw[name]; dup {
			return nil, usagef("parameter %q is given twice", name)
		}
		raw[name] = value
	}
	return raw, nil
}

// demoHelp is `walkthrough help run DEMO`.
func (c *command) demoHelp(id string) error {
	catalog, err := lessons.Load()
	if err != nil {
		return err
	}
	d, err := findDemo(catalog, id)
	if err != nil {
		return err
	}
	printDemoHelp(c, d)
	return nil
}

// printDemoHelp shows what a demo can be given, as the page's knobs do:
// name, type, default, allowed values and what it changes.
func printDemoHelp(c *command, d *runner.Demo) {
	w := c.stdout
	fmt.Fprintf(w, "Usage: walkthrough run [flags] %s [name=value ...]\n\n", d.ID)
	fmt.Fprintf(w, "%s: %s (lesson %s)\n", d.ID, d.Title, d.Lesson)
	if len(d.Params) == 0 {
		fmt.Fprintln(w, "\nThis demo takes no parameters.")
		printPythonHelp(w, d)
		return
	}
	fmt.Fprintln(w, "\nParameters (one left out takes its default):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tTYPE\tDEFAULT\tALLOWED\tWHAT IT DOES")
	example := []string{"walkthrough run", d.ID}
	for _, p := range d.Params {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, p.Default, allowed(p), p.Help)
		example = append(example, p.Name+"="+p.Default)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nWith every default written out:\n  %s\n", strings.Join(example, " "))
	printPythonHelp(w, d)
}

// printPythonHelp says how to run the demo's asyncio program instead.
func printPythonHelp(w io.Writer, d *runner.Demo) {
	if d.Python == "" {
		return
	}
	fmt.Fprintf(w, "\nIts asyncio program, %s, takes the same parameters (python3 3.11+; the downloads need aiohttp):\n  walkthrough run -python %s [name=value ...]\n", d.Python, d.ID)
}

// allowed says which values a parameter takes, in the units it is typed in.
func allowed(p runner.Param) string {
	if p.Kind == runner.KindChoice {
		return "one of " + strings.Join(p.Choices, " | ")
	}
	var r string
	switch {
	case p.Min != "" && p.Max != "":
		r = p.Min + " to " + p.Max
	case p.Min != "":
		r = "at least " + p.Min
	case p.Max != "":
		r = "at most " + p.Max
	default:
		r = "any"
	}
	if p.Kind == runner.KindDurations {
		items := p.MaxItems
		if items == 0 {
			items = 20 // runner's bound on a list
		}
		r = fmt.Sprintf("up to %d values, comma-separated, each %s", items, r)
	}
	return r
}
