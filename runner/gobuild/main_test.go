package gobuild_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

func TestMain(m *testing.M) {
	sandbox.Main(map[string]sandbox.ServeFunc{gobuild.FlagsService: flagserver.Serve})
	goleak.VerifyTestMain(m)
}

// fixture is one builder for the whole test binary, its cache warmed once.
var fixture struct {
	once    sync.Once
	catalog *lessons.Catalog
	sandbox *sandbox.Sandbox
	builder *gobuild.Builder
	err     error
}

// builder returns the shared builder; without a sandbox the test skips
// locally and fails in CI, where the sandbox is part of what is tested.
func builder(t testing.TB) (*gobuild.Builder, *lessons.Catalog) {
	t.Helper()
	fixture.once.Do(func() {
		ctx := context.Background()
		if fixture.catalog, fixture.err = lessons.Load(); fixture.err != nil {
			return
		}
		fixture.sandbox = sandbox.New(ctx)
		fixture.builder = gobuild.New(ctx, gobuild.Config{Sandbox: fixture.sandbox})
		// A cold cache compiles the standard library: minutes, once.
		fixture.err = fixture.builder.WarmUp(ctx, fixture.catalog.Registry().All(), fixture.catalog.Files)
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	if ok, why := fixture.builder.Status(); !ok {
		testenv.Missing(t, "editing unavailable here: %s (%s)", why, fixture.sandbox.Status().Detail)
	}
	return fixture.builder, fixture.catalog
}

// runEdit builds edited as demo id's source and runs it with raw params.
func runEdit(t *testing.T, ctx context.Context, id string, edited []byte, raw map[string]string, opt gobuild.Options) (string, runner.Result) {
	t.Helper()
	var out lockedBuffer
	res, err := runEditTo(t, ctx, id, edited, raw, opt, &out)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), res
}

// runEditTo is runEdit with the output going to w; it does not stop the
// test, so other goroutines may call it.
func runEditTo(t testing.TB, ctx context.Context, id string, edited []byte, raw map[string]string, opt gobuild.Options, w io.Writer) (runner.Result, error) {
	b, cat := builder(t)
	d, ok := cat.Registry().Lookup(id)
	if !ok {
		return runner.Result{}, fmt.Errorf("no demo %s", id)
	}
	run, err := b.Program(d, cat.Files(id), edited, opt)
	if err != nil {
		return runner.Result{}, fmt.Errorf("%s: %w", id, err)
	}
	v, err := d.Parse(raw)
	if err != nil {
		return runner.Result{}, err
	}
	ed := *d
	ed.Run = run
	return runner.Execute(ctx, runner.Env{FlagsURL: "http://unused.invalid", Limits: runner.Limits{RunTime: 60 * time.Second, OutputBytes: 1 << 20}}, &ed, v, w, nil), nil
}

// watchFor calls then once, the first time text passes through it.
type watchFor struct {
	mu   sync.Mutex
	text string
	then func()
	seen bool
}

func (w *watchFor) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen && strings.Contains(string(p), w.text) {
		w.seen = true
		w.then()
	}
	return len(p), nil
}

func original(t testing.TB, cat *lessons.Catalog, id string) []byte {
	t.Helper()
	d, _ := cat.Registry().Lookup(id)
	b, err := fs.ReadFile(cat.Files(id), d.Source)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// masked is output with what varies from run to run taken out: times,
// and the order of lines (concurrent demos finish in any order); \r and
// \b frames of a spinner are counted by what they draw, not how often.
//
// Within a line, words may come in any order (the flags of a concurrent
// download, printed as they arrive); a bar of + and . (new and reused
// connections) and numbers (ports, counts that depend on timing) are
// masked; a line's number of repeats is not compared.
func masked(out string) []string {
	out = regexp.MustCompile(`\d+(\.\d+)?(ms|s|µs)\b`).ReplaceAllString(out, "T")
	out = regexp.MustCompile(`\d+`).ReplaceAllString(out, "N")
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if i := strings.LastIndexAny(l, "\r\b"); i >= 0 {
			l = l[i+1:]
		}
		if i := strings.Index(l, "   <- "); i >= 0 && strings.Contains(l, "spinner") {
			// Whether a frame came late is timing too: a busy machine can
			// hold a spinner past its 150 ms (the lessons check their late
			// frames on the real clock).
			l = l[:i]
		}
		words := strings.Fields(l)
		for i, w := range words {
			switch {
			case strings.Trim(w, "+.") == "":
				words[i] = "BAR"
			case len(w) == 1 && strings.Contains(`|/-\`, w):
				words[i] = "FRAME" // which frame a spinner froze on is timing
			}
		}
		slices.Sort(words)
		lines = append(lines, strings.Join(words, " "))
	}
	slices.Sort(lines)
	// How many times a line comes (a frozen spinner's frames) is timing.
	return slices.Compact(lines)
}
