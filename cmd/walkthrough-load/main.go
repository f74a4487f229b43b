// Command walkthrough-load measures the course 并发漫游 under many websocket
// clients at once, or under one of perf/load's attacks (a hog, floods of
// bad frames or pings, a storm of connections). It is a command of its own
// so that the course binary, walkthrough, links none of it.
//
//	walkthrough-load [-scenario clicks] -clients N -demo ID [-params k=v,...]
//	walkthrough-load -scenario hog|bad-frames|ping-flood|storm [flags]
//	walkthrough-load -addr http://127.0.0.1:8080 [flags]
//	walkthrough-load -h
//
// The course is started in this process, configured by walkthrough serve's
// own flags, unless -addr names one already running on loopback.
// perf/README.md holds the figures and the commands behind them.
//
// Exit codes, as walkthrough's: 0 done, 1 failed, 2 called wrongly (bad
// flag, demo or parameter), 130 interrupted (Ctrl-C or SIGTERM).
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/bingfa-manyou/walkthrough/cmd/internal/cli"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
)

func main() {
	// The course started in this process runs learners' edits in
	// sandboxes, and a sandbox is this very binary started again: in one,
	// Main builds the sandbox's world, serves its flag site, runs the
	// program in it and never returns.
	sandbox.Main(cli.SandboxServices())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "walkthrough-load:", err)
	}
	os.Exit(cli.ExitCode(err))
}

// run is the command as a process runs it: listening with net.Listen.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := &command{stdout: stdout, stderr: stderr, listen: net.Listen}
	return c.load(ctx, args)
}
