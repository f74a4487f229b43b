// Package process runs a program of a run — a Python program, a learner's
// edited Go — as a child process the way the course needs: in a process
// group of its own, killed as a whole (its own children too) the moment
// the run's context ends and if the server dies, with a pipe of its own on
// file descriptor 3 for what it reports (timeline events), never mixed
// into its output.
package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// Run starts cmd (its Stdin, Stdout, Stderr, Env and Dir set by the
// caller), hands the read end of the child's file descriptor 3 to read on
// a goroutine of its own, and returns cmd.Wait's error once the child has
// ended and read has returned. Stop, disconnect and the time limit all end
// ctx: then the whole group is killed at once.
func Run(ctx context.Context, cmd *exec.Cmd, read func(io.Reader)) error {
	return RunWith(ctx, cmd, read, Options{})
}

// Options are what RunWith does beyond Run.
type Options struct {
	// MaxRSS, if set, is the most resident memory the child and all its
	// descendants may hold together: past it the whole group is killed
	// and RunWith returns ErrMemory. It is for programs no rlimit can
	// bound (the race detector's shadow memory is address space).
	MaxRSS int64
	// More reads further pipes: More[i] is handed the read end of the
	// child's file descriptor 4+i, on a goroutine of its own, and is
	// waited for (and drained past) like read. For a report too large or
	// too different for fd 3: an execution trace.
	More []func(io.Reader)
	// Interrupt, if set, is how long a stopped child is given after
	// SIGINT before the whole group is killed: long enough for a Python
	// program to show its CancelledError, short enough to keep the
	// course's 100 ms promise for Stop.
	Interrupt time.Duration
}

// ErrMemory is RunWith's error for a child killed for its memory.
var ErrMemory = errors.New("process: resident memory over the limit")

// RunWith is Run with opt.
func RunWith(ctx context.Context, cmd *exec.Cmd, read func(io.Reader), opt Options) error {
	pipe, pipeW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("process: %w", err)
	}
	defer pipe.Close()
	cmd.ExtraFiles = []*os.File{pipeW} // file descriptor 3 in the child
	readers := []func(io.Reader){read}
	pipes := []*os.File{pipe}
	for _, more := range opt.More {
		r, w, err := os.Pipe()
		if err != nil {
			for _, f := range cmd.ExtraFiles {
				f.Close()
			}
			return fmt.Errorf("process: %w", err)
		}
		defer r.Close()
		pipes = append(pipes, r)
		readers = append(readers, more)
		cmd.ExtraFiles = append(cmd.ExtraFiles, w) // file descriptor 3+i
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = groupAttr()
	}
	if cmd.WaitDelay == 0 {
		// Something outside the group (a setsid grandchild of an
		// unsandboxed child) may keep the output pipes open: the wait
		// for them is bounded.
		cmd.WaitDelay = time.Second
	}
	closeWrites := func() {
		for _, f := range cmd.ExtraFiles {
			f.Close()
		}
	}
	if err := cmd.Start(); err != nil {
		closeWrites()
		return fmt.Errorf("process: start: %w", err)
	}
	closeWrites() // the child holds its own copies

	var overMemory atomic.Bool
	if opt.MaxRSS > 0 {
		watchCtx, stopWatching := context.WithCancel(ctx)
		defer stopWatching()
		go watchMemory(watchCtx, cmd.Process.Pid, opt.MaxRSS, func() {
			overMemory.Store(true)
			killGroup(cmd)
		})
	}

	killed := make(chan struct{})
	exited := make(chan struct{}) // closed once cmd.Wait has returned
	stopWatch := context.AfterFunc(ctx, func() {
		if opt.Interrupt > 0 {
			interruptGroup(cmd)
			// The grace ends when the child does: a program that unwinds
			// in 10 ms is not held for the rest of it.
			grace := time.NewTimer(opt.Interrupt)
			select {
			case <-grace.C:
			case <-exited:
				grace.Stop()
			}
		}
		killGroup(cmd) // what is left of the group: grandchildren too
		close(killed)
	})
	relayed := make(chan struct{})
	var readersDone sync.WaitGroup
	for i, read := range readers {
		readersDone.Go(func() {
			read(pipes[i])
			io.Copy(io.Discard, pipes[i]) // past what read wanted: drain, so the child never blocks
		})
	}
	go func() {
		readersDone.Wait()
		close(relayed)
	}()
	err = cmd.Wait()
	close(exited)
	if !stopWatch() {
		<-killed
	}
	// Anything still holding the pipe was in the group (or the sandbox's
	// pid namespace) and is gone; a setsid escapee of an unsandboxed child
	// is not waited for past a bound.
	select {
	case <-relayed:
	case <-time.After(time.Second):
		for _, p := range pipes {
			p.Close()
		}
		<-relayed
	}
	if overMemory.Load() {
		return ErrMemory
	}
	return err
}
