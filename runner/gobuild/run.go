package gobuild

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/process"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/trace"
)

// exec runs the built program at prog for demo d with values v.
func (b *Builder) exec(ctx context.Context, d *runner.Demo, prog string, opt Options, v runner.Values, out io.Writer, ev runner.Events, src *source) error {
	runTime := runner.DefaultLimits().RunTime
	if dl, ok := ctx.Deadline(); ok {
		runTime = time.Until(dl)
	}
	flagsURL := v.FlagsURL()
	procs := b.lim.GoMaxProcs
	if opt.Procs > 0 {
		procs = opt.Procs
	}
	env := []string{"GOMAXPROCS=" + strconv.Itoa(procs), "GOTRACEBACK=single",
		"LANG=C.UTF-8", "HOME=/tmp", "TMPDIR=/tmp", "PATH=/nonexistent"}
	if opt.Race {
		// Every report, not only the first; the exit status says there
		// were races.
		env = append(env, "GORACE=halt_on_error=0 exitcode=66")
	}
	var cmd *exec.Cmd
	if sb := b.cfg.Sandbox; sb != nil {
		flagsURL = "http://127.0.0.1:" + strconv.Itoa(FlagsPort)
		spec := sandbox.Spec{
			Path: "/prog/main", Args: []string{"main"}, Dir: "/tmp", Env: env,
			Mounts: []sandbox.Mount{{Host: prog, Inside: "/prog/main"}},
			Tmpfs:  []sandbox.Tmpfs{{Inside: "/tmp", Bytes: b.lim.DiskBytes}},
			Exec:   []string{"/prog/main"},
			Limits: sandbox.Limits{
				CPUSeconds: int(math.Ceil(runTime.Seconds())) + 1,
				OpenFiles:  b.lim.OpenFiles, Processes: b.lim.Processes, FileSize: b.lim.FileBytes,
			},
			Services: []sandbox.Service{{Name: FlagsService, Port: FlagsPort, Config: b.cfg.FlagSite}},
		}
		if opt.Trace {
			spec.ExtraOut = 1 // the trace, on file descriptor 4
		}
		if opt.Race {
			// A -race program is linked against the C library; the race
			// runtime's shadow memory is address space no rlimit on
			// memory can allow for, so the limit is the server's watch.
			loader, err := sandbox.Interpreter(prog)
			if err != nil {
				return err
			}
			spec.Mounts = append(spec.Mounts, sandbox.Mount{Host: "/usr", Inside: "/usr"})
			spec.Mounts = append(spec.Mounts, maskSelf()...)
			if loader != "" {
				spec.Exec = append(spec.Exec, loader)
			}
		} else {
			spec.Limits.Data = b.lim.Memory
			spec.Env = append(spec.Env, "WALKTHROUGH_DATA_LIMIT="+strconv.FormatInt(b.lim.Memory, 10))
		}
		var err error
		if cmd, err = sb.Command(spec); err != nil {
			return fmt.Errorf("gobuild: %w", err)
		}
	} else {
		cmd = exec.Command(prog)
		cmd.Env = append(env[:len(env):len(env)], "TMPDIR="+os.TempDir())
		cmd.Dir = os.TempDir()
	}
	in, err := job{Demo: d.ID, Values: v.Text(), FlagsURL: flagsURL, RunTime: runTime + time.Second,
		OutputBytes: 4 << 20, Trace: opt.Trace}.encode()
	if err != nil {
		return err
	}
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = out
	// Standard error goes to the console too, as in a terminal — panics
	// and race reports with the learner's file named the short way — and
	// its head is kept to say how the program ended.
	var kept capped
	kept.limit = b.lim.Stderr
	// A program the runtime has given up on (fatal error: out of memory,
	// no more threads) may still spend a long time printing a million
	// goroutines' stacks: it is ended at once.
	ctx, kill := context.WithCancelCause(ctx)
	defer kill(nil)
	fatal := &fatalWatch{then: func() { kill(errFatal) }}
	cmd.Stderr = io.MultiWriter(&kept, fatal, &pathRewriter{w: out, module: ModulePath + "/" + src.lessonDir + "/"})

	var end ending
	var mu sync.Mutex
	watch := process.Options{Nice: b.lim.Nice, Reaper: b.cfg.Sandbox.Reaper()} // a stopped sandbox ends behind the run
	if opt.Race {
		// No rlimit bounds a -race program's memory; its resident memory
		// is watched instead, with room for the detector's own.
		watch.MaxRSS = 2 * b.lim.Memory
	}
	// The trace is read as it comes, up to its bound (the rest is
	// drained), and summed up once the program has ended.
	var traced []byte
	var traceErr error
	traceLim := trace.DefaultLimits()
	if b.lim.TraceBytes > 0 {
		traceLim.Bytes = b.lim.TraceBytes
	}
	if opt.Trace {
		watch.More = []func(io.Reader){func(r io.Reader) { traced, traceErr = trace.Read(r, traceLim) }}
	}
	err = process.RunWith(ctx, cmd, func(r io.Reader) {
		process.Relay(r, ev, process.DefaultReportLimits(), func(rep process.Report) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case rep.Done:
				end.done = true
			case rep.Error != "":
				end.err = rep.Error
			}
		})
	}, watch)
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), errFatal) {
		return ctx.Err()
	}
	if errors.Is(err, process.ErrMemory) {
		return ErrMemoryLimit
	}
	mu.Lock()
	defer mu.Unlock()
	if opt.Trace && opt.Traced != nil {
		opt.Traced(summarize(traced, traceErr, procs, ev, traceLim))
	}
	return end.result(err, kept.String(), src)
}

// summarize sums up a program's trace, placed on its run's timeline.
func summarize(data []byte, readErr error, procs int, ev runner.Events, lim trace.Limits) (*trace.Summary, error) {
	if readErr != nil {
		return nil, readErr
	}
	began, ok := runner.ProgramBegan(ev)
	if !ok {
		return nil, trace.ErrEmpty // the program never began its demo
	}
	return trace.Summarize(data, trace.Options{BeganMs: float64(began.Microseconds()) / 1000, Procs: procs, Limits: lim})
}

// errFatal ends a program the Go runtime has given up on.
var errFatal = errors.New("gobuild: fatal runtime error")

// fatalWatch calls then once a whole "fatal error: …" line, or the head
// of a crash on a signal ("SIGSEGV: …" and its "PC=" line), has passed
// through it (the runtime may write it in pieces).
type fatalWatch struct {
	mu   sync.Mutex
	tail []byte // the last bytes seen, enough to hold the line
	then func()
	seen bool
}

var fatalLine = regexp.MustCompile(`fatal error: [^\n]+\n|SIG[A-Z0-9]+: [^\n]+\nPC=0x[0-9a-f]+ m=\d+`)

func (w *fatalWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen {
		return len(p), nil
	}
	// Matched before the tail is cut: a busy reader gets the pipe in
	// chunks of up to 32 KiB, and the line may open one.
	w.tail = append(w.tail, p...)
	if fatalLine.Match(w.tail) {
		w.seen = true
		w.tail = nil
		w.then()
		return len(p), nil
	}
	if len(w.tail) > 8<<10 {
		w.tail = w.tail[len(w.tail)-4<<10:] // enough for a line cut between writes
	}
	return len(p), nil
}

// ending is what the program said of its end.
type ending struct {
	done bool
	err  string
}

var (
	panicValue = regexp.MustCompile(`(?m)^panic: (.*?)(?: \[recovered.*\])?$`)
	outOfMem   = regexp.MustCompile(`(?i)out of memory|cannot allocate memory`)
	noThread   = regexp.MustCompile(`(?i)failed to create new OS thread|newosproc|pthread_create failed`)
	raceReport = regexp.MustCompile(`(?m)^WARNING: DATA RACE$`)
)

// result turns what the program reported, its exit and its standard
// error into the run's error.
func (e ending) result(waitErr error, stderr string, src *source) error {
	mine := src.lessonDir + "/" + src.edited
	if n := len(raceReport.FindAllStringIndex(stderr, -1)); n > 0 {
		return &RaceError{Reports: n, Lines: linesIn(stderr, mine)}
	}
	if waitErr == nil && e.done {
		return nil
	}
	if exitCode(waitErr) == sandbox.SetupExit {
		return fmt.Errorf("gobuild: sandbox: %s", firstLine(stderr))
	}
	if process.CPULimit(waitErr) {
		return ErrCPULimit
	}
	switch {
	case outOfMem.MatchString(stderr):
		return ErrMemoryLimit
	case noThread.MatchString(stderr):
		return ErrThreadLimit
	}
	if m := panicValue.FindStringSubmatch(stderr); m != nil {
		line := 0
		if lines := linesIn(stderr, mine); len(lines) > 0 {
			line = lines[0]
		}
		return &PanicError{Value: m[1], Line: line}
	}
	if e.err != "" {
		return errors.New(e.err)
	}
	if waitErr == nil {
		return errors.New("程序没有运行演示就结束了")
	}
	if head := firstLine(stderr); head != "" {
		return fmt.Errorf("程序异常结束：%s", head)
	}
	return fmt.Errorf("程序异常结束（%v）", waitErr)
}

// linesIn lists, in order of appearance and without repeats, the lines
// of file that a traceback or race report in text names.
func linesIn(text, file string) []int {
	re := regexp.MustCompile(regexp.QuoteMeta(file) + `:(\d+)`)
	var lines []int
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		if !slices.Contains(lines, n) {
			lines = append(lines, n)
		}
	}
	return lines
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// pathRewriter shortens the lesson's files in what passes through it to
// their names ("github.com/…/lessons/semaphore/flags_semaphore.go:42"
// becomes "flags_semaphore.go:42"), line by line, as the page links them.
type pathRewriter struct {
	w      io.Writer
	module string
	buf    []byte
}

func (p *pathRewriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := bytes.ReplaceAll(p.buf[:i+1], []byte(p.module), nil)
		if _, err := p.w.Write(line); err != nil {
			return 0, err
		}
		p.buf = p.buf[i+1:]
	}
	if len(p.buf) > 4096 { // a line with no end: pass it on as it is
		if _, err := p.w.Write(bytes.ReplaceAll(p.buf, []byte(p.module), nil)); err != nil {
			return 0, err
		}
		p.buf = p.buf[:0]
	}
	return len(b), nil
}
