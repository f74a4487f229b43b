package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/web"
)

// runOptions are what matters to one run in the terminal: its limits and
// the flag site. The socket's limits do not: no page is involved.
type runOptions struct {
	events bool
	limits *runner.Limits
	site   *flagSite
}

func runFlags(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.BoolVar(&o.events, "events", false, "also print timeline events to stderr")
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

	course, err := web.NewCourse(web.CourseConfig{
		Catalog: catalog, FlagsURL: o.site.url, FlagsAddr: o.site.addr, Flags: flags, Run: *o.limits,
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
	switch {
	case res.Err == nil:
		return nil
	case errors.Is(res.Err, runner.ErrStopped) && ctx.Err() != nil:
		return interruptedError{"demo " + d.ID}
	}
	return fmt.Errorf("demo %s: %w", d.ID, res.Err)
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
