package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// frame is a server message as the browser sees it.
type frame struct {
	Type      string            `json:"type"`
	ID        string            `json:"id"`
	Demo      string            `json:"demo"`
	Params    map[string]string `json:"params"`
	Data      string            `json:"data"`
	OK        *bool             `json:"ok"`
	ElapsedMs float64           `json:"elapsed_ms"`
	Error     string            `json:"error"`
	Param     string            `json:"param"`
}

type browser struct {
	t *testing.T
	c *websocket.Conn
}

func connect(t *testing.T, url string) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Origin": {url}} // what a page of the course sends
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &browser{t: t, c: c}
}

func (b *browser) send(v any) {
	b.t.Helper()
	data, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.c.Write(ctx, websocket.MessageText, data); err != nil {
		b.t.Fatal(err)
	}
}

// until reads frames for run id up to and including one of type typ (or an
// error for that run).
func (b *browser) until(typ, id string) []frame {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []frame
	for {
		_, data, err := b.c.Read(ctx)
		if err != nil {
			b.t.Fatalf("read: %v", err)
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			b.t.Fatal(err)
		}
		if f.ID != id {
			continue
		}
		got = append(got, f)
		if f.Type == typ || f.Type == "error" || f.Type == "exit" {
			return got
		}
	}
}

func output(frames []frame) string {
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
		b.send(map[string]any{"type": "run", "id": run, "demo": id, "params": map[string]string{"slow": "300ms", "frame": "20ms"}})
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
		if exit.Type != "exit" || exit.OK == nil || !*exit.OK || exit.ElapsedMs < 300 {
			t.Errorf("%s: exit %+v", id, exit)
		}
	}
}

// Stop ends a run, over the socket, within 100 ms. A demo that ignored its
// context would take its whole 10 s every time; a machine busy with other
// tests may be slow once, so each demo gets three tries to show it.
func TestSpinnerStopWithin100ms(t *testing.T) {
	srv, _ := startCourse(t)
	b := connect(t, srv.URL)
	for _, id := range []string{"spinner-thread", "spinner-goroutine"} {
		var took []time.Duration
		for try := range 3 {
			run := fmt.Sprintf("%s-%d", id, try)
			b.send(map[string]any{"type": "run", "id": run, "demo": id, "params": map[string]string{"slow": "10s", "frame": "20ms"}})
			b.until("output", run)
			start := time.Now()
			b.send(map[string]string{"type": "stop", "id": run})
			got := b.until("exit", run)
			took = append(took, time.Since(start))
			if exit := got[len(got)-1]; exit.OK == nil || *exit.OK || exit.Error != "stopped" {
				t.Errorf("%s: exit %+v", id, exit)
			}
			if strings.Contains(output(got), "Answer") {
				t.Errorf("%s: answered after stop", id)
			}
			if took[try] <= 100*time.Millisecond {
				break
			}
		}
		if best := slices.Min(took); best > 100*time.Millisecond {
			t.Errorf("%s: stop took %v", id, took)
		}
	}
}

func TestBadRunsThenGoodRun(t *testing.T) {
	srv, _ := startCourse(t)
	b := connect(t, srv.URL)
	b.send(map[string]any{"type": "run", "id": "x1", "demo": "spinner-threads"})
	if got := b.until("exit", "x1"); len(got) != 1 || got[0].Type != "error" || !strings.Contains(got[0].Error, `unknown demo "spinner-threads"`) {
		t.Errorf("unknown demo: %+v", got)
	}
	b.send(map[string]any{"type": "run", "id": "x2", "demo": "spinner-thread", "params": map[string]string{"frame": "1s"}})
	if got := b.until("exit", "x2"); len(got) != 1 || got[0].Type != "error" || got[0].Param != "frame" || !strings.Contains(got[0].Error, "at most 80ms") {
		t.Errorf("bad parameter: %+v", got)
	}
	b.send(map[string]any{"type": "run", "id": "x3", "demo": "spinner-goroutine", "params": map[string]string{"slow": "100ms", "frame": "20ms"}})
	if got := b.until("exit", "x3"); got[len(got)-1].OK == nil || !*got[len(got)-1].OK {
		t.Errorf("run after errors: %+v", got)
	}
}

func TestCrossOriginSocketRefused(t *testing.T) {
	srv, _ := startCourse(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Origin": {"https://other.example"}}
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin handshake: err=%v resp=%v", err, resp)
	}
}
