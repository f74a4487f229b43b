package socket

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"

	"github.com/coder/websocket"
	"go.uber.org/goleak"
)

// A client that never reads while its demo floods output costs the server a
// bounded amount of memory, is dropped about one write timeout after its
// socket buffers fill, and nobody else notices.
func TestSlowReaderIsDroppedAlone(t *testing.T) {
	var written atomic.Int64
	returned := make(chan time.Time, 1)
	firehose := demo("firehose", func(ctx context.Context, _ runner.Values, out io.Writer, _ runner.Events) error {
		defer func() { returned <- time.Now() }()
		chunk := strings.Repeat("z", 4096)
		for {
			n, err := io.WriteString(out, chunk)
			written.Add(int64(n))
			if err != nil {
				return err
			}
		}
	})
	reg, err := runner.NewRegistry(*firehose, *demo("wait", waitThenAnswer, durationParam))
	if err != nil {
		t.Fatal(err)
	}
	lim := defaultLimits() // the real 5 s write timeout
	lim.OutputBytes = 1 << 30
	s, err := newSocket(reg, lim, quiet())
	if err != nil {
		t.Fatal(err)
	}
	var handlers Gauge // websocket handlers still running
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Add(-1)
		s.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx) // bounded: a failing test must not hang here
	}()
	ts := &testServer{Server: srv, socket: s}

	other := dial(t, ts)
	other.run("r0", "wait", map[string]string{"d": "1ms"}) // its goroutines are all up once it answers
	other.until("exit", "r0")
	before := goleak.IgnoreCurrent() // everything the slow client starts must end
	var mem runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&mem)
	heapBefore := mem.HeapInuse

	slow := dial(t, ts)
	slow.c.Conn().SetReadLimit(1 << 20)
	slow.run("flood", "firehose", nil)

	// The demo writes until the queue and the socket buffers are full, then
	// it is held back: its output stops growing.
	var stalledAt time.Time
	last := int64(-1)
	for steady, deadline := 0, time.Now().Add(30*time.Second); steady < 3; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the flood never stalled: %d MiB written", written.Load()>>20)
		}
		if n := written.Load(); n == last {
			steady++
		} else {
			steady, last, stalledAt = 0, n, time.Now()
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&mem)
	t.Logf("stalled after %d MiB; heap grew by %d KiB", last>>20, (int64(mem.HeapInuse)-int64(heapBefore))>>10)
	// What it managed to write sits in the kernel's socket buffers (tens of
	// MiB at most on loopback) and in the 64-frame queue, nowhere else.
	if last > 128<<20 {
		t.Errorf("%d MiB written by a demo whose client reads nothing", last>>20)
	}
	if grew := int64(mem.HeapInuse) - int64(heapBefore); grew > 32<<20 {
		t.Errorf("heap grew by %d MiB while the client read nothing", grew>>20)
	}

	// Meanwhile another page runs a demo as usual.
	other.run("r1", "wait", map[string]string{"d": "50ms"})
	got := other.until("exit", "r1")
	if m := got[len(got)-1]; m.OK == nil || !*m.OK {
		t.Errorf("the other client's run: %+v", m)
	}
	select {
	case at := <-returned:
		t.Errorf("the slow client was dropped %v after stalling, before the other client's 50 ms run ended", at.Sub(stalledAt))
		returned <- at
	default:
	}

	// About one write timeout after the stall, the slow client's run is
	// stopped and its connection handler has returned.
	select {
	case at := <-returned:
		took := at.Sub(stalledAt)
		t.Logf("slow client's run stopped %v after it stalled (write timeout %v)", took, lim.WriteTimeout)
		if took > lim.WriteTimeout+5*time.Second {
			t.Errorf("stopped only after %v", took)
		}
	case <-time.After(lim.WriteTimeout + 10*time.Second):
		t.Fatal("the slow client's run was never stopped")
	}
	hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer hcancel()
	if n, err := handlers.Await(hctx, func(n int64) bool { return n == 1 }); err != nil {
		t.Fatalf("%d websocket handlers still running, want only the other client's", n)
	}

	// If the slow client reads now, it finds what the buffers held and then
	// a dropped connection: no exit frame, and no close frame, because one
	// could not get past the unread data (see conn.write).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var frames int
	for {
		data, err := slow.c.ReadRaw(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != -1 || ctx.Err() != nil {
				t.Errorf("after %d frames the slow client read %v (close status %v), want a dropped connection", frames, err, code)
			}
			break
		}
		frames++
		if strings.Contains(string(data), `"exit"`) {
			t.Errorf("the slow client got an exit frame: %.100s", data)
		}
	}
	slow.c.CloseNow()

	// The other page is still fine.
	other.run("r2", "wait", map[string]string{"d": "1ms"})
	if got := other.until("exit", "r2"); got[0].Type != "started" {
		t.Errorf("after the slow client left: %+v", got)
	}
	goleak.VerifyNone(t, before)
	other.c.CloseNow() // before the server's Close, which would wait for its goodbye
}
