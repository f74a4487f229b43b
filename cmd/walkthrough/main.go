// Command walkthrough serves the course 并发漫游, lists its demos, or runs
// one demo in the terminal with the same code the server runs. The load
// tester is a command of its own, walkthrough-load: its attacks are not
// linked into the course.
//
//	walkthrough [serve] [-addr 127.0.0.1:8080]
//	walkthrough list
//	walkthrough run DEMO [name=value ...]
//	walkthrough run DEMO -h
//	walkthrough help [COMMAND]
//
// Exit codes: 0 done, 1 failed, 2 called wrongly (unknown demo, bad
// parameter or flag), 130 interrupted (Ctrl-C during run).
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
	// A sandbox is this very binary started again: in one, Main builds the
	// sandbox's world, serves its flag site, runs the program in it and
	// never returns.
	sandbox.Main(sandboxServices())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "walkthrough:", err)
	}
	os.Exit(exitCode(err))
}

// run is the command as a process runs it: listening with net.Listen.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := &command{stdout: stdout, stderr: stderr, listen: net.Listen}
	return c.run(ctx, args)
}

// usageError is a mistake in how the command was called.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }
func (usageError) ExitCode() int   { return cli.ExitUsage }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// interruptedError is work stopped by Ctrl-C or SIGTERM before it was done.
type interruptedError struct{ what string }

func (e interruptedError) Error() string { return e.what + " stopped" }
func (interruptedError) ExitCode() int   { return cli.ExitInterrupted }

// exitCode is the exit code every command of the course gives err
// (cmd/internal/cli): 0 done, 1 failed, 2 called wrongly, 130 interrupted.
func exitCode(err error) int { return cli.ExitCode(err) }

// sandboxServices are what a sandbox may serve its program: the flag site.
func sandboxServices() map[string]sandbox.ServeFunc { return cli.SandboxServices() }
