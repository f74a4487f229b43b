package gobuild_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// Every demo is editable, and its own source, built and run in the
// sandbox, prints what the compiled demo prints in the server.
func TestEveryDemoEditedPrintsTheSame(t *testing.T) {
	b, cat := builder(t)
	site, err := flagserver.Start("127.0.0.1:0", flagserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close(context.Background())
	// Demos whose outcome is a race between timers get margins no busy
	// machine can close (a select that wakes late finds both ready).
	wide := map[string]map[string]string{
		"deadline":     {"work": "2s", "timeout": "200ms"},
		"first-reply":  {"delays": "1500ms,100ms,800ms"},
		"group-cancel": {"step": "600ms"},
	}
	for _, d := range cat.Registry().All() {
		t.Run(d.ID, func(t *testing.T) {
			if ok, why := b.Editable(d, cat.Files(d.ID)); !ok {
				t.Fatalf("not editable: %s", why)
			}
			ctx := context.Background()
			v, err := d.Parse(wide[d.ID])
			if err != nil {
				t.Fatal(err)
			}
			var want lockedBuffer
			if raceDetector && racyOnPurpose[d.ID] {
				// In a -race test binary the built-in run of a demo that
				// races on purpose would fail this test; the edit (built
				// without -race) must still run.
				if _, eres := runEdit(t, ctx, d.ID, original(t, cat, d.ID), wide[d.ID], gobuild.Options{}); eres.Err != nil {
					t.Fatalf("edited demo: %v", eres.Err)
				}
				return
			}
			res := runner.Execute(ctx, runner.Env{FlagsURL: site.URL}, d, v, &want, nil)
			if res.Err != nil {
				t.Fatalf("compiled demo: %v", res.Err)
			}
			got, eres := runEdit(t, ctx, d.ID, original(t, cat, d.ID), wide[d.ID], gobuild.Options{})
			if eres.Err != nil {
				t.Fatalf("edited demo: %v\n%s", eres.Err, got)
			}
			if eres.Startup <= 0 {
				t.Errorf("no start-up time reported")
			}
			if w, g := masked(want.String()), masked(got); !slices.Equal(w, g) {
				t.Errorf("edited output differs:\n got %q\nwant %q", g, w)
			}
		})
	}
}

// The loop variable of Go 1.22: each goroutine its own i, every time.
func TestLoopVariableEveryTime(t *testing.T) {
	_, cat := builder(t)
	src := strings.Replace(string(original(t, cat, "flags-semaphore")), "\tbaseURL := p.FlagsURL()\n", `	var squares sync.WaitGroup
	sq := make([]int, 3)
	for i := range 3 {
		squares.Go(func() { sq[i] = i * i })
	}
	squares.Wait()
	fmt.Fprintln(out, sq)
	return nil
	baseURL := p.FlagsURL()
`, 1)
	// The code after the return is unreachable, and vet is not the
	// compiler: it builds.
	for range 10 {
		out, res := runEdit(t, context.Background(), "flags-semaphore", []byte(src), nil, gobuild.Options{})
		if res.Err != nil || strings.TrimSpace(out) != "[0 1 4]" {
			t.Fatalf("printed %q, %v; want [0 1 4]", out, res.Err)
		}
	}
}

// A compile error is placed on the learner's line, the learner's own
// first; import "C" never reaches the compiler.
func TestCompileErrorsOnTheirLines(t *testing.T) {
	b, cat := builder(t)
	d, _ := cat.Registry().Lookup("flags-semaphore")
	src := strings.Replace(string(original(t, cat, d.ID)), "\tlimit := p.Int(\"limit\")\n", "\tlimit := p.Int(\"limit\")\n\tundefinedThing()\n", 1)
	line := strings.Count(src[:strings.Index(src, "undefinedThing")], "\n") + 1
	_, res := runEdit(t, context.Background(), d.ID, []byte(src), nil, gobuild.Options{})
	var ce *gobuild.CompileError
	if !errors.As(res.Err, &ce) || ce.Line() != line || !strings.Contains(ce.Diagnostics[0].Message, "undefinedThing") {
		t.Fatalf("got %v, want a compile error on line %d", res.Err, line)
	}
	_, err := b.Program(d, cat.Files(d.ID), []byte("package semaphore\n\nimport (\n\t\"fmt\"\n\t\"C\"\n\t\"github.com/evil/x\"\n)\n"), gobuild.Options{})
	if !errors.As(err, &ce) || len(ce.Diagnostics) != 2 || ce.Diagnostics[0].Line != 5 || ce.Diagnostics[1].Line != 6 {
		t.Fatalf("got %v, want cgo refused on line 5 and an outside module on line 6", err)
	}
}

// Stop ends the build or the program within 100 ms, and leaves nothing.
func TestStopEndsAnEditedRun(t *testing.T) {
	_, cat := builder(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan runner.Result, 1)
	var stopped, returned time.Time
	// Stop comes the moment the program has drawn its first frame; the
	// stop is over when the run returns (not when this goroutine hears
	// of it).
	w := &watchFor{text: "thinking", then: func() { stopped = time.Now(); cancel() }}
	go func() {
		res, err := runEditTo(t, ctx, "spinner-goroutine", original(t, cat, "spinner-goroutine"), map[string]string{"slow": "10s"}, gobuild.Options{}, w)
		returned = time.Now()
		if err != nil {
			res.Err = err
		}
		done <- res
	}()
	res := <-done
	if stopped.IsZero() {
		t.Fatalf("the program never drew a frame: %v", res.Err)
	}
	testenv.CheckStopBound(t, "an edited run", returned.Sub(stopped))
	if !errors.Is(res.Err, runner.ErrStopped) {
		t.Errorf("err %v, want stopped", res.Err)
	}
}

// An edited program's events carry the moment it wrote them (on the
// machine's monotonic clock): a server that reads them late, because it
// is busy, still draws each task as long as it ran. Here the server takes
// half a second over the first event; read as they come, the tasks of
// 100, 200 and 300 ms would be drawn as 500, 0 and 0.
func TestEditedEventsKeepTheirMoments(t *testing.T) {
	b, cat := builder(t)
	d, _ := cat.Registry().Lookup("hello-tasks")
	run, err := b.Program(d, cat.Files("hello-tasks"), original(t, cat, "hello-tasks"), gobuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.Parse(map[string]string{"durations": "100ms,200ms,300ms"})
	if err != nil {
		t.Fatal(err)
	}
	ed := *d
	ed.Run = run
	const busy = 500 * time.Millisecond
	started, ended := map[string]float64{}, map[string]float64{}
	began := time.Now()
	res := runner.Execute(context.Background(), runner.Env{Limits: runner.Limits{RunTime: 60 * time.Second, OutputBytes: 1 << 20}}, &ed, v, io.Discard,
		func(e runner.Event, n int) {
			if n == 1 {
				time.Sleep(busy) // the server, busy elsewhere, reads the rest late
			}
			switch e.Phase {
			case runner.PhaseStart:
				started[e.Task] = e.TMs
			case runner.PhaseEnd:
				ended[e.Task] = e.TMs
			}
		})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	wall := float64(time.Since(began).Microseconds()) / 1000
	// A task's timer never fires early: read late, tasks 2 and 3 would be
	// drawn about 0 ms long. A busy machine may wake a timer late, by as
	// much as it likes, but no task can be drawn longer than the whole run
	// took on this test's clock (a stamp misread would be).
	for i, want := range []float64{100, 200, 300} {
		task := fmt.Sprintf("task %d", i+1)
		if got := ended[task] - started[task]; got < want-1 || got > wall {
			t.Errorf("%s drawn %.1f ms long (%.1f to %.1f), want %v ms (and under the run's %.1f ms)", task, got, started[task], ended[task], want, wall)
		}
	}
	if p := float64(res.Program().Microseconds()) / 1000; p < 300 || p > wall {
		t.Errorf("the program ran %.1f ms by its marks, want 300 ms or more, under the run's %.1f ms", p, wall)
	}
}

// The race detector, one click away: a racy edit built with -race ends
// with a report that names the learner's lines.
func TestRaceReportNamesTheLearnersLines(t *testing.T) {
	b, cat := builder(t)
	if ok, why := b.RaceStatus(); !ok {
		t.Skip(why)
	}
	src := strings.Replace(string(original(t, cat, "flags-semaphore")), "\tbaseURL := p.FlagsURL()\n", `	counter := 0
	var racers sync.WaitGroup
	for range 2 {
		racers.Go(func() { counter++ })
	}
	racers.Wait()
	fmt.Fprintln(out, "counter", counter)
	return nil
	baseURL := p.FlagsURL()
`, 1)
	line := strings.Count(src[:strings.Index(src, "counter++")], "\n") + 1
	out, res := runEdit(t, context.Background(), "flags-semaphore", []byte(src), nil, gobuild.Options{Race: true})
	var re *gobuild.RaceError
	if !errors.As(res.Err, &re) || re.Reports < 1 || !slices.Contains(re.Lines, line) {
		t.Fatalf("got %v, want a race report naming line %d\n%s", res.Err, line, out)
	}
	if !strings.Contains(out, "WARNING: DATA RACE") || !strings.Contains(out, fmt.Sprintf("flags_semaphore.go:%d", line)) {
		t.Errorf("the console should show the report with the learner's file and line:\n%s", out)
	}
}

// The vendored errgroup is the very file of the version go.mod requires.
func TestVendoredErrgroupIsTheRequiredOne(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`golang.org/x/sync (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require golang.org/x/sync")
	}
	if string(m[1]) != gobuild.VendoredSync {
		t.Fatalf("go.mod requires golang.org/x/sync %s, the build vendors %s", m[1], gobuild.VendoredSync)
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "golang.org/x/sync@"+string(m[1]), "errgroup", "errgroup.go"))
	if err != nil {
		t.Skipf("the module is not downloaded here: %v", err)
	}
	got, err := os.ReadFile("vendored/golang.org/x/sync/errgroup/errgroup.go.src")
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("vendored errgroup differs from golang.org/x/sync %s's (%v)", m[1], err)
	}
}

// racyOnPurpose are the demos with a data race the lesson is about.
var racyOnPurpose = map[string]bool{"spinner-flag": true}
