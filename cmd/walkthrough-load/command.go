package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/bingfa-manyou/walkthrough/cmd/internal/cli"
)

// command is walkthrough-load with what it touches outside itself: its
// output and how the course it starts listens. Tests give it their own
// listen to learn the course's address.
type command struct {
	stdout, stderr io.Writer
	listen         func(network, addr string) (net.Listener, error)
}

const (
	usage = "walkthrough-load [flags]"
	about = "Measures the course 并发漫游. -scenario clicks (the default) connects N websocket clients,\n" +
		"has them all run a demo at the same moment and reports what each got, how fast, and the\n" +
		"process's memory and goroutines; hog, bad-frames, ping-flood and storm attack the course\n" +
		"and report what learners beside the attack got. The course is started in this process,\n" +
		"configured by walkthrough serve's flags, unless -addr names one already running on\n" +
		"loopback. perf/README.md holds the figures. Ctrl-C stops the load (exit code 130)."
)

// newFlagSet is the command's flags. It prints nothing itself: an error is
// returned, and printed once, by main; help goes to stdout.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses the command's flags. Asked for help (-h, -help), it prints
// the command's help and reports that it did.
func (c *command) parse(fs *flag.FlagSet, args []string) (helped bool, err error) {
	err = fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.printHelp(fs)
		return true, nil
	case err != nil:
		return false, cli.Usagef("%v (walkthrough-load -h lists its flags)", err)
	}
	return false, nil
}

func (c *command) printHelp(fs *flag.FlagSet) {
	w := c.stdout
	fmt.Fprintf(w, "Usage: %s\n\n%s\n\nFlags:\n", usage, about)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
