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
	// Nice, if above 0, is the scheduling nice value of the child's
	// session, everything it starts included: the program yields the CPU
	// to the server that runs it (and streams its output, and fires the
	// next run's time limit) rather than sharing it as an equal. The cost
	// is the program's own timing on a busy machine — what a learner
	// watches — and a slower end once killed (a Reaper takes that over).
	// It is 0–19; Linux only.
	Nice int
	// Reaper, if set, takes over a stopped child the kernel has not
	// finished ending within a few ms: RunWith returns ErrReaping then,
	// with the group killed and nothing more of it reaching read or the
	// output. Unset, RunWith waits for the end.
	Reaper *Reaper
}

// ErrMemory is RunWith's error for a child killed for its memory.
var ErrMemory = errors.New("process: resident memory over the limit")

// RunWith is Run with opt.
func RunWith(ctx context.Context, cmd *exec.Cmd, read func(io.Reader), opt Options) error {
	var pipes []*os.File  // the read ends, this process's
	var writes []*os.File // the write ends, the child's once it has started
	var readers []func(io.Reader)
	fail := func(err error) error {
		for _, f := range append(pipes, writes...) {
			f.Close()
		}
		return fmt.Errorf("process: %w", err)
	}
	pipe := func(reader func(io.Reader)) (*os.File, error) {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		pipes, writes, readers = append(pipes, r), append(writes, w), append(readers, reader)
		return w, nil
	}
	// File descriptor 3, then 4+i for More[i].
	cmd.ExtraFiles = nil
	for _, reader := range append([]func(io.Reader){read}, opt.More...) {
		w, err := pipe(reader)
		if err != nil {
			return fail(err)
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, w)
	}
	// Standard output and error are copied here, not by os/exec, so that
	// a stopped run can cut the copy (see Reaper); one writer given for
	// both shares one pipe, as os/exec does, keeping their order.
	sameWriter := cmd.Stderr != nil && sameWriter(cmd.Stdout, cmd.Stderr)
	for _, std := range []*io.Writer{&cmd.Stdout, &cmd.Stderr} {
		dst := *std
		if _, isFile := dst.(*os.File); dst == nil || isFile {
			continue // the child writes there itself
		}
		if std == &cmd.Stderr && sameWriter {
			cmd.Stderr = cmd.Stdout
			continue
		}
		w, err := pipe(func(r io.Reader) { io.Copy(dst, r) })
		if err != nil {
			return fail(err)
		}
		*std = w
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = groupAttr()
	}
	if cmd.WaitDelay == 0 {
		// Standard input, when it is not a file, is copied to the child
		// by os/exec: the wait for that copy is bounded.
		cmd.WaitDelay = time.Second
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start: %w", err))
	}
	for _, w := range writes {
		w.Close() // the child holds its own copies
	}
	if opt.Nice > 0 {
		yieldCPU(cmd.Process.Pid, opt.Nice)
	}

	var overMemory atomic.Bool
	if opt.MaxRSS > 0 {
		watchCtx, stopWatching := context.WithCancel(ctx)
		defer stopWatching()
		go watchMemory(watchCtx, cmd.Process.Pid, opt.MaxRSS, func() {
			overMemory.Store(true)
			killGroup(cmd)
		})
	}

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	killed := make(chan struct{})
	exited := make(chan struct{}) // closed once the child has been reaped
	var stoppedAt time.Time       // written before killed is closed
	stopWatch := context.AfterFunc(ctx, func() {
		stoppedAt = time.Now()
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
	// Each pipe is read through a gate: once a stopped run has returned,
	// the callers' functions see the end of their pipe, and nothing of the
	// child reaches them after. Past the gate, what is left is drained, so
	// the child never blocks on a full pipe.
	gates := make([]*gate, len(pipes))
	var readersDone, drained sync.WaitGroup
	for i, read := range readers {
		gates[i] = &gate{f: pipes[i]}
		readersDone.Add(1)
		drained.Go(func() {
			read(gates[i])
			readersDone.Done()
			gates[i].drain()
		})
	}
	closePipes := func() {
		for _, p := range pipes {
			p.Close()
		}
	}
	// The pipes end when the last process holding them has gone: anything
	// still holding one was in the group (or the sandbox's pid namespace)
	// and is gone; a setsid escapee of an unsandboxed child is not waited
	// for past a bound. endPipes says whether the bound was reached.
	pipesEnded := make(chan struct{})
	go func() {
		drained.Wait()
		close(pipesEnded)
	}()
	endPipes := func() (outlived bool) {
		bound := time.NewTimer(pipeBound)
		defer bound.Stop()
		select {
		case <-pipesEnded:
		case <-bound.C:
			outlived = true
			closePipes()
			<-pipesEnded
		}
		return outlived
	}

	var err error
	select {
	case err = <-waited:
	case <-killed:
		// Stopped: the whole group has its SIGKILL, and will run no more
		// of its code. On a busy machine the kernel may take a few
		// hundred ms to finish it (each thread scheduled to die, a mount
		// namespace torn down after an RCU grace period); with a Reaper,
		// that is not the learner's wait.
		if opt.Reaper == nil {
			err = <-waited
			break
		}
		// The wait counts from the stop: a child that had a grace has
		// spent it, and is handed over at once.
		soon := time.NewTimer(reapWait - time.Since(stoppedAt))
		defer soon.Stop()
		reaped, ended := false, false
		wait, end := waited, pipesEnded // nil once heard from
		for !reaped || !ended {
			select {
			case err = <-wait:
				reaped, wait = true, nil
			case <-end:
				ended, end = true, nil
			case <-soon.C:
				for _, g := range gates {
					g.close()
				}
				readersDone.Wait()
				opt.Reaper.wg.Go(func() {
					if !reaped {
						<-waited
					}
					if endPipes() {
						opt.Reaper.outlived.Add(1)
					}
					closePipes()
				})
				return ErrReaping
			}
		}
	}
	close(exited)
	if !stopWatch() {
		<-killed
	}
	endPipes()
	closePipes()
	if overMemory.Load() {
		return ErrMemory
	}
	return err
}

const (
	// reapWait is how long after the stop a child is waited for before a
	// Reaper takes over: on an idle machine the kernel ends one in 1–3 ms.
	reapWait = 15 * time.Millisecond
	// pipeBound is how long a pipe may stay open after its child has
	// gone.
	pipeBound = time.Second
)

// ErrReaping is RunWith's error for a stopped child handed to a Reaper
// before it had quite gone.
var ErrReaping = errors.New("process: stopped; the kernel is still ending it")

// Reaper finishes, in the background, the end of stopped children: the
// kernel's own (the wait for the child, its pipes' end) takes on a busy
// machine up to a few hundred ms after the SIGKILL, past the course's
// 100 ms for Stop, and the learner need not wait for it. Whoever owns the
// children's resources (the sandbox) waits for it before freeing them.
type Reaper struct {
	wg       sync.WaitGroup
	outlived atomic.Int64
}

// Wait returns once every child handed over has been reaped.
func (r *Reaper) Wait() { r.wg.Wait() }

// RemoveAll removes a run's folder once the run has ended. A run whose
// context has ended (a Stop, a time limit) has it removed behind it, as
// its child is ended behind it: on a machine whose disk is busy, removing
// even one file can take longer than the course's 100 ms for Stop (106 ms
// seen beside a second test suite). Any other run's folder is gone when this
// returns, as is every folder once Wait has returned. A nil Reaper (runs
// that wait for their child) removes it at once.
func (r *Reaper) RemoveAll(ctx context.Context, dir string) {
	if r == nil || ctx.Err() == nil {
		os.RemoveAll(dir)
		return
	}
	r.wg.Go(func() { os.RemoveAll(dir) })
}

// Outlived counts the handed-over children whose pipes stayed open a
// second after they were reaped: something they started outlived them.
// In a sandbox it is always 0 (the pid namespace dies with its first
// process); a test reads it.
func (r *Reaper) Outlived() int64 { return r.outlived.Load() }

// gate is a pipe's read end as a run's reader sees it; close ends it.
type gate struct {
	f      *os.File
	closed atomic.Bool
}

func (g *gate) Read(p []byte) (int, error) {
	if g.closed.Load() {
		return 0, io.EOF
	}
	n, err := g.f.Read(p)
	if err != nil && g.closed.Load() {
		err = io.EOF // the deadline close set, or the end
	}
	return n, err
}

// close ends the reading at once: a read in progress returns (a deadline
// already past), and every later one finds the end.
func (g *gate) close() {
	g.closed.Store(true)
	g.f.SetReadDeadline(time.Now())
}

// drain discards what is left in the pipe, to its end or its closing.
func (g *gate) drain() {
	for {
		_, err := io.Copy(io.Discard, g.f)
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		g.f.SetReadDeadline(time.Time{}) // close's deadline, for the gate
	}
}

// sameWriter says whether a and b are one writer (a comparison that
// would panic, on an uncomparable type, says no).
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}
