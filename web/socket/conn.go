package socket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
)

// maxIDLen keeps run ids short: they are echoed in every frame.
const maxIDLen = 64

// endedKept is how many finished run ids a connection remembers.
const endedKept = 16

// Why a connection ends, when the client did not end it.
var (
	errShutdown = errors.New("server shutting down")
	errIdle     = errors.New("idle: no run for a long time")
	errAbusive  = errors.New("too many bad or excess frames")
)

// statusIdle closes a socket that has had no run for Limits.IdleTimeout.
// A private code (4000-4999), so the page can tell it from a restart
// (1001) and reconnect only when the learner is back.
const statusIdle websocket.StatusCode = 4000

// conn is one client. Frames to the client go through out to a single
// writer goroutine, so a slow client blocks only its own runs.
type conn struct {
	s      *Socket
	c      *websocket.Conn
	batch  *batchConn // under c; nil without a network (the fuzz test)
	out    chan Message
	client *clientState

	// Budgets of this socket alone (the client's are in client). Only the
	// read loop draws on frames and bad; pings are drawn inside Read.
	frames, pings, bad *rate.Limiter
	told               bool          // the client was told it is over budget
	struck             atomic.Bool   // closing for abuse: frames are no longer read
	active             chan struct{} // a run ended or began: the idle clock restarts

	ctx     context.Context // parent of this connection's runs
	stopAll context.CancelCauseFunc

	quit       chan struct{} // closed when no more frames will be queued
	writerDone chan struct{} // closed when the writer has stopped
	finishOnce sync.Once

	mu     sync.Mutex
	closed bool // no new runs once the connection is finishing
	runs   map[string]context.CancelFunc
	// ended remembers the ids of the last few runs that finished, so that
	// a Stop crossing its run's exit on the wire is not answered with an
	// error the page would take for a rejected run.
	ended [endedKept]string
	next  int
	wg    sync.WaitGroup
}

func newConn(s *Socket, c *websocket.Conn, client *clientState) *conn {
	ctx, stopAll := context.WithCancelCause(context.Background())
	lim := s.limits
	if client == nil { // no network (the fuzz test): a client of its own
		client = &clientState{
			starts: rate.NewLimiter(rate.Limit(lim.StartRate), lim.StartBurst),
			frames: rate.NewLimiter(rate.Limit(lim.ClientFrameRate), lim.ClientFrameBurst),
		}
	}
	return &conn{
		s: s, c: c, client: client,
		frames:     rate.NewLimiter(rate.Limit(lim.FrameRate), lim.FrameBurst),
		pings:      rate.NewLimiter(rate.Limit(lim.PingRate), lim.PingBurst),
		bad:        rate.NewLimiter(0.2, lim.BadFrames), // one forgiven every 5 s
		active:     make(chan struct{}, 1),
		out:        make(chan Message, 64),
		ctx:        ctx,
		stopAll:    stopAll,
		quit:       make(chan struct{}),
		writerDone: make(chan struct{}),
		runs:       map[string]context.CancelFunc{},
	}
}

// serve reads requests until the client leaves, the server shuts down or
// the client cannot keep up.
func (cn *conn) serve() {
	go cn.writeLoop()
	go cn.keep()
	for {
		// The read is never cancelled by a context: that would drop the
		// connection without a close frame. finish closes it instead.
		typ, data, err := cn.c.Read(context.Background())
		if err != nil {
			cn.finish(err, websocket.StatusNormalClosure, "")
			return
		}
		if cn.struck.Load() || !cn.withinBudget(data) {
			continue
		}
		if !shallow(data, maxDepth) {
			// Nothing the course understands nests deeper; a frame of
			// brackets is refused before any parse allocates for it.
			cn.refuse("", newError(CodeBadFrame, "消息嵌套太深"))
			continue
		}
		if int64(len(data)) > cn.s.limits.ReadBytes && !cn.carriesSource(data) {
			// Only a run with edited source may be larger than ReadBytes,
			// and its source no larger than EditBytes.
			cn.finish(errors.New("frame too big"), websocket.StatusMessageTooBig, "message too big")
			return
		}
		if typ != websocket.MessageText {
			cn.refuse("", newError(CodeBadFrame, "只接受 JSON 文本消息"))
			continue
		}
		cn.handle(data)
	}
}

// carriesSource reports whether a frame is a run carrying edited source
// within EditBytes.
func (cn *conn) carriesSource(data []byte) bool {
	var probe struct{ Type, Source string }
	return json.Unmarshal(data, &probe) == nil && probe.Type == "run" && probe.Source != "" &&
		int64(len(probe.Source)) <= cn.s.limits.EditBytes
}

// keep watches the connection from the server's side: it says goodbye on
// shutdown, pings the page so that a peer that vanished without a word is
// found, and closes a socket that has had no run for the idle timeout.
func (cn *conn) keep() {
	lim := cn.s.limits
	ping := time.NewTicker(lim.PingInterval)
	defer ping.Stop()
	idle := time.NewTimer(lim.IdleTimeout)
	defer idle.Stop()
	for {
		select {
		case <-cn.s.shutdown:
			cn.finish(errShutdown, websocket.StatusGoingAway, "server restarting")
			return
		case <-cn.ctx.Done():
			return
		case <-cn.active:
			idle.Reset(lim.IdleTimeout)
		case <-idle.C:
			cn.mu.Lock()
			busy := len(cn.runs) > 0
			cn.mu.Unlock()
			if busy {
				idle.Reset(lim.IdleTimeout) // a run's end will restart it anyway
				continue
			}
			cn.finish(errIdle, statusIdle, "idle")
			return
		case <-ping.C:
			ctx, cancel := context.WithTimeout(cn.ctx, lim.WriteTimeout)
			err := cn.c.Ping(ctx)
			cancel()
			if err != nil && cn.ctx.Err() == nil {
				// No pong within a write timeout: the peer is gone or stuck.
				cn.stopAll(fmt.Errorf("no pong: %w", err))
				cn.c.CloseNow()
				return
			}
		}
	}
}

// touch restarts the idle clock.
func (cn *conn) touch() {
	select {
	case cn.active <- struct{}{}:
	default:
	}
}

// withinBudget draws one frame from the socket's and the client's budgets.
// Over budget, the frame is dropped: the first one of a streak is answered
// with an error, the rest not at all, and each counts as a strike.
func (cn *conn) withinBudget(data []byte) bool {
	if cn.frames.Allow() && cn.client.frames.Allow() {
		cn.told = false
		return true
	}
	cn.s.obs.Refused(RefusedRate)
	if !cn.told {
		// The one answer names the run the dropped frame was about, when
		// it was one, so a page can tell which click went unheard.
		cn.told = true
		var about struct{ ID string }
		json.Unmarshal(data, &about)
		if len(about.ID) > maxIDLen {
			about.ID = ""
		}
		cn.reject(about.ID, newError(CodeTooFast, "消息发得太快了，请放慢一些"))
	}
	cn.strike()
	return false
}

// allowPing draws from the socket's ping budget; a ping past it gets no
// pong and counts as a strike.
func (cn *conn) allowPing() bool {
	if cn.pings.Allow() {
		return true
	}
	cn.strike()
	return false
}

// strike counts one bad or excess frame. A client out of strikes is closed
// with 1008 (policy violation): it is not a page, or not a healthy one.
// It reports whether the client may go on.
func (cn *conn) strike() bool {
	if cn.bad.Allow() {
		return true
	}
	if cn.struck.CompareAndSwap(false, true) {
		cn.s.obs.Refused(RefusedRate)
		// Not on this goroutine: strike may run inside Read (a ping), and
		// closing waits for the reader.
		go cn.finish(errAbusive, websocket.StatusPolicyViolation, "too many bad or excess frames")
	}
	return false
}

// refuse counts a strike for a bad frame and answers it with its error,
// unless that strike was the last: then the answer is the close (1008).
func (cn *conn) refuse(id string, err error) {
	if cn.strike() {
		cn.reject(id, err)
	}
}

// finish stops every run, lets their exit frames out, then closes the
// connection with code. Only the first call does anything.
func (cn *conn) finish(cause error, code websocket.StatusCode, reason string) {
	cn.finishOnce.Do(func() {
		// Refuse new runs first: a run accepted after stopAll would queue
		// its started frame on a cancelled context and could lose it.
		cn.mu.Lock()
		cn.closed = true
		cn.mu.Unlock()
		cn.stopAll(cause)
		cn.wg.Wait()
		close(cn.quit)
		<-cn.writerDone
		if err := cn.c.Close(code, reason); err != nil {
			cn.s.log.Debug("websocket close", "err", err)
		}
	})
}

// writeLoop is the only writer of the connection. A frame that cannot be
// written within the write timeout means the client is not reading: its runs
// are stopped and the connection dropped, and nobody else waits for it.
// Frames already queued behind the one it writes go out with it, in one
// write (see batchConn).
func (cn *conn) writeLoop() {
	defer close(cn.writerDone)
	var carried *Message // taken from the queue while merging, not yet written
	for {
		var m Message
		if carried != nil {
			m, carried = *carried, nil
		} else {
			select {
			case m = <-cn.out:
			case <-cn.quit:
				// Nothing is queued after quit, so an empty queue is the end.
				select {
				case m = <-cn.out:
				default:
					return
				}
			}
		}
		batch := cn.batch != nil && len(cn.out) > 0
		if batch {
			cn.batch.hold()
		}
		ok := true
		for n := 1; ; n++ {
			m, carried = cn.merge(m)
			if ok = cn.write(m); !ok || !batch || n == maxBatchFrames {
				break
			}
			if carried != nil {
				m, carried = *carried, nil
				continue
			}
			select {
			case m = <-cn.out:
				continue
			default:
			}
			break
		}
		if batch {
			if err := cn.batch.release(time.Now().Add(cn.s.limits.WriteTimeout)); err != nil && ok {
				cn.dropSlow(err)
				ok = false
			}
		}
		if !ok {
			return
		}
	}
}

// maxMerged bounds the output merged into one frame.
const maxMerged = 16 << 10

// merge appends to an output frame the output of the same run already
// queued right behind it. A client that keeps up never has a queue, so
// nothing changes for it; one that falls behind (or a server with many
// clients) gets fewer, larger frames instead of thousands of tiny ones. The
// first frame that cannot be merged is handed back, to be written next.
func (cn *conn) merge(m Message) (Message, *Message) {
	if m.Type != "output" || len(m.Data) >= maxMerged {
		return m, nil
	}
	var data strings.Builder
	data.WriteString(m.Data)
	for {
		select {
		case next := <-cn.out:
			if next.Type != "output" || next.ID != m.ID || data.Len()+len(next.Data) > maxMerged {
				m.Data = data.String()
				return m, &next
			}
			data.WriteString(next.Data)
		default:
			m.Data = data.String()
			return m, nil
		}
	}
}

func (cn *conn) write(m Message) bool {
	data, err := json.Marshal(m)
	if err != nil {
		cn.s.log.Error("encode frame", "err", err)
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), cn.s.limits.WriteTimeout)
	defer cancel()
	if err := cn.c.Write(ctx, websocket.MessageText, data); err != nil {
		cn.dropSlow(err)
		return false
	}
	return true
}

// dropSlow drops a client a frame could not be written to. It has gone,
// or has not read for a whole write timeout and its socket buffers are
// full. A close frame (1008) could not reach it any more than this frame
// did, and coder/websocket has already closed the TCP connection when the
// write's context expired mid-frame: if the client ever reads again, it
// finds the connection gone (1006). Its runs stop; no other connection
// waited for it.
func (cn *conn) dropSlow(err error) {
	cn.stopAll(fmt.Errorf("client not reading: %w", err))
	cn.c.CloseNow()
}

// send queues a frame, waiting while the queue is full. It gives up when ctx
// is done (the run was stopped: its output no longer matters) or when the
// writer has gone.
func (cn *conn) send(ctx context.Context, m Message) error {
	select {
	case cn.out <- m:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-cn.writerDone:
		return errors.New("connection closed")
	}
}

func (cn *conn) reject(id string, err error) {
	m := Message{Type: "error", ID: id}
	describe(&m, err)
	cn.send(cn.ctx, m)
}

func (cn *conn) handle(data []byte) {
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		cn.refuse("", newError(CodeBadFrame, `看不懂这条消息：应是一个 JSON 对象，如 {"type":"run",...}`))
		return
	}
	if len(req.ID) > maxIDLen {
		cn.refuse("", newError(CodeBadFrame, "运行 id 超过 %d 个字符", maxIDLen))
		return
	}
	switch req.Type {
	case "run":
		cn.start(req)
	case "stop":
		cn.mu.Lock()
		stop, ok := cn.runs[req.ID]
		justEnded := slices.Contains(cn.ended[:], req.ID) && req.ID != ""
		cn.mu.Unlock()
		switch {
		case ok:
			stop()
		case justEnded:
			// Its exit is on the way or already there: nothing to add.
		default:
			cn.refuse(req.ID, newError(CodeNotRunning, "没有正在进行的运行 %q", req.ID))
		}
	default:
		cn.refuse(req.ID, newError(CodeUnknownType, "不认识的消息类型 %q（应是 run 或 stop）", req.Type))
	}
}

// rawParams turns the JSON parameter values into text: strings as they are,
// numbers as written, anything else refused. null is refused too, rather
// than read as "use the default": JSON would decode it as an empty string.
// Names are visited in order, so the same bad frame always gets the same
// error.
func rawParams(in map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for _, name := range slices.Sorted(maps.Keys(in)) {
		raw := bytes.TrimSpace(in[name])
		if bytes.Equal(raw, []byte("null")) {
			return nil, &runner.ParamError{Param: name, Msg: fmt.Sprintf("parameter %q must be a string or a number, not null", name),
				Chinese: fmt.Sprintf("参数 %s 应是字符串或数字，不能是 null", name)}
		}
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			out[name] = s
			continue
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err == nil {
			out[name] = n.String()
			continue
		}
		return nil, &runner.ParamError{Param: name, Msg: fmt.Sprintf("parameter %q must be a string or a number", name),
			Chinese: fmt.Sprintf("参数 %s 应是字符串或数字", name)}
	}
	return out, nil
}

// errWaitedTooLong ends a click's wait in the queue.
var errWaitedTooLong = errors.New("waited too long for a free slot")

func (cn *conn) start(req Request) {
	if req.ID == "" {
		cn.refuse("", newError(CodeBadFrame, "运行需要一个 id"))
		return
	}
	d, ok := cn.s.reg.Lookup(req.Demo)
	if !ok {
		cn.refuse(req.ID, newError(CodeUnknownDemo, "没有这个演示：%q", req.Demo))
		return
	}
	raw, err := rawParams(req.Params)
	if err != nil {
		cn.refuse(req.ID, err)
		return
	}
	vals, err := d.Parse(raw)
	if err != nil {
		cn.refuse(req.ID, err)
		return
	}
	// The demo's run function in the runtime asked for. Nothing is held
	// yet: a child process starts only when the run takes its slot.
	rr, err := cn.runtimeRequest(req)
	if err == nil {
		d, err = cn.resolve(d, rr)
	}
	if err != nil {
		cn.reject(req.ID, err)
		return
	}
	rt := rr.Runtime
	kind := kindOf(rt, d.Cost)
	lim := cn.s.limits
	cn.mu.Lock()
	switch {
	case cn.closed:
		cn.mu.Unlock()
		cn.reject(req.ID, newError(CodeClosing, "连接正在关闭"))
		return
	case cn.runs[req.ID] != nil:
		cn.mu.Unlock()
		cn.refuse(req.ID, newError(CodeInProgress, "运行 %q 已经在进行中", req.ID))
		return
	case len(cn.runs) >= lim.PerConn:
		cn.mu.Unlock()
		cn.s.obs.Refused(RefusedClientCap)
		cn.reject(req.ID, newError(CodeBusy, "每个页面最多同时运行 %d 个，先停掉一个", lim.PerConn))
		return
	case !cn.client.starts.Allow():
		cn.mu.Unlock()
		cn.s.obs.Refused(RefusedRate)
		cn.reject(req.ID, newError(CodeTooFast, "你的地址刚刚开始了太多运行，请稍等片刻"))
		return
	}
	runCtx, stop := context.WithCancel(cn.ctx)
	cn.runs[req.ID] = stop
	cn.wg.Add(1)
	cn.mu.Unlock()
	cn.touch()

	at := newPlace()
	ticket, ready, err := cn.s.queue.enter(cn.client.key, kind, d.ID, at.set)
	if err != nil {
		stop()
		cn.forget(req.ID)
		cn.wg.Done()
		reason := RefusedBusy
		if errors.Is(err, errClientQueueFull) {
			reason = RefusedClientCap
		}
		cn.s.obs.Refused(reason)
		cn.reject(req.ID, queueError(err, lim))
		return
	}
	// started (or queued) goes out before the run can produce anything, so
	// the client always sees it first. Like exit, started is sent whatever
	// happens next: every accepted run is announced, then ended.
	started := Message{Type: "started", ID: req.ID, Demo: d.ID, Params: vals.Text(), Runtime: rt.String()}
	switch rt {
	case runtimes.Edited:
		started.Runtime, started.Edited, started.Race = runtimes.Go.String(), true, req.Race
	case runtimes.Traced:
		started.Runtime, started.Edited, started.Trace, started.Procs = runtimes.Go.String(), req.Source != "", true, req.Procs
	}
	if ready {
		cn.send(context.Background(), started)
	} else {
		cn.send(context.Background(), at.frame(req.ID))
	}
	c := click{id: req.ID, demo: d, runtime: rt, kind: kind, vals: vals, started: started}
	go func() {
		defer cn.wg.Done()
		defer cn.touch()
		// The frame that ends the click (exit, or busy after the wait)
		// goes out once the click has given back all it held, so a client
		// that starts again as soon as it hears it is not told "busy".
		// It is sent even when the connection is finishing, so that a
		// client hears why its run ended before the close frame.
		cn.send(context.Background(), cn.serveClick(runCtx, stop, ticket, ready, at, c))
	}()
}

// click is one accepted run request.
type click struct {
	id      string
	demo    *runner.Demo
	runtime runtimes.Runtime
	kind    Kind
	vals    runner.Values
	started Message
}

// serveClick waits for the click's slot if it has none yet, runs it and
// returns the frame that ends it. Whatever the click holds — its place in
// the queue or its slot, its entry among the page's runs — is given back
// by its one deferred release, however it ends.
func (cn *conn) serveClick(ctx context.Context, stop context.CancelFunc, t *ticket, ready bool, at *place, c click) Message {
	defer cn.release(c.id, stop, t)
	clicked := time.Now()
	if !ready {
		if err := cn.wait(ctx, t, c.id, at); err != nil {
			if errors.Is(err, errWaitedTooLong) {
				cn.s.obs.Refused(RefusedBusy)
				// Rejected after all: one error, no exit.
				return Message{Type: "error", ID: c.id, Code: CodeBusy,
					Error: fmt.Sprintf("等了 %v 也没有空位，请过一会儿再试", cn.s.limits.QueueWait)}
			}
			return exitMessage(c.id, runner.Result{Err: runner.ErrStopped})
		}
		cn.send(context.Background(), c.started)
	}
	waited := time.Since(clicked)
	res := cn.run(ctx, c, t)
	cn.report(c, res, waited)
	return exitMessage(c.id, res)
}

// release gives back all a click holds: its context, its entry among the
// page's runs, and its slot or place in the queue.
func (cn *conn) release(id string, stop context.CancelFunc, t *ticket) {
	stop()
	cn.forget(id)
	cn.s.queue.release(t)
}

// place is where a queued click stands and how long it may expect to
// wait, set by the queue under its lock (so without blocking) and told to
// the page by the click's own goroutine.
type place struct {
	position atomic.Int64
	wait     atomic.Int64 // nanoseconds; 0: no estimate
	moved    chan struct{}
}

func newPlace() *place { return &place{moved: make(chan struct{}, 1)} }

func (p *place) set(position int, wait time.Duration) {
	p.position.Store(int64(position))
	p.wait.Store(int64(wait))
	select {
	case p.moved <- struct{}{}:
	default:
	}
}

// frame is the queued frame that tells the page.
func (p *place) frame(id string) Message {
	m := Message{Type: "queued", ID: id, Position: int(p.position.Load())}
	if w := time.Duration(p.wait.Load()); w > 0 {
		m.WaitMs = max(w.Milliseconds(), 1)
	}
	return m
}

// queueError says why the queue refused a click.
func queueError(err error, lim Limits) error {
	if errors.Is(err, errClientQueueFull) {
		return newError(CodeBusy, "你的地址已有 %d 个运行在排队，先停掉一个，或过一会儿再试", lim.QueuePerClient)
	}
	return newError(CodeBusy, "服务器满了，排队也满了，请过一会儿再试")
}

// forget takes a run out of the connection's table and remembers its id
// among the recently ended.
func (cn *conn) forget(id string) {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	delete(cn.runs, id)
	cn.ended[cn.next] = id
	cn.next = (cn.next + 1) % endedKept
}

// retell is the least time between two queued frames of one click: when a
// thousand wait, every run that starts moves them all, and a page needs
// its place a few times a second, not a hundred.
const retell = 250 * time.Millisecond

// wait keeps a queued run waiting for its slot, telling the page its place
// as it changes (at most every retell), for at most the queue wait. It
// returns nil once the run holds a slot; otherwise the error says why not:
// errWaitedTooLong, or whatever stopped ctx.
func (cn *conn) wait(ctx context.Context, t *ticket, id string, at *place) error {
	wctx, cancel := context.WithTimeoutCause(ctx, cn.s.limits.QueueWait, errWaitedTooLong)
	defer cancel()
	told, toldAt := at.position.Load(), time.Now()
	later := time.NewTimer(time.Hour)
	later.Stop()
	defer later.Stop()
	for {
		select {
		case <-t.granted:
			return nil
		case <-at.moved:
			if at.position.Load() == told {
				continue
			}
			if since := time.Since(toldAt); since < retell {
				later.Reset(retell - since) // the latest place goes out then
				continue
			}
		case <-later.C:
		case <-wctx.Done():
			// nil if the slot came in the same instant.
			return cn.s.queue.wait(wctx, t)
		}
		if n := at.position.Load(); n != told {
			told, toldAt = n, time.Now()
			cn.send(wctx, at.frame(id))
		}
	}
}

// report tells the observer and the log how a run ended.
func (cn *conn) report(c click, res runner.Result, waited time.Duration) {
	result := "ok"
	switch {
	case errors.Is(res.Err, runner.ErrStopped):
		result = "stopped"
	case errors.Is(res.Err, runner.ErrTimeout):
		result = "timeout"
	case res.Err != nil:
		result = "error"
	}
	cn.s.obs.RunDone(RunReport{Demo: c.demo.ID, Runtime: c.runtime, Kind: c.kind, Result: result,
		Client: cn.client.key, Waited: waited, Elapsed: res.Elapsed})
	cn.s.log.Info("run", "demo", c.demo.ID, "runtime", c.runtime, "kind", c.kind, "result", result,
		"elapsed_ms", res.Elapsed.Milliseconds(), "waited_ms", waited.Milliseconds(), "client", cn.client.key)
}

// runtimeRequest reads the runtime a run frame asks for: traced when it
// says "trace", edited Go when it carries source, else "go" (the default)
// or "python".
func (cn *conn) runtimeRequest(req Request) (runtimes.Request, error) {
	rr := runtimes.Request{Race: req.Race, Procs: req.Procs}
	if req.Source != "" {
		rr.Source = []byte(req.Source)
	}
	switch req.Runtime {
	case "", "go":
		rr.Runtime = runtimes.Go
		if req.Source != "" {
			rr.Runtime = runtimes.Edited
		}
	case "python":
		rr.Runtime = runtimes.Python
	default:
		return rr, &protocolError{code: CodeBadRequest, param: "runtime", msg: fmt.Sprintf("没有这种运行方式：%q（应是 go 或 python）", req.Runtime)}
	}
	if req.Trace {
		if rr.Runtime == runtimes.Python {
			return rr, &protocolError{code: CodeBadRequest, param: "trace", msg: "调度视图只跟踪 Go 的运行"}
		}
		rr.Runtime = runtimes.Traced
		rr.Traced = cn.traced(req.ID, req.Procs)
	}
	return rr, nil
}

// resolve returns the demo to run for rr: the Go demo itself, or the same
// demo (same parameters, same checks) whose run function is a child's.
func (cn *conn) resolve(d *runner.Demo, rr runtimes.Request) (*runner.Demo, error) {
	if err := rr.Check(); err != nil {
		return nil, err
	}
	if rr.Runtime == runtimes.Go {
		return d, nil
	}
	if cn.s.runtimes == nil {
		return nil, newError(CodeUnavailable, "这台服务器只运行演示自己的 Go 代码")
	}
	return cn.s.runtimes.Resolve(d, rr)
}

// run runs a click that holds its slot. A child that builds its program
// first has built it by the time it says anything: its first output or
// event gives its build back (fairQueue.built).
func (cn *conn) run(ctx context.Context, c click, t *ticket) runner.Result {
	start := time.Now()
	var first, spoke sync.Once
	built := func() {
		if c.kind.builds() {
			cn.s.queue.built(t)
		}
	}
	// What a program writes as it is being stopped (a Python program's
	// CancelledError, unwinding) still reaches the page, for a moment
	// past Stop; then its output is dropped like any stopped run's.
	outCtx, cancelOut := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelOut()
	stopping := context.AfterFunc(ctx, func() { time.AfterFunc(stopOutputGrace, cancelOut) })
	defer stopping()
	out := frameWriter(func(p []byte) error {
		first.Do(func() { cn.s.obs.FirstOutput(c.demo.ID, c.runtime, time.Since(start)) })
		spoke.Do(built)
		return cn.send(outCtx, Message{Type: "output", ID: c.id, Data: string(p)})
	})
	return runner.Execute(ctx, cn.s.env, c.demo, c.vals, out, func(e runner.Event, inFlight int) {
		spoke.Do(built)
		cn.send(ctx, Message{Type: "event", ID: c.id, Event: &e, InFlight: &inFlight})
	})
}

// stopOutputGrace is how long a stopped run's output is still passed on.
const stopOutputGrace = 150 * time.Millisecond

func exitMessage(id string, res runner.Result) Message {
	ok := res.Err == nil
	// A child runtime's start-up (the interpreter starting) is said apart:
	// elapsed_ms is the program's own time, from its first instruction to
	// its last (the interpreter's exit left out too), which is what a
	// learner compares with the program's own printout and with the same
	// program in the other runtime.
	ms := float64(res.Program().Microseconds()) / 1000
	m := Message{Type: "exit", ID: id, OK: &ok, ElapsedMs: &ms, TaskSummary: res.Tasks}
	if res.Startup > 0 {
		startup := float64(res.Startup.Microseconds()) / 1000
		m.StartupMs = &startup
	}
	if !ok {
		describe(&m, res.Err)
	}
	return m
}

// frameWriter turns each Write into one output frame.
type frameWriter func([]byte) error

func (f frameWriter) Write(p []byte) (int, error) {
	if err := f(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// maxDepth is the deepest nesting of objects and arrays in a frame the
// course understands (a run frame's params object is at depth 2).
const maxDepth = 4

// shallow reports whether the JSON text data nests no deeper than limit:
// one linear scan, strings skipped, nothing allocated.
func shallow(data []byte, limit int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return false
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return true
}
