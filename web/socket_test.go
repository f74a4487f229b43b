package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/testenv"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// browser is socket.Client as a page of the course uses it (it sends its
// origin), failing the test instead of returning errors.
type browser struct {
	t *testing.T
	c *socket.Client
}

func connect(t *testing.T, url string) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Origin": {url}} // what a page of the course sends
	c, err := socket.Dial(ctx, url, &socket.DialOptions{Header: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &browser{t: t, c: c}
}

func (b *browser) run(id, demo string, params map[string]string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.c.Run(ctx, id, demo, params); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) stop(id string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.c.Stop(ctx, id); err != nil {
		b.t.Fatal(err)
	}
}

// until reads frames for run id up to and including one of type typ (or an
// error for that run).
func (b *browser) until(typ, id string) []socket.Message {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	all, err := b.c.Until(ctx, typ, id)
	if err != nil && !errors.Is(err, socket.ErrEndedEarly) {
		b.t.Fatal(err)
	}
	var got []socket.Message
	for _, f := range all {
		if f.ID == id {
			got = append(got, f)
		}
	}
	return got
}

func output(frames []socket.Message) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.Data)
	}
	return b.String()
}

func TestSpinnerDemosOverWebsocket(t *testing.T) {
	srv, _ := startCourse(t)
	b := connect(t, srv.URL)
	for i, id := range []string{"spinner-thread", "spinner-goroutine"} {
		run := "r" + string(rune('1'+i))
		b.run(run, id, map[string]string{"slow": "300ms", "frame": "20ms"})
		got := b.until("exit", run)
		if got[0].Type != "started" || got[0].Params["slow"] != "300ms" || got[0].Params["frame"] != "20ms" {
			t.Errorf("%s: first frame %+v", id, got[0])
		}
		out := output(got)
		if !strings.Contains(out, "\b") || !strings.Contains(out, "| thinking...") || !strings.HasSuffix(out, "Answer: 42\n") {
			t.Errorf("%s: output %q", id, out)
		}
		var outputs int
		for _, f := range got {
			if f.Type == "output" {
				outputs++
			}
		}
		if outputs < 5 {
			t.Errorf("%s: %d output frames: the spinner did not stream", id, outputs)
		}
		exit := got[len(got)-1]
		if exit.Type != "exit" || exit.OK == nil || !*exit.OK || exit.ElapsedMs == nil || *exit.ElapsedMs < 300 {
			t.Errorf("%s: exit %+v", id, exit)
		}
	}
}

// Stop ends a run, over the socket, within 100 ms: from the stop frame
// sent to the exit frame read, once for each demo. A demo that ignored its
// context would take its whole 10 s.
func TestSpinnerStopWithin100ms(t *testing.T) {
	srv, _ := startCourse(t)
	b := connect(t, srv.URL)
	for _, id := range []string{"spinner-thread", "spinner-goroutine"} {
		b.run(id, id, map[string]string{"slow": "10s", "frame": "20ms"})
		b.until("output", id)
		start := time.Now()
		b.stop(id)
		got := b.until("exit", id)
		testenv.CheckStopBound(t, id+" over the socket", time.Since(start))
		if exit := got[len(got)-1]; exit.OK == nil || *exit.OK || exit.Code != socket.CodeStopped {
			t.Errorf("%s: exit %+v", id, exit)
		}
		if strings.Contains(output(got), "Answer") {
			t.Errorf("%s: answered after stop", id)
		}
	}
}

func TestBadRunsThenGoodRun(t *testing.T) {
	srv, _ := startCourse(t)
	b := connect(t, srv.URL)
	b.run("x1", "spinner-threads", nil)
	if got := b.until("exit", "x1"); len(got) != 1 || got[0].Type != "error" || got[0].Code != socket.CodeUnknownDemo || !strings.Contains(got[0].Error, `"spinner-threads"`) {
		t.Errorf("unknown demo: %+v", got)
	}
	b.run("x2", "spinner-thread", map[string]string{"frame": "1s"})
	if got := b.until("exit", "x2"); len(got) != 1 || got[0].Type != "error" || got[0].Param != "frame" || got[0].Code != socket.CodeBadParam || !strings.Contains(got[0].Error, "不能大于 80ms") {
		t.Errorf("bad parameter: %+v", got)
	}
	b.run("x3", "spinner-goroutine", map[string]string{"slow": "100ms", "frame": "20ms"})
	if got := b.until("exit", "x3"); got[len(got)-1].OK == nil || !*got[len(got)-1].OK {
		t.Errorf("run after errors: %+v", got)
	}
}

func TestCrossOriginSocketRefused(t *testing.T) {
	srv, _ := startCourse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Origin": {"https://other.example"}}
	c, err := socket.Dial(ctx, srv.URL, &socket.DialOptions{Header: h})
	if err == nil {
		c.CloseNow()
	}
	if de, ok := errors.AsType[*socket.DialError](err); !ok || de.Status != http.StatusForbidden {
		t.Errorf("cross-origin handshake: err=%v", err)
	}
}
