package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// requirePython skips a test where the server found no Python (and fails
// under CI, which installs it).
func requirePython(t *testing.T, c *Course) {
	t.Helper()
	if ok, why := c.PythonStatus("spinner-goroutine"); !ok {
		testenv.Missing(t, "no Python here: %s", why)
	}
}

// A run with "runtime":"python" runs the demo's asyncio program with the
// same parameters and the same frames: started (saying python), output,
// exit.
func TestPythonRunOverTheSocket(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	requirePython(t, srv.Course)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := socket.Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.CloseNow()
	if err := cl.Send(ctx, map[string]any{"type": "run", "id": "p1", "demo": "spinner-goroutine", "runtime": "python",
		"params": map[string]string{"slow": "300ms"}}); err != nil {
		t.Fatal(err)
	}
	frames, err := cl.Until(ctx, "exit", "p1")
	if err != nil {
		t.Fatal(err)
	}
	if frames[0].Type != "started" || frames[0].Runtime != "python" {
		t.Errorf("first frame %+v, want started in python", frames[0])
	}
	if out := socket.Output(frames, "p1"); !strings.Contains(out, "Answer: 42") {
		t.Errorf("output %q", out)
	}
	if m := frames[len(frames)-1]; m.OK == nil || !*m.OK {
		t.Errorf("exit %+v", m)
	} else if m.StartupMs == nil || *m.StartupMs <= 0 || m.ElapsedMs == nil || *m.ElapsedMs < 300 {
		// The interpreter's start is said apart; the program's own time
		// holds its slow call (300 ms) and not the start.
		t.Errorf("exit %+v: want startup_ms > 0 and elapsed_ms ≥ 300", m)
	}
	// A Go run has no start-up of a child to report.
	cl.Run(ctx, "g1", "spinner-goroutine", map[string]string{"slow": "100ms"})
	if got, err := cl.Until(ctx, "exit", "g1"); err != nil || got[len(got)-1].StartupMs != nil {
		t.Errorf("Go run's exit: %+v %v", got, err)
	}
	// A runtime that does not exist is one error naming it.
	cl.Send(ctx, map[string]any{"type": "run", "id": "p2", "demo": "spinner-goroutine", "runtime": "ruby"})
	if got, _ := cl.Until(ctx, "error", "p2"); got[len(got)-1].Code != socket.CodeBadRequest || got[len(got)-1].Param != "runtime" || !strings.Contains(got[len(got)-1].Error, `"ruby"`) {
		t.Errorf("%+v", got)
	}
}

// /api/demos says per demo whether its Python program runs here, and why
// not: with Python off, every demo says so, and Go runs as before.
func TestPythonAvailabilityInTheDemoList(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{Python: runtimes.PythonConfig{Off: true}})
	resp, err := http.Get(srv.URL + "/api/demos")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		ID     string
		Python struct {
			Available bool
			Reason    string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.Python.Available || !strings.Contains(d.Python.Reason, "-python off") {
			t.Errorf("%s: %+v", d.ID, d.Python)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := socket.Dial(ctx, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.CloseNow()
	cl.Send(ctx, map[string]any{"type": "run", "id": "p", "demo": "hello-tasks", "runtime": "python"})
	if got, err := cl.Until(ctx, "error", "p"); err != nil || got[len(got)-1].Code != socket.CodeUnavailable || !strings.Contains(got[len(got)-1].Error, "Python") {
		t.Errorf("python run with Python off: %+v %v", got, err)
	}
	cl.Run(ctx, "g", "hello-tasks", map[string]string{"durations": "10ms"})
	if _, err := cl.Until(ctx, "exit", "g"); err != nil {
		t.Errorf("the Go run: %v", err)
	}
	http.DefaultClient.CloseIdleConnections()
}
