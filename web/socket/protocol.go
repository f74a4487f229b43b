package socket

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// Resolver is the course's runtimes (a *runtimes.Set): the demo a request
// runs, in the runtime it asks for.
type Resolver interface {
	Resolve(d *runner.Demo, req runtimes.Request) (*runner.Demo, error)
}

// Request is every frame a client sends: run or stop. See the package
// documentation for what each field means.
type Request struct {
	Type    string                     `json:"type"`
	ID      string                     `json:"id"`
	Demo    string                     `json:"demo,omitempty"`
	Runtime string                     `json:"runtime,omitempty"`
	Source  string                     `json:"source,omitempty"`
	Race    bool                       `json:"race,omitempty"`
	Trace   bool                       `json:"trace,omitempty"`
	Procs   int                        `json:"procs,omitempty"`
	Params  map[string]json.RawMessage `json:"params,omitempty"`
}

// Message is every frame the server sends; fields a type does not use are
// left out of the JSON. See the package documentation for each.
type Message struct {
	Type        string            `json:"type"`
	ID          string            `json:"id,omitempty"`
	Demo        string            `json:"demo,omitempty"`
	Params      map[string]string `json:"params,omitempty"`
	Data        string            `json:"data,omitempty"`
	Event       *runner.Event     `json:"event,omitempty"`
	OK          *bool             `json:"ok,omitempty"`
	ElapsedMs   *float64          `json:"elapsed_ms,omitempty"`
	StartupMs   *float64          `json:"startup_ms,omitempty"`
	Error       string            `json:"error,omitempty"`
	Code        string            `json:"code,omitempty"`
	Param       string            `json:"param,omitempty"`
	Position    int               `json:"position,omitempty"`
	WaitMs      int64             `json:"wait_ms,omitempty"`
	Runtime     string            `json:"runtime,omitempty"`
	Edited      bool              `json:"edited,omitempty"`
	Line        int               `json:"line,omitempty"`
	Race        bool              `json:"race,omitempty"`
	Trace       bool              `json:"trace,omitempty"`
	Procs       int               `json:"procs,omitempty"`
	Diagnostics any               `json:"diagnostics,omitempty"`
	Lines       []int             `json:"lines,omitempty"`
	InFlight    *int              `json:"in_flight,omitempty"`
	// The exit frame's totals (runner.TaskSummary: max_in_flight, order,
	// ...), and a trace frame's share of the scheduler (trace.Summary).
	*runner.TaskSummary
	*trace.Summary
}

// The codes of error frames and failed exits: stable words a page
// switches on, beside a message in Chinese that it may show as it is.
const (
	CodeBadFrame    = "bad_frame"    // not a JSON text frame the course reads, or one without an id
	CodeUnknownType = "unknown_type" // a type other than run and stop
	CodeUnknownDemo = "unknown_demo"
	CodeBadParam    = "bad_param" // param names the parameter
	CodeBadRequest  = runtimes.CodeBadRequest
	CodeInProgress  = "in_progress" // a run with this id is in progress already
	CodeNotRunning  = "not_running" // stop of a run that is not in progress
	CodeBusy        = "busy"        // no slot: the page's, the client's, or the server's; try again
	CodeTooFast     = "too_fast"    // frames or starts faster than the limits allow
	CodeClosing     = "closing"     // the connection is closing
	CodeUnavailable = runtimes.CodeUnavailable
	CodeStopped     = "stopped"
	CodeTimeout     = "timeout" // the run reached its time limit
	CodeFailed      = "failed"  // the demo itself returned an error
	CodeCompile     = runtimes.CodeCompile
	CodeRace        = runtimes.CodeRace
	CodePanic       = runtimes.CodePanic
	CodeMemory      = runtimes.CodeMemory
	CodeCPU         = runtimes.CodeCPU
	CodeThreads     = runtimes.CodeThreads
	CodeBuildTime   = runtimes.CodeBuildTime
	CodeTrace       = runtimes.CodeTrace
	CodeInternal    = runtimes.CodeInternal
)

// Codes lists every code, for the documentation's test.
var Codes = []string{
	CodeBadFrame, CodeUnknownType, CodeUnknownDemo, CodeBadParam, CodeBadRequest, CodeInProgress,
	CodeNotRunning, CodeBusy, CodeTooFast, CodeClosing, CodeUnavailable, CodeStopped, CodeTimeout,
	CodeFailed, CodeCompile, CodeRace, CodePanic, CodeMemory, CodeCPU, CodeThreads, CodeBuildTime,
	CodeTrace, CodeInternal,
}

// protocolError is an error frame's content: a code, a message in
// Chinese, and the parameter it is about, if any.
type protocolError struct {
	code  string
	param string
	msg   string
}

func (e *protocolError) Error() string { return e.msg }

func newError(code, format string, args ...any) error {
	return &protocolError{code: code, msg: fmt.Sprintf(format, args...)}
}

// describe fills m's error, code and the fields that place it, from err.
func describe(m *Message, err error) {
	m.Error, m.Code = err.Error(), CodeFailed
	if pe, ok := errors.AsType[*protocolError](err); ok {
		m.Code, m.Param = pe.code, pe.param
		return
	}
	if re, ok := errors.AsType[*runtimes.Error](err); ok {
		m.Code, m.Param, m.Line, m.Lines = re.Code, re.Field, re.Line, re.Lines
		if len(re.Diagnostics) > 0 {
			m.Diagnostics = re.Diagnostics
		}
		return
	}
	if pe, ok := errors.AsType[*runner.ParamError](err); ok {
		m.Code, m.Param = CodeBadParam, pe.Param
		if pe.Chinese != "" {
			m.Error = pe.Chinese
		}
		return
	}
	switch {
	case errors.Is(err, runner.ErrStopped):
		m.Code, m.Error = CodeStopped, "已停止"
	case errors.Is(err, runner.ErrTimeout):
		m.Code, m.Error = CodeTimeout, "运行时间超过上限，已停止"
	case errors.Is(err, runner.ErrPanicked):
		m.Code, m.Error = CodeInternal, "演示在服务器上出了内部错误（已记入日志）"
	}
}
