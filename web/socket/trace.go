package socket

import "github.com/bingfa-manyou/walkthrough/runner/trace"

// goroutinesPerFrame is how many goroutines' rows one trace frame holds.
const goroutinesPerFrame = 16

// traced sends a traced run's summary as trace frames for run id, before
// the run's exit: or one frame with the error that says why there is none.
func (cn *conn) traced(id string, procs int) func(*trace.Summary, error) {
	return func(s *trace.Summary, err error) {
		if err != nil {
			m := Message{Type: "trace", ID: id, Procs: procs}
			describe(&m, err)
			m.Code = CodeTrace
			cn.send(cn.ctx, m)
			return
		}
		for _, part := range s.Frames(goroutinesPerFrame) {
			cn.send(cn.ctx, Message{Type: "trace", ID: id, Procs: s.Procs, Summary: part})
		}
	}
}
