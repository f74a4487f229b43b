package runtimes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

func TestMain(m *testing.M) {
	sandbox.Main(map[string]sandbox.ServeFunc{gobuild.FlagsService: flagserver.Serve})
	goleak.VerifyTestMain(m)
}

func catalog(t *testing.T) *lessons.Catalog {
	t.Helper()
	c, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// What cannot go together in a request is refused with bad_request and
// the field it is about, before anything is probed or built.
func TestRequestCheck(t *testing.T) {
	for _, tc := range []struct {
		req   Request
		field string // "" when the request is fine
	}{
		{Request{Runtime: Go}, ""},
		{Request{Runtime: Python}, ""},
		{Request{Runtime: Edited, Source: []byte("package x")}, ""},
		{Request{Runtime: Edited, Source: []byte("package x"), Race: true}, ""},
		{Request{Runtime: Traced}, ""},
		{Request{Runtime: Traced, Source: []byte("package x"), Procs: 8}, ""},
		{Request{Runtime: Runtime(9)}, "runtime"},
		{Request{Runtime: Go, Race: true}, "race"},
		{Request{Runtime: Traced, Race: true}, "race"},
		{Request{Runtime: Go, Procs: 2}, "procs"},
		{Request{Runtime: Traced, Procs: 3}, "procs"},
		{Request{Runtime: Python, Source: []byte("package x")}, "source"},
		{Request{Runtime: Edited}, "source"},
	} {
		err := tc.req.Check()
		re, _ := errors.AsType[*Error](err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.req, err)
		case tc.field != "" && (re == nil || re.Code != CodeBadRequest || re.Field != tc.field):
			t.Errorf("%+v: got %#v, want bad_request about %s", tc.req, err, tc.field)
		}
	}
}

// Every failure of a built program reaches the socket with its code and
// the learner's lines; an internal one without its details.
func TestCodedErrors(t *testing.T) {
	internal := fmt.Errorf("gobuild: mount /tmp/x: %w", os.ErrPermission)
	for _, tc := range []struct {
		err   error
		code  string
		line  int
		leaks bool // the message may carry the error's own text
	}{
		{&gobuild.CompileError{Diagnostics: []gobuild.Diagnostic{{Line: 7, Message: "undefined: x"}}}, CodeCompile, 7, true},
		{&gobuild.RaceError{Reports: 1, Lines: []int{12, 15}}, CodeRace, 12, true},
		{&gobuild.PanicError{Value: "boom", Line: 3}, CodePanic, 3, true},
		{fmt.Errorf("run: %w", gobuild.ErrMemoryLimit), CodeMemory, 0, true},
		{gobuild.ErrCPULimit, CodeCPU, 0, true},
		{gobuild.ErrThreadLimit, CodeThreads, 0, true},
		{gobuild.ErrBuildTimeout, CodeBuildTime, 0, true},
		{gobuild.ErrNotEditable, CodeUnavailable, 0, true},
		{internal, CodeInternal, 0, false},
	} {
		got := coded(tc.err)
		re, ok := errors.AsType[*Error](got)
		if !ok || re.Code != tc.code || re.Line != tc.line {
			t.Errorf("%v: got %#v, want code %s on line %d", tc.err, got, tc.code, tc.line)
			continue
		}
		if !tc.leaks && strings.Contains(got.Error(), "/tmp") {
			t.Errorf("an internal error reached the learner: %q", got)
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("%v: the cause is lost", tc.err)
		}
	}
	for _, passes := range []error{nil, runner.ErrStopped, runner.ErrTimeout, errors.New("the demo's own")} {
		if got := coded(passes); got != passes {
			t.Errorf("coded(%v) = %v, want it unchanged", passes, got)
		}
	}
}

// What a learner reads of a trace that cannot be shown is the trace
// package's own reason, never the reader's details.
func TestTraceErrorsAreCleaned(t *testing.T) {
	s, err := New(Config{Catalog: catalog(t), Python: PythonConfig{Off: true}, Edit: EditConfig{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	detailed := fmt.Errorf("%w (parsing batch 3: bad header at offset 0x40)", trace.ErrBroken)
	if got := s.traceError("flags-semaphore", detailed); !errors.Is(got, trace.ErrBroken) || got.Error() != trace.ErrBroken.Error() {
		t.Errorf("got %q, want the bare %q", got, trace.ErrBroken)
	}
	got := s.traceError("flags-semaphore", errors.New("trace: read /proc/self/fd/4: input/output error"))
	if re, _ := errors.AsType[*Error](got); re == nil || re.Code != CodeTrace || strings.Contains(got.Error(), "/proc") {
		t.Errorf("an internal error reached the learner: %#v", got)
	}
}

// A Go run is the demo itself, and asks nothing of the machine: no
// sandbox set up, no interpreter or toolchain asked its version — which
// is what keeps `walkthrough run` of a Go demo as quick as `list`.
func TestGoRunProbesNothing(t *testing.T) {
	cat := catalog(t)
	s, err := New(Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := cat.Registry().Lookup("future-semantics")
	got, err := s.Resolve(d, Request{Runtime: Go})
	if err != nil || got != d {
		t.Fatalf("Resolve(Go) = %p, %v; want the demo itself (%p)", got, err, d)
	}
	s.sbMu.Lock()
	probed := s.sbProbed
	s.sbMu.Unlock()
	if probed {
		t.Error("a Go run set up a sandbox")
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.sbMu.Lock()
	defer s.sbMu.Unlock()
	if s.sb != nil {
		t.Errorf("Close set up a sandbox to close it (%v)", time.Since(start))
	}
}

// A runtime turned off, or a demo the catalog does not hold, is refused
// with unavailable and a reason in Chinese.
func TestUnavailableSaysWhy(t *testing.T) {
	cat := catalog(t)
	s, err := New(Config{Catalog: cat, Python: PythonConfig{Off: true}, Edit: EditConfig{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, _ := cat.Registry().Lookup("future-semantics")
	for _, tc := range []struct {
		req  Request
		says string
	}{
		{Request{Runtime: Python}, "-python off"},
		{Request{Runtime: Edited, Source: []byte("package futures")}, "-edit off"},
		{Request{Runtime: Traced}, "-edit off"},
	} {
		_, err := s.Resolve(d, tc.req)
		if re, _ := errors.AsType[*Error](err); re == nil || re.Code != CodeUnavailable || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: got %v, want unavailable saying %q", tc.req.Runtime, err, tc.says)
		}
	}
	if ok, why := s.Status(Go, "no-such-demo"); ok || why != "没有这个演示" {
		t.Errorf("unknown demo: %v %q", ok, why)
	}
}

// Each runtime runs the same demo with the same parameters and prints the
// same story: the Go demo in process, its asyncio program, its own source
// as an edit, and a traced run whose summary arrives before the run ends.
func TestEveryRuntimeRunsTheDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts children")
	}
	cat := catalog(t)
	s, err := New(Config{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, _ := cat.Registry().Lookup("future-semantics")
	own, err := fs.ReadFile(cat.Files(d.ID), cat.Code(d.ID).GoFile)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := d.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range All {
		t.Run(rt.String(), func(t *testing.T) {
			if ok, why := s.Status(rt, d.ID); !ok {
				testenv.Missing(t, "%v cannot run here: %s", rt, why)
			}
			req := Request{Runtime: rt}
			var summary *trace.Summary
			switch rt {
			case Edited:
				req.Source = own
			case Traced:
				req.Procs = 2
				req.Traced = func(s *trace.Summary, err error) {
					if err != nil {
						t.Errorf("trace: %v", err)
					}
					summary = s
				}
			}
			run, err := s.Resolve(d, req)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			res := runner.Execute(ctx, runner.Env{Limits: runner.DefaultLimits()}, run, vals, &out, nil)
			if res.Err != nil {
				t.Fatalf("%v: %v\n%s", rt, res.Err, out.String())
			}
			want := "42"
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v printed %q, want it to say %s", rt, out.String(), want)
			}
			if rt == Traced && (summary == nil || summary.Procs != 2) {
				t.Errorf("traced run's summary: %+v", summary)
			}
		})
	}
}

// A configuration New cannot serve is refused, not guessed at.
func TestNewRefusesWhatItCannotServe(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no catalog: want an error")
	}
	if _, err := New(Config{Catalog: catalog(t), Edit: EditConfig{Sandbox: SandboxRequired + 1}}); err == nil {
		t.Error("an unknown sandbox policy: want an error")
	}
}
