package main

import (
	"context"
	"encoding/json"
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

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
	"github.com/bingfa-manyou/walkthrough/web"
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
	site   *flagSite
}

func runFlags(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.BoolVar(&o.events, "events", false, "also print timeline events to stderr")
	fs.StringVar(&o.source, "source", "", "run this file as the demo's Go source instead of the shown one (a learner's edit), built and run in a sandbox as on the server")
	fs.BoolVar(&o.race, "race", false, "with -source: build the edit with the race detector")
	fs.BoolVar(&o.trace, "trace", false, "run the demo's Go code (or -source) in a sandboxed child with the runtime's execution tracer on, and print what the scheduler did, per P")
	fs.IntVar(&o.procs, "procs", 0, "with -trace: the child's GOMAXPROCS, 1, 2, 4 or 8 (default: the server's, 2)")
	fs.Var(&o.python, "python", "run the demo's asyncio program (its Python tab) instead of its Go code, on python3 3.11+ (-python=PATH: that interpreter)")
	o.limits = runLimitFlags(fs)
	o.site = flagSiteFlags(fs)
	return o
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
	if err := checkRunLimits(*o.limits); err != nil {
		return err
	}
	flags, err := o.site.config()
	if err != nil {
		return err
	}

	if o.race && o.source == "" {
		return usagef("-race builds an edit: it goes with -source")
	}
	if o.source != "" && o.python.on {
		return usagef("-source is a Go source: it does not go with -python")
	}
	if o.procs != 0 && !o.trace {
		return usagef("-procs sets the GOMAXPROCS of a traced run: it goes with -trace")
	}
	if o.procs != 0 && !slices.Contains(gobuild.ProcsChoices, o.procs) {
		return usagef("-procs must be 1, 2, 4 or 8")
	}
	if o.trace && (o.race || o.python.on) {
		return usagef("-trace traces a Go run: it does not go with -race or -python")
	}
	var summary *trace.Summary
	var traceErr error
	if o.source != "" || o.trace {
		// The same checks and parameters, the learner's edit (or the
		// demo's own code, traced) run as the server runs it: built by the
		// Go toolchain, in a sandbox.
		var src []byte
		if o.source != "" {
			if src, err = os.ReadFile(o.source); err != nil {
				return usageError{fmt.Errorf("-source: %w", err)}
			}
		}
		sb := sandbox.New(ctx)
		defer sb.Close()
		bc := gobuild.Config{Sandbox: sb, Log: slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
		if !sb.Status().Available {
			// One's own code in one's own terminal: no sandbox needed,
			// none to be had.
			bc.Sandbox, bc.Unsandboxed = nil, true
		}
		if b, err := json.Marshal(flags); err == nil {
			bc.FlagSite = b
		}
		editor := gobuild.New(ctx, bc)
		if ok, why := editor.Editable(d, catalog.Files(d.ID)); !ok {
			return fmt.Errorf("demo %s cannot be built here: %s", d.ID, why)
		}
		opt := gobuild.Options{Race: o.race, Trace: o.trace, Procs: o.procs,
			Traced: func(s *trace.Summary, err error) { summary, traceErr = s, err }}
		program, err := editor.Program(d, catalog.Files(d.ID), src, opt)
		if err != nil {
			if o.source == "" {
				return fmt.Errorf("demo %s: %w", d.ID, err)
			}
			return fmt.Errorf("%s: %w", o.source, err)
		}
		swapped := *d
		swapped.Run = program
		d = &swapped
	}

	if o.python.on {
		// The same checks and parameters, the program swapped: what the
		// server does when a learner picks Python.
		program, err := pythonProgram(ctx, catalog, d, o.python.path)
		if err != nil {
			return err
		}
		swapped := *d
		swapped.Run = program
		d = &swapped
	}

	course, err := web.NewCourse(web.CourseConfig{
		Catalog: catalog, FlagsURL: o.site.url, FlagsAddr: o.site.addr, Flags: flags, Run: *o.limits,
		// One run needs no interpreter of the course's: -python has found
		// its own above, and a Go run none at all.
		Python: "off", Edit: "off",
		Log: slog.New(slog.NewTextHandler(c.stderr, nil)),
	})
	if err != nil {
		return err
	}
	defer course.Shutdown(context.Background())
	var watch runner.Watch
	if o.events {
		watch = func(e runner.Event, _ int) {
			fmt.Fprintf(c.stderr, "[%9.1f ms] %-6s %s %s\n", e.TMs, e.Phase, e.Task, e.Status)
		}
	}
	res := runner.Execute(ctx, course.Env(), d, vals, c.stdout, watch)
	if o.trace && !errors.Is(res.Err, runner.ErrStopped) && !errors.Is(res.Err, runner.ErrTimeout) {
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

// pythonProgram is demo d's asyncio program on the interpreter at path,
// or where none is given on the one the server would find (python.Find's
// defaults), with the server's limits on the process. Without one that
// can run it, the error says what to install.
func pythonProgram(ctx context.Context, catalog *lessons.Catalog, d *runner.Demo, path string) (runner.RunFunc, error) {
	code := catalog.Code(d.ID)
	if len(code.PythonText) == 0 {
		return nil, fmt.Errorf("demo %s has no Python program", d.ID)
	}
	var candidates []string
	if path != "" {
		candidates = []string{path}
	}
	in, err := python.Find(ctx, python.DefaultLimits(), candidates...)
	if err != nil {
		return nil, fmt.Errorf("demo %s: cannot run %s: %w", d.ID, code.PythonFile, err)
	}
	if ok, _ := in.CanRun(code.PythonText); !ok {
		return nil, fmt.Errorf("demo %s: %s imports aiohttp, which Python %s (%s) lacks: apt-get install python3-aiohttp (or pip install aiohttp)",
			d.ID, code.PythonFile, in.Version, in.Path)
	}
	return in.Program(code.PythonFile, code.PythonText), nil
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
