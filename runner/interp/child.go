package interp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/types"
	"io"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing/fstest"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// childEnv marks a process started as an interpreter child.
const childEnv = "WALKTHROUGH_INTERP_CHILD"

// maxJob bounds what a child reads as its job: the files of one demo.
const maxJob = 4 << 20

// job is what the server hands a child on its standard input.
type job struct {
	Program  program           `json:"program"`
	Demo     string            `json:"demo"`
	Params   []runner.Param    `json:"params"`
	Values   map[string]string `json:"values"`
	FlagsURL string            `json:"flags_url"`
	// RunTime is the child's own limit, a little past the server's: the
	// server kills the child at its limit, this is the backstop.
	RunTime time.Duration `json:"run_time"`
	Limits  Limits        `json:"limits"`
}

// report is one line the child writes on file descriptor 3. A timeline
// event has the shape runner/python's programs use ({"task", "phase",
// "status"}); the other fields say how the program ended.
type report struct {
	Task        string       `json:"task,omitempty"`
	Phase       string       `json:"phase,omitempty"`
	Status      string       `json:"status,omitempty"`
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	Error       string       `json:"error,omitempty"` // the error the program returned
	Panic       string       `json:"panic,omitempty"` // a panic on the run's own goroutine
	At          string       `json:"at,omitempty"`    // where it panicked, in words (see placeOf)
	Limit       string       `json:"limit,omitempty"` // "cpu" or "goroutines": the child ended itself
	Done        bool         `json:"done,omitempty"`  // the last line of a child that got to the end
}

// ChildMain turns this process into an interpreter child when the server
// started it as one, and returns at once otherwise. Call it first thing in
// main, and in TestMain of every test package that runs edited code,
// because the child is the same binary: in a child it never returns.
func ChildMain() {
	if os.Getenv(childEnv) != "1" {
		return
	}
	os.Exit(child())
}

// Exit codes of a child beyond 0 (the program ran; how it ended is on
// file descriptor 3).
const (
	exitSetup = 3 // the child could not set itself up (message on stderr)
	exitLimit = 4 // the child ended itself at a limit (reported on fd 3)
)

func child() int {
	reports := &reporter{w: os.NewFile(3, "reports")}
	var j job
	raw, err := io.ReadAll(io.LimitReader(os.Stdin, maxJob))
	if err == nil {
		err = json.Unmarshal(raw, &j)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "interp child: reading the job:", err)
		return exitSetup
	}
	if err := limitSelf(j.Limits); err != nil {
		fmt.Fprintln(os.Stderr, "interp child:", err)
		return exitSetup
	}
	watchLimits(j.Limits, reports)
	setGate(&gate{allowed: hostPort(j.FlagsURL)})
	// Programs that use http.Get or a Client without a Transport get the
	// guarded one too.
	http.DefaultTransport = &Transport{}

	ex := symbols()
	c, diags := j.Program.check(ex)
	if len(diags) > 0 {
		reports.send(report{Diagnostics: diags, Done: true})
		return 0
	}
	files := c.lower(&j.Program)
	run, diags := interpret(&j, files, withoutGenericSources(ex, c.pkg))
	if len(diags) > 0 {
		reports.send(report{Diagnostics: diags, Done: true})
		return 0
	}

	d := &runner.Demo{ID: j.Demo, Lesson: "edited", Title: "edited", Source: j.Program.Source,
		Params: j.Params, Run: run}
	v, err := d.Parse(j.Values)
	if err != nil {
		fmt.Fprintln(os.Stderr, "interp child:", err)
		return exitSetup
	}
	env := runner.Env{FlagsURL: j.FlagsURL,
		Limits: runner.Limits{RunTime: j.RunTime, OutputBytes: j.Limits.OutputBytes}}
	baseline := runtime.NumGoroutine()
	res := runner.Execute(context.Background(), env, d, v, os.Stdout, func(e runner.Event, _ int) {
		reports.send(report{Task: e.Task, Phase: e.Phase, Status: e.Status})
	})
	settle(baseline)
	end := report{Done: true}
	var p *panicked
	switch {
	case res.Err == nil:
	case errors.As(res.Err, &p):
		end.Panic, end.At = p.value, p.at
	default:
		end.Error = res.Err.Error()
	}
	reports.send(end)
	return 0
}

// settle waits a moment for the program's goroutines to end. A demo
// joins its goroutines before it returns, but one that panicked runs its
// deferred calls (which may let the run return) before the panic ends the
// process: exiting at once would report a run that crashed as one that
// succeeded.
func settle(baseline int) {
	deadline := time.Now().Add(100 * time.Millisecond)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// limitSelf sets the child's resource limits before any learner code is
// read. Memory is bounded by RLIMIT_DATA, which counts the memory a
// program can write to (the Go heap, stacks); RLIMIT_AS is only a wide
// outer bound, because the Go runtime reserves about 1.5 GiB of address
// space it never touches, and each thread adds its stack (and, in a cgo
// build, a malloc arena of 64 MiB). RLIMIT_NPROC counts every process and thread of the user, the
// server's included, and a Go program needs threads: it is kept modest,
// not zero. The guard against starting processes is the symbol table,
// which has no os/exec and no syscall.
func limitSelf(lim Limits) error {
	set := func(what string, res int, cur, max uint64) error {
		if err := syscall.Setrlimit(res, &syscall.Rlimit{Cur: cur, Max: max}); err != nil {
			return fmt.Errorf("setrlimit %s: %w", what, err)
		}
		return nil
	}
	if lim.CPUSeconds > 0 {
		// At the soft limit the kernel sends SIGXCPU, which the child
		// reports (watchLimits); at the hard limit, SIGKILL.
		if err := set("cpu", syscall.RLIMIT_CPU, uint64(lim.CPUSeconds), uint64(lim.CPUSeconds)+1); err != nil {
			return err
		}
	}
	if lim.AddressSpace > 0 {
		if err := set("as", syscall.RLIMIT_AS, uint64(lim.AddressSpace), uint64(lim.AddressSpace)); err != nil {
			return err
		}
	}
	if lim.Memory > 0 {
		if err := set("data", syscall.RLIMIT_DATA, uint64(lim.Memory), uint64(lim.Memory)); err != nil {
			return err
		}
		// Near the limit the collector works harder before the kernel
		// refuses memory: a program that fits is not killed for garbage.
		debug.SetMemoryLimit(lim.Memory * 3 / 4)
	}
	if lim.OpenFiles > 0 {
		if err := set("nofile", syscall.RLIMIT_NOFILE, uint64(lim.OpenFiles), uint64(lim.OpenFiles)); err != nil {
			return err
		}
	}
	if lim.Processes > 0 {
		const rlimitNproc = 6 // RLIMIT_NPROC on Linux
		if err := set("nproc", rlimitNproc, uint64(lim.Processes), uint64(lim.Processes)); err != nil {
			return err
		}
	}
	if lim.Threads > 0 {
		debug.SetMaxThreads(lim.Threads)
	}
	return nil
}

// watchLimits ends the child, with a report, at the CPU limit's warning
// signal or when the program has more goroutines than it may.
func watchLimits(lim Limits, reports *reporter) {
	xcpu := make(chan os.Signal, 1)
	signal.Notify(xcpu, syscall.SIGXCPU)
	go func() {
		<-xcpu
		reports.send(report{Limit: "cpu"})
		os.Exit(exitLimit)
	}()
	if lim.Goroutines <= 0 {
		return
	}
	go func() {
		// There is no hook on a go statement in interpreted code; a
		// glance every few milliseconds bounds the overshoot to what a
		// program can start in that time, which the memory limit covers.
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			if n := runtime.NumGoroutine(); n > lim.Goroutines {
				reports.send(report{Limit: "goroutines"})
				os.Exit(exitLimit)
			}
		}
	}()
}

// reporter writes report lines, one at a time.
type reporter struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *reporter) send(rep report) {
	b, err := json.Marshal(rep)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.w.Write(append(b, '\n'))
}

// srcRoot is where a child's interpreter finds the program's package.
const srcRoot = "_pkg"

// interpret loads the lowered files into a fresh interpreter that has the
// symbol table and nothing else, and returns the entry as a run function.
// A panic on the run's goroutine comes back as a *panicked error.
func interpret(j *job, files map[string]string, ex yaegi.Exports) (runner.RunFunc, []Diagnostic) {
	p := &j.Program
	dir := srcRoot + "/src/" + p.Package
	fsys := fstest.MapFS{}
	for name, text := range files {
		fsys[dir+"/"+name] = &fstest.MapFile{Data: []byte(text)}
	}
	stderr := &panicLog{strip: dir + "/", w: os.Stderr}
	i := yaegi.New(yaegi.Options{
		GoPath:               "./" + srcRoot,
		SourcecodeFilesystem: fsys,
		Stdin:                strings.NewReader(""),
		Stdout:               os.Stdout,
		Stderr:               stderr,
		Args:                 []string{p.Entry},
		Env:                  []string{},
	})
	if err := i.Use(ex); err != nil {
		return nil, []Diagnostic{{File: p.Source, Line: 1, Msg: "interpreter: " + err.Error()}}
	}
	entry, err := safeEval(i, fmt.Sprintf("import __wtlesson %q", p.Package))
	if err == nil {
		entry, err = safeEval(i, "__wtlesson."+p.Entry)
	}
	if err != nil {
		return nil, []Diagnostic{unsupported(stderr.strip, p.Source, err)}
	}
	fn, ok := entry.Interface().(func(context.Context, runner.Values, io.Writer, runner.Events) error)
	if !ok {
		return nil, []Diagnostic{{File: p.Source, Line: 1, Msg: fmt.Sprintf("入口 %s 的类型是 %v", p.Entry, entry.Type())}}
	}
	return func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if yp, ok := r.(yaegi.Panic); ok {
					r = yp.Value
				}
				err = &panicked{value: fmt.Sprint(r), at: stderr.first()}
			}
		}()
		return fn(ctx, v, out, ev)
	}, nil
}

// withoutGenericSources spares the child yaegi's copies of slices, maps
// and cmp (about 3 ms of a 15 ms start): lower.go writes every call of
// their functions out for its types, so only a program that names
// cmp.Ordered in a constraint of its own needs them. yaegi loads them,
// and points fmt.Print at the interpreter's output, when the table it is
// given has the key "fmt/fmt"; "./fmt/fmt" names the same package
// without that (fmt.Print writes to standard output, the program's
// output, either way).
func withoutGenericSources(ex yaegi.Exports, pkg *types.Package) yaegi.Exports {
	if slices.ContainsFunc(pkg.Imports(), func(p *types.Package) bool { return p.Path() == "cmp" }) {
		return ex
	}
	out := maps.Clone(ex)
	out["./fmt/fmt"] = out["fmt/fmt"]
	delete(out, "fmt/fmt")
	return out
}

// safeEval is Eval with yaegi's own panics (a form it cannot compile)
// turned into errors.
func safeEval(i *yaegi.Interpreter, src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return i.Eval(src)
}

var positioned = regexp.MustCompile(`^(?:.*/)?([^/:\s]+\.go):(\d+):(\d+): (.*)$`)

// unsupported places an error of yaegi's on the learner's line when it
// names one: the program type-checked, so what is left is a form yaegi
// cannot run.
func unsupported(strip, source string, err error) Diagnostic {
	msg := strings.ReplaceAll(err.Error(), strip, "")
	first, _, _ := strings.Cut(msg, "\n")
	if m := positioned.FindStringSubmatch(first); m != nil {
		var line, col int
		fmt.Sscan(m[2], &line)
		fmt.Sscan(m[3], &col)
		return Diagnostic{File: m[1], Line: line, Col: col, Msg: "解释器不支持这里的写法：" + m[4]}
	}
	return Diagnostic{File: source, Line: 1, Msg: "解释器不支持这个程序：" + first}
}

// panicked is a panic on the run's own goroutine, caught.
type panicked struct {
	value string
	at    string
}

func (p *panicked) Error() string { return "panic: " + p.value }

// panicLog is the interpreter's standard error. yaegi writes there where
// a panic passed ("file.go:12:3: panic: …", innermost first); panicLog
// keeps the first of those places, with the learner's file names, and
// passes everything on so that the server sees what crashed a child.
type panicLog struct {
	strip string
	w     io.Writer

	mu   sync.Mutex
	at   string
	seen bool
}

// panicAt matches yaegi's line for a function a panic left:
// "lowering.go:51:2: panic: example.com/lowering.Run(...)". The place is
// where the function's body starts (yaegi does not keep the statement).
var panicAt = regexp.MustCompile(`([^/\s]+\.go):(\d+):\d+: panic: (?:.*[./])?([\w]+)\(\.\.\.\)`)

func (l *panicLog) Write(p []byte) (int, error) {
	text := bytes.ReplaceAll(p, []byte(l.strip), nil)
	l.mu.Lock()
	if m := panicAt.FindSubmatch(text); m != nil && !l.seen {
		l.at, l.seen = placeOf(m), true
	}
	l.mu.Unlock()
	if _, err := l.w.Write(text); err != nil {
		return 0, err
	}
	return len(p), nil
}

// placeOf says where a panic happened as far as yaegi knows: in which
// function, whose body starts on which line.
func placeOf(m [][]byte) string {
	return fmt.Sprintf("在函数 %s 里，它的函数体从 %s 第 %s 行开始", m[3], m[1], m[2])
}

func (l *panicLog) first() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at
}
