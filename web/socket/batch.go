package socket

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Frames to one page go out in one write when several are waiting. Every
// websocket message is flushed to the connection as soon as it is written
// (one write system call each), and on loopback or a busy server that call
// is most of what a frame costs: the kernel carries the bytes to the
// receiver inside it. A run's first moments are a burst — started, a few
// events, the first output — so the writer, when it finds more frames
// queued behind the one it is writing, holds their bytes and sends them
// together. A page that keeps up and a run that writes now and then are
// served exactly as before, frame by frame.

// maxBatch bounds the bytes held for one write.
const maxBatch = 64 << 10

// maxBatchFrames bounds the frames gathered into one write, so that one
// run's flood does not keep its page's other frames waiting.
const maxBatchFrames = 64

// batchConn is the network connection under a socket's websocket. While
// held, what the websocket writes is kept; release sends it in one write.
// The websocket library serialises its own writes, so the lock is only
// ever contended by a control frame (a ping or pong) written meanwhile,
// which simply joins the batch.
type batchConn struct {
	net.Conn
	mu      sync.Mutex
	holding bool
	buf     []byte
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.holding && len(b.buf)+len(p) <= maxBatch {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	// Too much to hold, or not holding: what is held goes first, in order.
	if err := b.flushLocked(); err != nil {
		return 0, err
	}
	return b.Conn.Write(p)
}

// hold starts keeping what is written.
func (b *batchConn) hold() {
	b.mu.Lock()
	b.holding = true
	b.mu.Unlock()
}

// release sends what was kept, in one write that must be done by
// deadline (the websocket library's own timeouts cover only the writes it
// makes itself), and stops keeping.
func (b *batchConn) release(deadline time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.holding = false
	if len(b.buf) == 0 {
		return nil
	}
	if err := b.Conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	err := b.flushLocked()
	return errors.Join(err, b.Conn.SetWriteDeadline(time.Time{}))
}

func (b *batchConn) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.Conn.Write(b.buf)
	b.buf = b.buf[:0]
	if cap(b.buf) > 2*maxBatch { // never happens with the bound above; kept tidy
		b.buf = nil
	}
	return err
}

// batchingWriter hands the websocket library, at the upgrade, the
// connection wrapped in a batchConn.
type batchingWriter struct {
	http.ResponseWriter
	conn *batchConn
}

func (w batchingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the response cannot be hijacked")
	}
	c, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.conn.Conn = c
	return w.conn, brw, nil
}
