package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/trace"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// A traced run over the socket: started says trace and procs; the trace
// frames — lanes first, then the goroutines' rows — come before exit and
// show spinner-thread's spinner on a thread of its own; a bad procs is
// refused with one error naming it; /api/demos says runs can be traced.
func TestTracedRunOverTheSocket(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	if ok, why := srv.Course.TraceStatus("spinner-thread"); !ok {
		t.Skipf("tracing unavailable here: %s", why)
	}
	if err := srv.Course.WarmEdits(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := socket.Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.CloseNow()
	if err := cl.Send(ctx, map[string]any{"type": "run", "id": "t1", "demo": "spinner-thread", "trace": true, "procs": 2,
		"params": map[string]string{"slow": "300ms", "frame": "20ms"}}); err != nil {
		t.Fatal(err)
	}
	frames, err := cl.Until(ctx, "exit", "t1")
	if err != nil {
		t.Fatal(err)
	}
	if f := frames[0]; f.Type != "started" || !f.Trace || f.Procs != 2 || f.Edited {
		t.Errorf("started %+v, want trace, procs 2, not edited", f)
	}
	var parts []*trace.Summary
	for i, m := range frames {
		if m.Type != "trace" {
			continue
		}
		if m.Error != "" || m.Summary == nil || m.Procs != 2 {
			t.Fatalf("trace frame %+v", m)
		}
		if frames[len(frames)-1].Type != "exit" || i == len(frames)-1 {
			t.Fatal("trace frames must come before exit")
		}
		parts = append(parts, m.Summary)
	}
	if len(parts) < 2 || parts[0].Part != 1 || parts[0].Parts != len(parts) || len(parts[0].Lanes) != 2 {
		t.Fatalf("%d trace frames, the first %+v", len(parts), parts[0])
	}
	spinner, ok := parts[0].Tasks["spinner"]
	if !ok {
		t.Fatalf("the spinner task is linked to no goroutine: %v", parts[0].Tasks)
	}
	locked := false
	for _, p := range parts[1:] {
		for _, g := range p.Goroutines {
			if g.ID == spinner && g.LockedM > 0 {
				locked = true
			}
		}
	}
	if !locked {
		t.Error("the spinner's goroutine is not shown locked to its thread")
	}
	if m := frames[len(frames)-1]; m.OK == nil || !*m.OK {
		t.Errorf("exit %+v", m)
	}

	for _, bad := range []map[string]any{
		{"type": "run", "id": "t2", "demo": "spinner-thread", "trace": true, "procs": 3},
		{"type": "run", "id": "t3", "demo": "spinner-thread", "procs": 2},
	} {
		cl.Send(ctx, bad)
		got, _ := cl.Until(ctx, "error", bad["id"].(string))
		if m := got[len(got)-1]; m.Type != "error" || m.Param != "procs" {
			t.Errorf("%v: got %+v, want one error about procs", bad, m)
		}
	}

	resp, err := http.Get(srv.URL + "/api/demos")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var demos []struct {
		ID    string `json:"id"`
		Trace struct {
			Available bool `json:"available"`
		} `json:"trace"`
	}
	if err := json.Unmarshal(body, &demos); err != nil {
		t.Fatal(err)
	}
	for _, d := range demos {
		if !d.Trace.Available {
			t.Errorf("/api/demos: %s cannot be traced", d.ID)
		}
	}
}
