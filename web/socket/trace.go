package socket

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// procsChoices are the GOMAXPROCS a traced run may ask for.
var procsChoices = []int{1, 2, 4, 8}

// goroutinesPerFrame is how many goroutines' rows one trace frame holds.
const goroutinesPerFrame = 16

// tracedRun returns the demo to run for a run frame with "trace": its Go
// code (edited, or its own) in a traced child whose summary goes out as
// trace frames for run id, before the run's exit.
func (cn *conn) tracedRun(d *runner.Demo, req request) (*runner.Demo, error) {
	switch {
	case !req.Trace:
		return nil, &runner.ParamError{Param: "procs", Msg: "procs goes with \"trace\":true"}
	case req.Procs != 0 && !slices.Contains(procsChoices, req.Procs):
		return nil, &runner.ParamError{Param: "procs", Msg: fmt.Sprintf("procs must be 1, 2, 4 or 8, not %d", req.Procs)}
	case req.Runtime != "" && req.Runtime != "go":
		return nil, errors.New("trace: only Go runs are traced, not " + req.Runtime)
	case req.Race:
		return nil, errors.New("trace: a traced run cannot use the race detector as well")
	case cn.s.trace == nil:
		return nil, errors.New("trace: this server does not trace runs")
	}
	var source []byte
	if req.Source != "" {
		source = []byte(req.Source)
	}
	id, procs := req.ID, req.Procs
	run, err := cn.s.trace(d.ID, source, procs, func(s *trace.Summary, err error) {
		if err != nil {
			cn.send(cn.ctx, Message{Type: "trace", ID: id, Procs: procs, Error: err.Error(), Code: "trace"})
			return
		}
		for _, part := range s.Frames(goroutinesPerFrame) {
			cn.send(cn.ctx, Message{Type: "trace", ID: id, Procs: s.Procs, Summary: part})
		}
	})
	if err != nil {
		return nil, err
	}
	traced := *d
	traced.Run = run
	return &traced, nil
}
