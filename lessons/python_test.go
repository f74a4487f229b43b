package lessons

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// reads matches a program reading one of its parameters through the
// helper module: wt.duration("slow", "3s"), wt.integer("count", 20).
var reads = regexp.MustCompile(`\bwt\.(?:text|integer|number|duration|durations)\("(\w+)", ("[^"]*"|[\d.]+)\)`)

// Every demo has an asyncio program, and it is driven by the same knobs
// as the Go demo: it reads every parameter the demo declares, by the same
// name and with the same default (so a program run on its own behaves as
// the Go demo with nothing changed), and no parameter the demo lacks, so
// a learner's settings reach both alike.
func TestEveryPythonProgramReadsTheDemosParameters(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Registry().All() {
		src := string(c.Code(d.ID).PythonText)
		if src == "" {
			t.Errorf("demo %s has no Python program", d.ID)
			continue
		}
		if !strings.Contains(src, "\nimport walkthrough as wt") {
			t.Errorf("demo %s: %s does not import the helper as wt", d.ID, d.Python)
		}
		defaults := map[string]string{}
		for _, p := range d.Params {
			defaults[p.Name] = p.Default
		}
		read := map[string]bool{}
		for _, m := range reads.FindAllStringSubmatch(src, -1) {
			name, def := m[1], strings.Trim(m[2], `"`)
			want, ok := defaults[name]
			switch {
			case !ok:
				t.Errorf("demo %s: %s reads %q, which the demo does not declare", d.ID, d.Python, name)
			case def != want:
				t.Errorf("demo %s: %s defaults %s to %q, the demo to %q", d.ID, d.Python, name, def, want)
			}
			read[name] = true
		}
		for name := range defaults {
			if !read[name] {
				t.Errorf("demo %s: %s never reads %q", d.ID, d.Python, name)
			}
		}
	}
}

// Every demo's asyncio program can run on the interpreter the server
// finds here, once it has aiohttp (CI installs python3-aiohttp).
func TestEveryPythonProgramCanRunHere(t *testing.T) {
	in := lessontest.FindPython(t)
	if !in.HasAiohttp {
		testenv.Missing(t, "Python %s at %s has no aiohttp: apt-get install python3-aiohttp", in.Version, in.Path)
	}
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	programs := 0
	for _, d := range c.Registry().All() {
		code := c.Code(d.ID)
		if len(code.PythonText) == 0 {
			continue // TestEveryPythonProgramReadsTheDemosParameters says so
		}
		programs++
		if ok, why := in.CanRun(code.PythonText); !ok {
			t.Errorf("demo %s: %s cannot run: %s", d.ID, code.PythonFile, why)
		}
	}
	t.Logf("%d programs can run on Python %s (%s)", programs, in.Version, in.Path)
}

// Every demo's asyncio program stops within 100 ms of Stop, as every Go
// demo does (TestEveryDemoStopsWithin100ms): run with the demo's defaults,
// as the server runs it, stopped once 150 ms into its timeline, so that a
// program whose lesson forgot its stop row is still held to the promise.
// A program over before that has nothing to stop.
func TestEveryPythonProgramStopsWithin100ms(t *testing.T) {
	in := lessontest.FindPython(t)
	c, env := withFlagServer(t)
	var demos []runner.Demo
	for _, d := range c.Registry().All() {
		demos = append(demos, *d)
	}
	for _, d := range demos {
		code := c.Code(d.ID)
		if len(code.PythonText) == 0 {
			continue // TestEveryPythonProgramReadsTheDemosParameters says so
		}
		t.Run(d.ID, func(t *testing.T) {
			py := lessontest.Python(t, in, demos, fstest.MapFS{code.PythonFile: {Data: code.PythonText}}, d.ID)
			lessontest.CheckStop(t, py, d.ID, lessontest.Stop{FlagsURL: env.FlagsURL, After: 150 * time.Millisecond,
				FromFirstEvent: true, Within: lessontest.StopBound, MayEndFirst: true})
		})
	}
}

// Without a usable interpreter the course says what to install; the Go
// demos do not need one.
func TestMissingPythonSaysWhatToInstall(t *testing.T) {
	_, err := python.Find(context.Background(), python.DefaultLimits(), "/nonexistent/python3", "no-such-python3")
	if err == nil || !strings.Contains(err.Error(), "apt-get install python3 python3-aiohttp") {
		t.Errorf("err = %v, want the install line", err)
	}
}
