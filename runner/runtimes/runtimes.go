// Package runtimes is the one place that decides how a run runs. A demo
// runs in one of four runtimes: its own Go function inside the server, its
// asyncio program in a sandboxed python3, the learner's edit of its Go
// source built by the Go toolchain and run in a sandbox, or its Go code
// (edited or not) run the same way with the runtime's execution tracer on.
// The web course and `walkthrough run` both ask a Set for the demo to run,
// so a page and a terminal run the same thing.
//
// A Set probes what this machine can do (the sandbox, a Python with
// aiohttp, the Go toolchain) on first need, or in the background when
// asked (Set.Probe): nothing of it delays a server's first page, and a
// terminal run of a Go demo probes nothing at all.
package runtimes

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// Runtime is what runs a demo.
type Runtime uint8

const (
	// Go is the demo's own Go function, inside the server.
	Go Runtime = iota
	// Python is the demo's asyncio program, in a sandboxed python3.
	Python
	// Edited is the learner's edit of the demo's Go source, built and run
	// in sandboxes.
	Edited
	// Traced is the demo's Go code, edited or its own, built and run in
	// sandboxes with the runtime's execution tracer on.
	Traced
)

// All lists every runtime.
var All = []Runtime{Go, Python, Edited, Traced}

func (r Runtime) String() string {
	switch r {
	case Go:
		return "go"
	case Python:
		return "python"
	case Edited:
		return "edited"
	case Traced:
		return "traced"
	}
	return fmt.Sprintf("Runtime(%d)", uint8(r))
}

// Child reports whether the runtime runs in a child process (and so needs
// the sandbox and a slot of its own), rather than inside the server.
func (r Runtime) Child() bool { return r != Go }

// Request is one run asked for: the runtime, and what that runtime needs.
type Request struct {
	Runtime Runtime
	// Source is the learner's edit of the demo's Go source (Edited, or
	// Traced with an edit); nil runs the demo's own.
	Source []byte
	// Race builds an edit with the race detector (Edited only).
	Race bool
	// Procs is a traced run's GOMAXPROCS: 1, 2, 4 or 8; 0 for the
	// default (Traced only).
	Procs int
	// Traced hears a traced run's summary, or the one error that says why
	// there is none, before the run function returns (Traced only).
	Traced func(*trace.Summary, error)
}

// ProcsChoices are the GOMAXPROCS a traced run may ask for.
var ProcsChoices = gobuild.ProcsChoices

// Check says what in r cannot go together, as an *Error with code
// CodeBadRequest naming the field.
func (r Request) Check() error {
	switch {
	case r.Runtime > Traced:
		return badRequest("runtime", fmt.Sprintf("没有这种运行方式：%v", r.Runtime))
	case r.Race && r.Runtime != Edited:
		return badRequest("race", "竞态检测器只用于修改后的代码")
	case r.Procs != 0 && r.Runtime != Traced:
		return badRequest("procs", "procs（GOMAXPROCS）只用于调度视图（trace）")
	case r.Procs != 0 && !slices.Contains(ProcsChoices, r.Procs):
		return badRequest("procs", fmt.Sprintf("GOMAXPROCS 只能是 1、2、4 或 8，不能是 %d", r.Procs))
	case len(r.Source) > 0 && r.Runtime != Edited && r.Runtime != Traced:
		return badRequest("source", fmt.Sprintf("修改后的代码是 Go 代码，不能用 %v 运行", r.Runtime))
	case r.Runtime == Edited && len(r.Source) == 0:
		return badRequest("source", "修改后的代码是空的")
	}
	return nil
}

// Codes of the errors a Set returns, and of those a run of an edited or
// traced program ends with: stable words a page switches on, beside a
// message in Chinese.
const (
	CodeBadRequest  = "bad_request" // a request whose fields cannot go together
	CodeUnavailable = "unavailable" // the runtime cannot run this demo here
	CodeCompile     = "compile"     // the edit does not build
	CodeRace        = "race"        // the race detector caught a data race
	CodePanic       = "panic"       // the program panicked
	CodeMemory      = "memory"      // the program went over its memory
	CodeCPU         = "cpu"         // ... its CPU time
	CodeThreads     = "threads"     // ... its threads or processes
	CodeBuildTime   = "build_timeout"
	CodeTrace       = "trace"    // a traced run's trace cannot be shown
	CodeInternal    = "internal" // the build or the sandbox failed, not the program
)

// Error is a run that cannot start, or a child program's failure, with a
// stable code and, for a mistake in the learner's source, where it is.
type Error struct {
	Code  string
	Field string // CodeBadRequest: the request field it is about
	// Line is the learner's line the error is on (0: none), Lines every
	// line a race report names, Diagnostics a compile error's list.
	Line        int
	Lines       []int
	Diagnostics []gobuild.Diagnostic
	Err         error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func badRequest(field, msg string) error {
	return &Error{Code: CodeBadRequest, Field: field, Err: errors.New(msg)}
}

func unavailable(why string) error {
	return &Error{Code: CodeUnavailable, Err: errors.New(why)}
}

// internalError is a failure of the build or the sandbox themselves: the
// learner is told that it failed, the log why.
type internalError struct{ err error }

func (e *internalError) Error() string {
	return "服务器没能编译或运行这段代码（内部错误）"
}
func (e *internalError) Unwrap() error { return e.err }

// coded turns what an edited or traced program's build or run found into
// an *Error: a code, and the learner's lines it is about.
func coded(err error) error {
	if err == nil {
		return nil
	}
	if _, done := errors.AsType[*Error](err); done {
		return err
	}
	if ce, ok := errors.AsType[*gobuild.CompileError](err); ok {
		return &Error{Code: CodeCompile, Line: ce.Line(), Diagnostics: ce.Diagnostics, Err: err}
	}
	if re, ok := errors.AsType[*gobuild.RaceError](err); ok {
		line := 0
		if len(re.Lines) > 0 {
			line = re.Lines[0]
		}
		return &Error{Code: CodeRace, Line: line, Lines: re.Lines, Err: err}
	}
	if pe, ok := errors.AsType[*gobuild.PanicError](err); ok {
		return &Error{Code: CodePanic, Line: pe.Line, Err: err}
	}
	for _, known := range []struct {
		code string
		err  error
	}{
		{CodeMemory, gobuild.ErrMemoryLimit}, {CodeCPU, gobuild.ErrCPULimit}, {CodeThreads, gobuild.ErrThreadLimit},
		{CodeBuildTime, gobuild.ErrBuildTimeout}, {CodeUnavailable, gobuild.ErrNotEditable},
	} {
		if errors.Is(err, known.err) {
			return &Error{Code: known.code, Err: err}
		}
	}
	if gobuild.IsInternal(err) {
		return &Error{Code: CodeInternal, Err: &internalError{err}}
	}
	return err
}
