package process

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Report is one line a child writes on file descriptor 3: a timeline
// event (Task and Phase), or how its program is doing.
type Report struct {
	Task   string `json:"task,omitempty"`
	Phase  string `json:"phase,omitempty"`
	Status string `json:"status,omitempty"`

	Begin     bool    `json:"begin,omitempty"` // the program's own code starts now
	Done      bool    `json:"done,omitempty"`  // the program returned without an error
	Error     string  `json:"error,omitempty"` // the program returned this error
	ElapsedMs float64 `json:"elapsed_ms,omitempty"`
	// MonoNs is when the child wrote the line, on the machine's monotonic
	// clock (CLOCK_MONOTONIC, which the server shares): a program mark
	// keeps its moment however late the server reads it.
	MonoNs int64 `json:"mono_ns,omitempty"`
}

// The phases of the lines a runtime writes around its program: "program"
// when the program's first instruction runs (its runtime's start-up is
// over), "exit" when it has run its last. The Go harness says the same
// with begin and done (or error).
const (
	phaseProgram = "program"
	phaseExit    = "exit"
)

// ReportLimits bound what one child may make the server hold or pass on:
// a child's code may be a learner's, and a learner's may be hostile.
type ReportLimits struct {
	LineBytes int // longer lines are dropped whole
	NameBytes int // task names and statuses are cut to this many bytes
	Events    int // events passed on per run
	Tasks     int // distinct task names per run
}

// DefaultReportLimits: 4 KiB lines, 200-byte names, 10 000 events over at
// most 1 000 tasks — far above any demo, far below what hurts.
func DefaultReportLimits() ReportLimits {
	return ReportLimits{LineBytes: 4 << 10, NameBytes: 200, Events: 10_000, Tasks: 1_000}
}

// Relay reads reports from r until it closes, passes timeline events on
// to ev within lim, marks the program's start and end (runner.ChildProgram) and
// hands every other report to other (which may be nil). Lines that are
// too long, not JSON, or past a limit are dropped.
func Relay(r io.Reader, ev runner.Events, lim ReportLimits, other func(Report)) {
	br := bufio.NewReaderSize(r, lim.LineBytes+1)
	tasks := map[string]bool{}
	events := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Too long: skip to the end of this line.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil {
				return
			}
			continue
		}
		if len(bytes.TrimSpace(line)) > 0 {
			var rep Report
			if json.Unmarshal(line, &rep) == nil {
				switch {
				case rep.Phase == phaseProgram || rep.Begin:
					mark(ev, rep.MonoNs, runner.ChildProgram.ProgramStarted, runner.ChildClock.ProgramStartedAt)
				case rep.Phase == phaseExit:
					mark(ev, rep.MonoNs, runner.ChildProgram.ProgramEnded, runner.ChildClock.ProgramEndedAt)
				case rep.Task != "" && rep.Phase != "":
					task, status := cut(rep.Task, lim.NameBytes), cut(rep.Status, lim.NameBytes)
					if events >= lim.Events || (!tasks[task] && len(tasks) >= lim.Tasks) {
						break
					}
					tasks[task] = true
					events++
					if c, ok := ev.(runner.ChildClock); ok && rep.MonoNs > 0 {
						if at, ok := childInstant(rep.MonoNs); ok {
							c.EventAt(task, rep.Phase, status, at)
							break
						}
					}
					switch rep.Phase {
					case runner.PhaseStart:
						ev.Start(task)
					case runner.PhaseEnd:
						ev.End(task, status)
					case runner.PhasePoint:
						ev.Point(task, status)
					case runner.PhaseWait:
						ev.Wait(task)
					}
				default:
					if rep.Done || rep.Error != "" {
						// The program has run its last instruction.
						mark(ev, rep.MonoNs, runner.ChildProgram.ProgramEnded, runner.ChildClock.ProgramEndedAt)
					}
					if other != nil {
						rep.Error = cut(rep.Error, lim.LineBytes)
						other(rep)
					}
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// mark tells ev of a program mark: at the moment the child stamped it,
// where the stamp reads on this machine's clock, else now.
func mark(ev runner.Events, monoNs int64, now func(runner.ChildProgram), at func(runner.ChildClock, time.Time)) {
	if c, ok := ev.(runner.ChildClock); ok && monoNs > 0 {
		if t, ok := childInstant(monoNs); ok {
			at(c, t)
			return
		}
	}
	if c, ok := ev.(runner.ChildProgram); ok {
		now(c)
	}
}

// cut shortens s to at most n bytes, at a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
