package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"

	"github.com/bingfa-manyou/walkthrough/lessons"
)

// command is walkthrough with what it touches outside itself: its output
// and how it listens. Tests give it their own listen to learn the
// server's address without reading it from the output.
type command struct {
	stdout, stderr io.Writer
	listen         func(network, addr string) (net.Listener, error)
}

// subcommand is one of the command's subcommands, as its help shows it.
type subcommand struct {
	name    string
	summary string // its line in the list of commands
	usage   string // how it is called
	about   string // what it does, for its own help
	// flags registers its flags on fs, so that its help can list them.
	flags func(fs *flag.FlagSet)
	run   func(c *command, ctx context.Context, args []string) error
}

func subcommands() []subcommand {
	return []subcommand{
		{
			name: "serve", summary: "serve the course on the web (the default command)",
			usage: "walkthrough [serve] [flags]",
			about: "Serves the course 并发漫游 until Ctrl-C or SIGTERM, then stops every run and closes every\n" +
				"page's socket (1001) within 5 s. The first line it prints is the course's URL.",
			flags: func(fs *flag.FlagSet) { serveFlags(fs) },
			run:   (*command).serve,
		},
		{
			name: "list", summary: "list the demos: id, lesson and title, one per line",
			usage: "walkthrough list",
			about: "Prints every demo of the course as id<TAB>lesson<TAB>title.",
			flags: func(*flag.FlagSet) {},
			run:   (*command).list,
		},
		{
			name: "run", summary: "run one demo in the terminal with the code the server runs",
			usage: "walkthrough run [flags] DEMO [name=value ...]",
			about: "Runs one demo, its output on stdout, under the same limits as on the server.\n" +
				"walkthrough list shows the demos; walkthrough run DEMO -h shows a demo's parameters.\n" +
				"walkthrough run -python DEMO runs the demo's asyncio program (its Python tab) instead.\n" +
				"Ctrl-C stops the run (exit code 130).",
			flags: func(fs *flag.FlagSet) { runFlags(fs) },
			run:   (*command).runDemo,
		},
		{
			name: "help", summary: "show this help, or a command's: walkthrough help COMMAND",
			usage: "walkthrough help [COMMAND] | walkthrough help run DEMO",
			about: "Shows the commands, a command's flags, or a demo's parameters.",
			flags: func(*flag.FlagSet) {},
			run:   (*command).help,
		},
	}
}

func lookupCommand(name string) (subcommand, bool) {
	for _, s := range subcommands() {
		if s.name == name {
			return s, true
		}
	}
	return subcommand{}, false
}

func unknownCommand(name string) error {
	return usagef("unknown command %q (want serve, list, run or help; the load tester is walkthrough-load)", name)
}

// isHelpFlag is every way the flag package lets one ask for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// run dispatches to a subcommand; serve is the default.
func (c *command) run(ctx context.Context, args []string) error {
	name := "serve"
	if len(args) > 0 {
		switch {
		case isHelpFlag(args[0]):
			return c.help(ctx, nil)
		case !strings.HasPrefix(args[0], "-"):
			name, args = args[0], args[1:]
		}
	}
	sub, ok := lookupCommand(name)
	if !ok {
		return unknownCommand(name)
	}
	return sub.run(c, ctx, args)
}

// newFlagSet is a subcommand's flags. It prints nothing itself: an error is
// returned, and printed once, by main; help goes to stdout.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses a subcommand's flags. Asked for help, it prints the
// subcommand's help and reports that it did.
func (c *command) parse(name string, fs *flag.FlagSet, args []string) (helped bool, err error) {
	err = fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		sub, _ := lookupCommand(name)
		c.printCommandHelp(sub)
		return true, nil
	case err != nil:
		return false, usagef("%v (walkthrough help %s lists its flags)", err, name)
	}
	return false, nil
}

// help prints the list of commands, one command's help, or (help run
// DEMO) a demo's parameters.
func (c *command) help(_ context.Context, args []string) error {
	if len(args) == 0 || isHelpFlag(args[0]) {
		c.printOverview()
		return nil
	}
	sub, ok := lookupCommand(args[0])
	if !ok {
		return unknownCommand(args[0])
	}
	switch {
	case sub.name == "run" && len(args) == 2:
		return c.demoHelp(args[1])
	case len(args) > 1:
		return usagef("help takes one command, not %q", args)
	}
	c.printCommandHelp(sub)
	return nil
}

func (c *command) printOverview() {
	w := c.stdout
	fmt.Fprintln(w, "walkthrough serves the course 并发漫游 and runs its demos.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  walkthrough [COMMAND] [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range subcommands() {
		fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "walkthrough help COMMAND (or walkthrough COMMAND -h) shows a command's flags;")
	fmt.Fprintln(w, "walkthrough run DEMO -h shows a demo's parameters.")
}

func (c *command) printCommandHelp(s subcommand) {
	w := c.stdout
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", s.usage, s.about)
	fs := newFlagSet(s.name)
	s.flags(fs)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

func (c *command) list(_ context.Context, args []string) error {
	fs := newFlagSet("list")
	if helped, err := c.parse("list", fs, args); helped || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("list takes no arguments")
	}
	// Listing needs no flag server: no demo runs.
	catalog, err := lessons.Load()
	if err != nil {
		return err
	}
	for _, d := range catalog.Demos() {
		fmt.Fprintf(c.stdout, "%s\t%s\t%s\n", d.ID, d.Lesson, d.Title)
	}
	return nil
}
