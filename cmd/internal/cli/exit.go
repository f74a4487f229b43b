package cli

import (
	"errors"
	"fmt"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
)

// UsageError is a mistake in how a command was called: exit code 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }
func (UsageError) ExitCode() int   { return ExitUsage }

// Usagef is a UsageError saying what was wrong.
func Usagef(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// InterruptedError is work stopped by Ctrl-C or SIGTERM before it was
// done: exit code 130.
type InterruptedError struct{ What string }

func (e InterruptedError) Error() string { return e.What + " stopped" }
func (InterruptedError) ExitCode() int   { return ExitInterrupted }

// The commands' exit codes.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitInterrupted = 130 // 128 + SIGINT, as a shell reports a program Ctrl-C ended
)

// Coded is an error that knows its exit code: UsageError,
// InterruptedError, or a command's own error types.
type Coded interface {
	error
	ExitCode() int
}

// ExitCode is the exit code of a command that returned err: the first
// Coded error in its chain says, any other error is ExitFailed.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if c, ok := errors.AsType[Coded](err); ok {
		return c.ExitCode()
	}
	return ExitFailed
}

// SandboxServices are what a sandbox started from a command may serve its
// program: the flag site. A command that builds a course passes them to
// sandbox.Main first thing in main, since a sandbox is that very binary
// started again.
func SandboxServices() map[string]sandbox.ServeFunc {
	return map[string]sandbox.ServeFunc{gobuild.FlagsService: flagserver.Serve}
}
