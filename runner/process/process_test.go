//go:build linux

package process_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/process"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	switch os.Getenv("PROCESS_TEST_CHILD") {
	case "allocate":
		keep := make([]byte, 256<<20)
		for i := range keep {
			keep[i] = 1
		}
		time.Sleep(time.Minute)
		os.Exit(int(keep[0]))
	case "more":
		io.WriteString(os.NewFile(3, "reports"), `{"done":true}`+"\n")
		io.WriteString(os.NewFile(4, "trace"), strings.Repeat("t", 1<<20))
		os.Exit(0)
	case "flood":
		// More than any pipe holds, on the reports and on stdout, to a
		// parent that reads none of it.
		chunk := strings.Repeat("x", 1<<20)
		io.WriteString(os.NewFile(3, "reports"), chunk)
		io.WriteString(os.Stdout, chunk)
		os.Exit(0)
	case "report":
		w := os.NewFile(3, "reports")
		io.WriteString(w, `{"begin":true}`+"\n")
		io.WriteString(w, `{"task":"`+strings.Repeat("x", 5000)+`","phase":"start"}`+"\n") // too long: dropped
		io.WriteString(w, `{"task":"`+strings.Repeat("名", 100)+`","phase":"start"}`+"\n")  // 300 bytes: cut
		for i := range 50 {
			io.WriteString(w, `{"task":"t`+strconv.Itoa(i)+`","phase":"point"}`+"\n")
		}
		io.WriteString(w, "not json\n")
		io.WriteString(w, `{"done":true}`+"\n")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type recorded struct{ tasks []string }

func (r *recorded) Start(task string)    { r.tasks = append(r.tasks, task) }
func (r *recorded) End(task, _ string)   { r.tasks = append(r.tasks, task) }
func (r *recorded) Point(task, _ string) { r.tasks = append(r.tasks, task) }
func (r *recorded) Wait(task string)     { r.tasks = append(r.tasks, task) }

func child(t *testing.T, mode string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = []string{"PROCESS_TEST_CHILD=" + mode}
	return cmd
}

// What a child reports is bounded: long lines dropped, names cut at a
// rune boundary, events and tasks capped; the rest handed on.
func TestRelayBounds(t *testing.T) {
	var ev recorded
	var done bool
	lim := process.ReportLimits{LineBytes: 4096, NameBytes: 200, Events: 20, Tasks: 10}
	err := process.Run(context.Background(), child(t, "report"), func(r io.Reader) {
		process.Relay(r, &ev, lim, func(rep process.Report) { done = done || rep.Done })
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.tasks) != 10 {
		t.Fatalf("%d events passed on, want the 10 distinct tasks the cap allows", len(ev.tasks))
	}
	if first := ev.tasks[0]; len(first) != 198 || !strings.HasPrefix(first, "名") {
		t.Errorf("the long name became %d bytes, want 198 (66 whole runes)", len(first))
	}
	if !done {
		t.Error("the done report did not arrive")
	}
}

var _ runner.Events = (*recorded)(nil)

// Stop kills the whole group at once, grandchildren too, and Run returns
// without waiting for them.
func TestRunKillsTheGroup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.Command("/bin/sh", "-c", "sleep 60 & echo $!; wait")
	pid := make(chan int, 1)
	pr, pw, _ := os.Pipe()
	cmd.Stdout = pw
	go func() {
		buf := make([]byte, 32)
		n, _ := pr.Read(buf)
		p, _ := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
		pid <- p
	}()
	done := make(chan error, 1)
	go func() { done <- process.Run(ctx, cmd, func(r io.Reader) { io.Copy(io.Discard, r) }) }()
	grandchild := <-pid
	stopped := time.Now()
	cancel()
	<-done
	pw.Close() // the child's copy is gone; ours, once Run (and its Start) is done with it
	testenv.CheckStopBound(t, "Run of a group with a grandchild", time.Since(stopped))
	// The grandchild was killed with its group: its pidfd says it has
	// exited (a killed process takes a moment to die, not a poll loop).
	fd, err := unix.PidfdOpen(grandchild, 0)
	if errors.Is(err, syscall.ESRCH) {
		return // gone already
	}
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if n, err := unix.Poll(fds, 100); err != nil || n != 1 {
		t.Errorf("grandchild %d still alive 100 ms after Stop (%v)", grandchild, err)
	}
}

// A child whose resident memory passes MaxRSS is killed: ErrMemory.
func TestResidentMemoryIsWatched(t *testing.T) {
	err := process.RunWith(context.Background(), child(t, "allocate"), func(r io.Reader) { io.Copy(io.Discard, r) },
		process.Options{MaxRSS: 64 << 20})
	if !errors.Is(err, process.ErrMemory) {
		t.Fatalf("got %v, want ErrMemory", err)
	}
}

// A further pipe reaches the child as file descriptor 4, read whole by
// its own reader beside the reports.
func TestMorePipes(t *testing.T) {
	var got int64
	var done bool
	err := process.RunWith(context.Background(), child(t, "more"), func(r io.Reader) {
		process.Relay(r, &recorded{}, process.DefaultReportLimits(), func(rep process.Report) { done = done || rep.Done })
	}, process.Options{More: []func(io.Reader){func(r io.Reader) { got, _ = io.Copy(io.Discard, r) }}})
	if err != nil {
		t.Fatal(err)
	}
	if got != 1<<20 || !done {
		t.Fatalf("read %d bytes on fd 4 (want %d), done %v", got, 1<<20, done)
	}
}

// A reader that stops early does not stall the child: what it left in
// the pipe is drained, on the reports as on stdout, and the child runs to
// its end.
func TestPipesAreDrained(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := child(t, "flood")
	cmd.Stdout = io.Discard
	if err := process.Run(ctx, cmd, func(io.Reader) {}); err != nil {
		t.Fatalf("a child writing 1 MiB to a reader that took none of it: %v", err)
	}
}

// Stopped with a grace for SIGINT, a child that ends on SIGINT ends the
// grace: Run returns within the course's 100 ms, not at the grace's end.
func TestInterruptGraceEndsWithTheChild(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.Command("/bin/sh", "-c", "trap 'exit 3' INT; echo ready; while :; do sleep 0.01; done")
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	cmd.Stdout = pw
	done := make(chan error, 1)
	go func() {
		done <- process.RunWith(ctx, cmd, func(r io.Reader) { io.Copy(io.Discard, r) }, process.Options{Interrupt: 10 * time.Second})
	}()
	buf := make([]byte, 6)
	if _, err := io.ReadFull(pr, buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("the child did not start: %q, %v", buf, err)
	}
	stopped := time.Now()
	cancel()
	err = <-done
	pw.Close()
	testenv.CheckStopBound(t, "a child that exits on SIGINT, given 10s of grace", time.Since(stopped))
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("err %v, want the exit status 3 of the trap", err)
	}
}

// A program mark keeps the moment the child stamped it on the machine's
// monotonic clock, however late the server reads it: a program that ran
// 150 ms, its marks read only at its end, still ran 150 ms, and its
// runtime's start-up is not swollen by the wait.
func TestProgramMarksKeepTheChildsMoment(t *testing.T) {
	mono := func() int64 {
		var ts unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			t.Fatal(err)
		}
		return ts.Nano()
	}
	const ran = 150 * time.Millisecond
	d := &runner.Demo{ID: "late-reader", Run: func(ctx context.Context, _ runner.Values, _ io.Writer, ev runner.Events) error {
		began := mono()
		time.Sleep(ran) // the program's own time, before anything is read
		now := strconv.FormatInt(mono(), 10)
		lines := `{"phase":"program","mono_ns":` + strconv.FormatInt(began, 10) + "}\n" +
			`{"task":"t","phase":"start","mono_ns":` + strconv.FormatInt(began, 10) + "}\n" +
			`{"task":"t","phase":"end","status":"ok","mono_ns":` + now + "}\n" +
			`{"phase":"exit","mono_ns":` + now + "}\n"
		process.Relay(strings.NewReader(lines), ev, process.DefaultReportLimits(), nil)
		return nil
	}}
	vals, err := d.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	var stamps []float64
	res := runner.Execute(context.Background(), runner.Env{Limits: runner.DefaultLimits()}, d, vals, io.Discard,
		func(e runner.Event, _ int) { stamps = append(stamps, e.TMs) })
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(stamps) != 2 || stamps[1]-stamps[0] < float64(ran.Milliseconds()) {
		t.Errorf("the task's events at %v ms: want them %v apart, as the child stamped them", stamps, ran)
	}
	if res.Startup > 20*time.Millisecond || res.Program() < ran {
		t.Errorf("start-up %v, program %v: want the marks where the child stamped them (start-up near 0, program ≥ %v)", res.Startup, res.Program(), ran)
	}
	// A stamp not on this clock (in the future) is read as now.
	d.Run = func(ctx context.Context, _ runner.Values, _ io.Writer, ev runner.Events) error {
		process.Relay(strings.NewReader(`{"phase":"program","mono_ns":`+strconv.FormatInt(mono()+int64(time.Hour), 10)+"}\n"), ev, process.DefaultReportLimits(), nil)
		return nil
	}
	if res := runner.Execute(context.Background(), runner.Env{Limits: runner.DefaultLimits()}, d, vals, io.Discard, nil); res.Err != nil || res.Startup < 0 || res.Startup > res.Elapsed {
		t.Errorf("a stamp from the future: %+v", res)
	}
}

// A child leads a session of its own: its session id is its pid. Where
// the kernel shares the CPU between sessions, a run is a group of its
// own, not one task among the machine's others.
func TestChildLeadsItsOwnSession(t *testing.T) {
	var out strings.Builder
	cmd := exec.Command("sh", "-c", `echo $$; cut -d" " -f6 /proc/$$/stat`)
	cmd.Stdout = &out
	if err := process.Run(context.Background(), cmd, func(r io.Reader) { io.Copy(io.Discard, r) }); err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(out.String())
	if len(f) != 2 || f[0] != f[1] {
		t.Errorf("pid and session %q: want the child to lead its own session", f)
	}
	if sid, _ := unix.Getsid(0); f[0] == strconv.Itoa(sid) {
		t.Error("the child is in this process's session")
	}
}

// With Nice, the child's session yields the CPU: its autogroup (the
// session's weight, where the kernel shares the CPU by session) and its
// processes, those it starts later too, are at that nice value.
func TestNiceLowersTheWholeSession(t *testing.T) {
	var out strings.Builder
	cmd := exec.Command("sh", "-c", `read go; cat /proc/self/autogroup; cut -d" " -f19 /proc/self/stat`)
	cmd.Stdout = &out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	err = process.RunWith(context.Background(), cmd, func(r io.Reader) {
		// Called once the nice is set: only then may the child look.
		io.WriteString(stdin, "go\n")
		io.Copy(io.Discard, r)
	}, process.Options{Nice: 4})
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(out.String())
	if len(f) != 4 || f[1] != "nice" || f[2] != "4" || f[3] != "4" {
		t.Errorf("autogroup and nice of a process the child started: %q, want nice 4 and 4", out.String())
	}
}

// A stopped child whose end takes longer than a few ms is handed to the
// Reaper: RunWith returns within the course's 100 ms, and nothing of the
// child reaches its output after. Here the slow end is a setsid escapee
// (outside the killed group) holding the output pipe and writing on:
// without a Reaper the run waits the pipe's one-second bound; with one,
// the Reaper waits it, and counts what outlived its child.
func TestReaperTakesOverAStoppedChild(t *testing.T) {
	var reaper process.Reaper
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.Command("/bin/sh", "-c", `setsid sh -c 'echo $$; while :; do echo alive; sleep 0.01; done' & wait`)
	first := make(chan string, 1)
	out := lockedLines{first: first}
	cmd.Stdout = &out
	done := make(chan error, 1)
	go func() {
		done <- process.RunWith(ctx, cmd, func(r io.Reader) { io.Copy(io.Discard, r) }, process.Options{Reaper: &reaper})
	}()
	escapee, _ := strconv.Atoi(<-first)
	defer syscall.Kill(escapee, syscall.SIGKILL)
	stopped := time.Now()
	cancel()
	err := <-done
	testenv.CheckStopBound(t, "a stopped child with a Reaper", time.Since(stopped))
	if !errors.Is(err, process.ErrReaping) {
		t.Errorf("err %v, want ErrReaping", err)
	}
	// The output is the caller's again: the escapee's writes go no further
	// (the race detector sees a write after this read, were there one).
	after := out.String()
	reaper.Wait()
	if out.String() != after {
		t.Error("output arrived after RunWith returned")
	}
	if n := reaper.Outlived(); n != 1 {
		t.Errorf("Outlived %d, want the escapee counted", n)
	}
}

// A run's folder is gone when the run returns, unless the run was
// stopped: then it goes behind the run, and is gone once the Reaper is
// done. Without a Reaper it is always gone at once.
func TestReaperRemovesAStoppedRunsFolder(t *testing.T) {
	folder := func() string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "prog"), make([]byte, 1<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	gone := func(when, dir string) {
		t.Helper()
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %s is still there (%v)", when, dir, err)
		}
	}
	stopped, stop := context.WithCancel(context.Background())
	stop()
	var reaper process.Reaper

	ran := folder()
	reaper.RemoveAll(context.Background(), ran)
	gone("a run that ended of itself, at once", ran)

	var none *process.Reaper
	withoutReaper := folder()
	none.RemoveAll(stopped, withoutReaper)
	gone("a stopped run without a Reaper, at once", withoutReaper)

	behind := folder()
	reaper.RemoveAll(stopped, behind)
	reaper.Wait()
	gone("a stopped run, once the Reaper is done", behind)
}

// lockedLines is an output that hands on its first line.
type lockedLines struct {
	mu    sync.Mutex
	buf   strings.Builder
	first chan string
}

func (l *lockedLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.first != nil {
		if line, _, ok := strings.Cut(l.buf.String(), "\n"); ok {
			l.first <- line
			l.first = nil
		}
	}
	return len(p), nil
}

func (l *lockedLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
