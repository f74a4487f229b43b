package web

import (
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
	"github.com/bingfa-manyou/walkthrough/web/socket"
)

// A learner's edit of a demo runs — built by the Go toolchain and run in
// a sandbox — with the demo's parameters, timeline and frames; a mistake
// in it is a failed exit with code compile, placed on its line; cgo is
// refused before the run; /api/demos says every demo can be edited.
func TestEditedRunOverTheSocket(t *testing.T) {
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	catalog := srv.Course.Catalog()
	src, err := fs.ReadFile(catalog.Files("spinner-goroutine"), "spinner_goroutine.go")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `"Answer: %d\n", answer`, `"Answer: %d (edited)\n", answer+1`, 1)
	if edited == string(src) {
		t.Fatal("the edit did not apply: the demo's print line changed")
	}
	// A cold build cache compiles the standard library first: minutes,
	// once per machine.
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
	if err := cl.Send(ctx, map[string]any{"type": "run", "id": "e1", "demo": "spinner-goroutine", "source": edited,
		"params": map[string]string{"slow": "200ms", "frame": "20ms"}}); err != nil {
		t.Fatal(err)
	}
	frames, err := cl.Until(ctx, "exit", "e1")
	if err != nil {
		t.Fatal(err)
	}
	if !frames[0].Edited {
		t.Errorf("started %+v, want edited", frames[0])
	}
	if out := socket.Output(frames, "e1"); !strings.Contains(out, "Answer: 43 (edited)") {
		t.Errorf("output %q", out)
	}
	events := 0
	for _, m := range frames {
		if m.Type == "event" {
			events++
		}
	}
	if m := frames[len(frames)-1]; m.OK == nil || !*m.OK || events == 0 {
		t.Errorf("exit %+v after %d events", m, events)
	}

	if m := frames[len(frames)-1]; m.StartupMs == nil || *m.StartupMs <= 0 {
		t.Errorf("exit %+v: no start-up time (build and sandbox)", m)
	}

	broken := strings.Replace(string(src), "func ", "func func ", 1)
	cl.Send(ctx, map[string]any{"type": "run", "id": "e2", "demo": "spinner-goroutine", "source": broken})
	got, _ := cl.Until(ctx, "exit", "e2")
	if m := got[len(got)-1]; m.Type != "exit" || m.OK == nil || *m.OK || m.Code != "compile" || m.Line == 0 || m.Diagnostics == nil {
		t.Errorf("a syntax error: %+v, want a failed exit, code compile, with its line", m)
	}

	cgo := strings.Replace(string(src), "import (", "import \"C\"\nimport (", 1)
	cl.Send(ctx, map[string]any{"type": "run", "id": "e3", "demo": "spinner-goroutine", "source": cgo})
	got, _ = cl.Until(ctx, "error", "e3")
	if m := got[len(got)-1]; m.Type != "error" || m.Code != "compile" || m.Line == 0 {
		t.Errorf("import \"C\": %+v, want an error frame, code compile, on its line", m)
	}

	resp, err := http.Get(srv.URL + "/api/demos")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		ID         string
		Editable   bool
		EditReason string `json:"edit_reason"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	editable := 0
	for _, d := range list {
		if d.Editable {
			editable++
		} else if d.EditReason == "" {
			t.Errorf("%s: not editable, and no reason", d.ID)
		}
	}
	if editable != len(list) {
		t.Errorf("%d of %d demos editable, want all", editable, len(list))
	}
	http.DefaultClient.CloseIdleConnections()
}

// A course promised to loopback (where edits may run unsandboxed) refuses
// to serve on any other address.
func TestLoopbackOnlyCourseRefusesOtherListeners(t *testing.T) {
	c, err := NewCourse(CourseConfig{LoopbackOnly: true, Python: runtimes.PythonConfig{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := c.Serve(ln); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Serve on %s: %v, want refused", ln.Addr(), err)
	}
}
