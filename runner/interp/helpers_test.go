package interp

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/blocking"
	"github.com/bingfa-manyou/walkthrough/lessons/callbacks"
	"github.com/bingfa-manyou/walkthrough/lessons/eventloop"
	"github.com/bingfa-manyou/walkthrough/lessons/flags"
	"github.com/bingfa-manyou/walkthrough/lessons/futures"
	"github.com/bingfa-manyou/walkthrough/lessons/httpclients"
	"github.com/bingfa-manyou/walkthrough/lessons/multireq"
	"github.com/bingfa-manyou/walkthrough/lessons/rawconn"
	"github.com/bingfa-manyou/walkthrough/lessons/semaphore"
	"github.com/bingfa-manyou/walkthrough/lessons/spinner"
	"github.com/bingfa-manyou/walkthrough/lessons/yieldfrom"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The test binary is the child too: ChildMain first.
func TestMain(m *testing.M) {
	ChildMain()
	goleak.VerifyTestMain(m)
}

// courseDemo is one demo of the course with the files of its lesson.
type courseDemo struct {
	demo  *runner.Demo
	files fs.FS
}

// course lists every demo of the course with its lesson's embedded files
// (the lessons package keeps its own list unexported).
func course() []courseDemo {
	units := []struct {
		files fs.FS
		demos []runner.Demo
	}{
		{eventloop.Files, eventloop.Demos()}, {futures.Files, futures.Demos()},
		{spinner.Files, spinner.Demos()}, {callbacks.Files, callbacks.Demos()},
		{blocking.Files, blocking.Demos()}, {flags.Files, flags.Demos()},
		{semaphore.Files, semaphore.Demos()}, {rawconn.Files, rawconn.Demos()},
		{yieldfrom.Files, yieldfrom.Demos()}, {multireq.Files, multireq.Demos()},
		{httpclients.Files, httpclients.Demos()},
	}
	var out []courseDemo
	for _, u := range units {
		for i := range u.demos {
			out = append(out, courseDemo{&u.demos[i], u.files})
		}
	}
	return out
}

func find(t testing.TB, id string) courseDemo {
	t.Helper()
	for _, c := range course() {
		if c.demo.ID == id {
			return c
		}
	}
	t.Fatalf("no demo %s", id)
	return courseDemo{}
}

func source(t testing.TB, c courseDemo) string {
	t.Helper()
	b, err := fs.ReadFile(c.files, c.demo.Source)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// change replaces the first occurrence of old in text, failing the test if
// it is not there.
func change(t testing.TB, text, old, new string) string {
	t.Helper()
	if !strings.Contains(text, old) {
		t.Fatalf("%q not in the source", old)
	}
	return strings.Replace(text, old, new, 1)
}

// lineOf is the 1-based line of the first occurrence of s in text.
func lineOf(t testing.TB, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not in the source", s)
	}
	return strings.Count(text[:i], "\n") + 1
}

// run is one run of the demo as the server does it: runner.Execute with
// run as the run function.
type ran struct {
	res    runner.Result
	out    string
	events []runner.Event
}

func execute(t testing.TB, ctx context.Context, env runner.Env, d *runner.Demo, run runner.RunFunc, params map[string]string) ran {
	t.Helper()
	v, err := d.Parse(params)
	if err != nil {
		t.Fatal(err)
	}
	dd := *d
	dd.Run = run
	var out syncBuffer
	var mu sync.Mutex
	var events []runner.Event
	res := runner.Execute(ctx, env, &dd, v, &out, func(e runner.Event, _ int) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	})
	return ran{res, out.String(), events}
}

func envWith(flagsURL string, runTime time.Duration) runner.Env {
	return runner.Env{FlagsURL: flagsURL, Limits: runner.Limits{RunTime: runTime, OutputBytes: 1 << 20}}
}

// syncBuffer is a buffer that tells when its first byte arrives.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan struct{}
	once  sync.Once
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.first != nil && len(p) > 0 {
		b.once.Do(func() { close(b.first) })
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
