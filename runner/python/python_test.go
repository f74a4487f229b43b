package python

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

func TestMain(m *testing.M) {
	// Sandboxed runs start this test binary as their shim.
	sandbox.Main(map[string]sandbox.ServeFunc{FlagsService: flagserver.Serve})
	goleak.VerifyTestMain(m)
}

// interpreter finds Python for a test: skipped with a message where there
// is none, a failure under CI, which installs it.
func interpreter(t *testing.T, lim Limits) *Interpreter {
	t.Helper()
	in, err := Find(context.Background(), lim)
	testenv.Need(t, "Python", err)
	t.Cleanup(in.Reaper().Wait) // the stopped runs' programs and folders
	return in
}

// demo wraps a program as a course demo with one duration parameter.
func demo(in *Interpreter, src string) *runner.Demo {
	return &runner.Demo{ID: "py", Lesson: "l", Title: "t", Source: "p.py",
		Params: []runner.Param{{Name: "wait", Kind: runner.KindDuration, Default: "10ms", Max: "1h"}},
		Run:    in.Program("p.py", []byte(src))}
}

func run(t *testing.T, ctx context.Context, d *runner.Demo, lim runner.Limits, params map[string]string) (runner.Result, string, []runner.Event) {
	t.Helper()
	v, err := d.Parse(params)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var events []runner.Event
	res := runner.Execute(ctx, runner.Env{FlagsURL: "http://127.0.0.1:9", Limits: lim}, d, v, &out,
		func(e runner.Event, _ int) { events = append(events, e) })
	return res, out.String(), events
}

const hello = `import asyncio, sys
import walkthrough as wt

async def main():
    wait = wt.duration("wait", "1s")
    wt.start("task")
    await asyncio.sleep(wait)
    wt.point("task", "woke")
    wt.end("task", "ok")
    print("waited", wait, "flags at", wt.flags_url())
    print("isolated:", sys.flags.isolated, file=sys.stderr)

asyncio.run(main())
`

// A program gets its parameters and the flag site as arguments, prints to
// the run's output (stderr too), and reports its timeline on its own pipe.
func TestProgramRunsWithItsParametersAndTimeline(t *testing.T) {
	in := interpreter(t, DefaultLimits())
	res, out, events := run(t, context.Background(), demo(in, hello), runner.DefaultLimits(), map[string]string{"wait": "50ms"})
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, out)
	}
	if want := "waited 0.05 flags at http://127.0.0.1:9\nisolated: 1\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	var phases []string
	for _, e := range events {
		phases = append(phases, e.Task+" "+e.Phase+" "+e.Status)
	}
	if got := strings.Join(phases, "|"); got != "task start |task point woke|task end ok" {
		t.Errorf("events %s", got)
	}
	if res.Tasks.MaxInFlight != 1 || len(res.Tasks.Order) != 1 {
		t.Errorf("summary %+v", res.Tasks)
	}
	if len(events) == 3 && events[2].TMs-events[0].TMs < 40 {
		t.Errorf("the task took %v ms on the timeline, want about 50", events[2].TMs-events[0].TMs)
	}
}

// Stop kills the program's whole process group at once, children too:
// the stop comes when the program reports its task (it is in its sleep
// then, its child started), and Execute returns within 100 ms of it. The
// child, a sleep that shares the run's output pipe, must be dead by then:
// while it held the pipe, the run would wait for it up to a second.
func TestStopKillsTheGroupWithin100ms(t *testing.T) {
	in := interpreter(t, DefaultLimits())
	const forks = `import subprocess, time, walkthrough as wt
child = subprocess.Popen(["sleep", "60"])
wt.start("sleeping")
time.sleep(60)
`
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := demo(in, forks)
	v, err := d.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var stopped time.Time
	res := runner.Execute(ctx, runner.Env{FlagsURL: "http://127.0.0.1:9", Limits: runner.DefaultLimits()}, d, v, &out,
		func(e runner.Event, _ int) {
			if stopped.IsZero() {
				stopped = time.Now()
				cancel()
			}
		})
	late := time.Since(stopped)
	if !errors.Is(res.Err, runner.ErrStopped) {
		t.Fatalf("err %v, want stopped\n%s", res.Err, out.String())
	}
	testenv.CheckStopBound(t, "a Python run with a child", late)
}

// A stopped program that leaves a thread running (the thread spinner's
// worker, not a daemon) is not waited for: once the KeyboardInterrupt is
// printed the interpreter exits by itself. Given a grace of a minute, the
// run returns long before it: only SIGKILL would end a wait on the thread,
// and it comes at the grace's end. (The time to stop, with the default
// grace, is the lessons' stop checks'.)
func TestStopDoesNotWaitForThreads(t *testing.T) {
	lim := DefaultLimits()
	lim.StopGrace = time.Minute
	in := interpreter(t, lim)
	const threads = `import threading, time, walkthrough as wt
threading.Thread(target=threading.Event().wait).start()
wt.start("sleeping")
time.sleep(60)
`
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := demo(in, threads)
	v, err := d.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var stopped time.Time
	res := runner.Execute(ctx, runner.Env{FlagsURL: "http://127.0.0.1:9", Limits: runner.DefaultLimits()}, d, v, &out,
		func(e runner.Event, _ int) {
			if stopped.IsZero() {
				stopped = time.Now()
				cancel()
			}
		})
	late := time.Since(stopped)
	if !errors.Is(res.Err, runner.ErrStopped) || !strings.Contains(out.String(), "KeyboardInterrupt") {
		t.Fatalf("err %v, want stopped, the KeyboardInterrupt shown\n%s", res.Err, out.String())
	}
	if late >= lim.StopGrace/2 {
		t.Errorf("returned %v after the stop: the interpreter waited for the thread, until SIGKILL at %v", late, lim.StopGrace)
	}
}

// A program's temporary files live in a folder of the run's own, removed
// when the run ends, even when Stop killed the program before it could
// clean up: a stopped run's folder goes behind it, with the program, and
// is gone once the interpreter's Reaper is done.
func TestTemporaryFilesGoWithTheRun(t *testing.T) {
	in := interpreter(t, DefaultLimits())
	const leaves = `import tempfile, time
d = tempfile.mkdtemp(prefix="left-")
print(d)
time.sleep(60)
`
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	d := demo(in, leaves)
	v, _ := d.Parse(nil)
	done := make(chan runner.Result, 1)
	w := &lineWatch{w: &out, seen: make(chan struct{})}
	go func() { done <- runner.Execute(ctx, runner.Env{Limits: runner.DefaultLimits()}, d, v, w, nil) }()
	<-w.seen // the folder exists: the program printed it
	cancel()
	<-done
	in.Reaper().Wait()
	folder := strings.TrimSpace(out.String())
	if !strings.Contains(folder, "walkthrough-py-") {
		t.Errorf("the program's temporary folder %q is not inside the run's own", folder)
	}
	if _, err := os.Stat(folder); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the run: %v", folder, err)
	}
}

// lineWatch passes writes on and says when the first line is complete.
type lineWatch struct {
	w    io.Writer
	seen chan struct{}
	once sync.Once
}

func (l *lineWatch) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if bytes.Contains(p, []byte("\n")) {
		l.once.Do(func() { close(l.seen) })
	}
	return n, err
}

// The run's time limit ends a program that would run for ever.
func TestTimeLimit(t *testing.T) {
	in := interpreter(t, DefaultLimits())
	lim := runner.DefaultLimits()
	lim.RunTime = 300 * time.Millisecond
	res, out, _ := run(t, context.Background(), demo(in, "import time\ntime.sleep(60)\n"), lim, nil)
	if !errors.Is(res.Err, runner.ErrTimeout) {
		t.Errorf("err %v, want timeout\n%s", res.Err, out)
	}
}

// A program that burns CPU is killed at its CPU limit, one that allocates
// without end hits its memory limit, and one that tries to fork a crowd of
// processes cannot; the server goes on.
func TestResourceLimits(t *testing.T) {
	lim := DefaultLimits()
	lim.CPUSeconds, lim.AddressSpace = 1, 256<<20
	in := interpreter(t, lim)
	res, out, _ := run(t, context.Background(), demo(in, "while True:\n    pass\n"), runner.DefaultLimits(), nil)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "CPU limit") {
		t.Errorf("busy loop: %v, want the CPU limit\n%s", res.Err, out)
	}
	res, out, _ = run(t, context.Background(), demo(in, "x = []\nwhile True:\n    x.append(bytearray(1 << 20))\n"), runner.DefaultLimits(), nil)
	if res.Err == nil || !strings.Contains(out, "MemoryError") {
		t.Errorf("allocating: %v, want a MemoryError\n%s", res.Err, out)
	}
}

// Without a usable interpreter the error says what to install.
func TestMissingInterpreter(t *testing.T) {
	_, err := Find(context.Background(), DefaultLimits(), "/nonexistent/python3", "no-such-python-here")
	if err == nil || !strings.Contains(err.Error(), "apt-get install python3 python3-aiohttp") {
		t.Errorf("err %v, want the install line", err)
	}
}

func TestVersionCompare(t *testing.T) {
	for _, tc := range []struct {
		have string
		want bool
	}{{"3.11.2", true}, {"3.12.0", true}, {"3.10.13", false}, {"4.0.0", true}, {"3.9.18", false}, {"3", false}} {
		if got := atLeast(tc.have, "3.11"); got != tc.want {
			t.Errorf("atLeast(%s) = %v", tc.have, got)
		}
	}
}

// CanRun says when a program needs aiohttp the interpreter lacks.
func TestCanRun(t *testing.T) {
	in := &Interpreter{Version: "3.11.2"}
	if ok, why := in.CanRun([]byte("import asyncio\nimport aiohttp\n")); ok || !strings.Contains(why, "python3-aiohttp") {
		t.Errorf("without aiohttp: %v %q", ok, why)
	}
	if ok, _ := in.CanRun([]byte("import asyncio\n")); !ok {
		t.Error("a program without aiohttp refused")
	}
}

// escape is a program that tries to leave its sandbox.
const escape = `import os, socket, subprocess, urllib.request
import walkthrough as wt

def attempt(what, f):
    try:
        f()
        print("ESCAPED", what)
    except Exception as e:
        print("OK", what, type(e).__name__)

attempt("read /etc/hostname", lambda: open("/etc/hostname").read())
attempt("read /proc/1/environ", lambda: open("/proc/1/environ").read())
attempt("write /usr/evil", lambda: open("/usr/evil", "w").write("x"))
attempt("exec /bin/sh", lambda: subprocess.run(["/bin/sh", "-c", "true"], check=True))
attempt("dial 192.0.2.1", lambda: socket.create_connection(("192.0.2.1", 80), timeout=0.5))
body = urllib.request.urlopen(wt.flags_url() + "/cn/metadata.json", timeout=5).read()
print("flag site:", b"country" in body)
`

// In a sandbox a program reaches its own flag site and nothing else.
func TestSandboxedProgram(t *testing.T) {
	in := interpreter(t, DefaultLimits())
	sb := sandbox.New(context.Background())
	defer sb.Close()
	if !sb.Status().Available {
		testenv.Missing(t, "no sandbox here: %s", sb.Status().Detail)
	}
	if err := in.Sandbox(sb, nil); err != nil {
		t.Skipf("this interpreter cannot run in a sandbox: %v", err)
	}
	res, out, _ := run(t, context.Background(), demo(in, escape), runner.Limits{RunTime: 30 * time.Second, OutputBytes: 1 << 20}, nil)
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, out)
	}
	if strings.Contains(out, "ESCAPED") || strings.Count(out, "OK ") != 5 || !strings.Contains(out, "flag site: True") {
		t.Errorf("output:\n%s", out)
	}
}

// Stop is SIGINT first: the learner sees the program's CancelledError
// travel out of asyncio.run, and the interpreter exits by itself once it
// has. The grace here is a minute, so that a busy machine that slows the
// unwinding cannot turn it into a SIGKILL: what is checked is what the
// program shows, and that it ends without the kill (the time to stop,
// with the default grace, is the lessons' stop checks').
func TestStopShowsTheCancellation(t *testing.T) {
	lim := DefaultLimits()
	lim.StopGrace = time.Minute
	in := interpreter(t, lim)
	const waits = `import asyncio, walkthrough as wt

async def main():
    wt.start("waiting")
    print("waiting", flush=True)
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        print("main task cancelled", flush=True)
        raise

asyncio.run(main())
`
	check := func(t *testing.T, in *Interpreter) {
		ctx, cancel := context.WithCancel(context.Background())
		var stopped time.Time
		d := demo(in, waits)
		v, _ := d.Parse(nil)
		w := &stopOn{text: "waiting", then: func() { stopped = time.Now(); cancel() }}
		res := runner.Execute(ctx, runner.Env{FlagsURL: "http://127.0.0.1:9"}, d, v, w, nil)
		if !errors.Is(res.Err, runner.ErrStopped) {
			t.Fatalf("err %v, want stopped\n%s", res.Err, w.String())
		}
		if late := time.Since(stopped); late >= lim.StopGrace/2 {
			t.Errorf("returned %v after the stop: the interpreter did not exit by itself, SIGKILL came at %v", late, lim.StopGrace)
		}
		if out := w.String(); !strings.Contains(out, "main task cancelled") || !strings.Contains(out, "KeyboardInterrupt") {
			t.Errorf("the cancellation did not travel:\n%s", out)
		}
	}
	t.Run("plain", func(t *testing.T) { check(t, in) })
	t.Run("sandboxed", func(t *testing.T) {
		sb := sandbox.New(context.Background())
		defer sb.Close()
		boxed := interpreter(t, lim)
		if !sb.Status().Available {
			testenv.Missing(t, "no sandbox here: %s", sb.Status().Detail)
		}
		if err := boxed.Sandbox(sb, nil); err != nil {
			t.Skipf("this interpreter cannot run in a sandbox: %v", err)
		}
		check(t, boxed)
	})
}

// stopOn calls then the first time text is written to it, and keeps it all.
type stopOn struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	text string
	then func()
	done bool
}

func (s *stopOn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	if !s.done && strings.Contains(s.buf.String(), s.text) {
		s.done = true
		go s.then()
	}
	return len(p), nil
}

func (s *stopOn) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
