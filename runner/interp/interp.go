// Package interp runs a learner's edited Go source of a demo: interpreted
// by yaegi, in a child process of the same binary, never in the server's
// process.
//
// The server side (Runner.Program) parses the edit, checks its imports
// and hands back a runner.RunFunc, so an edited run goes through
// runner.Execute like any demo: the same time limit, output cap, Stop and
// timeline. The run function starts the child (this binary again, marked
// by an environment variable; ChildMain takes it from there), writes it
// the job on standard input and relays what it writes: the program's
// output from standard output, timeline events and how the program ended
// from file descriptor 3, as runner/python does for Python.
//
// The child sets its own resource limits before it reads the job (CPU
// seconds, address space, open files, processes and threads), watches its
// goroutine count, type-checks the program against the symbol table
// (symbols.go: what edited code can import, and nothing else; importer.go
// gives the type checker the same table), lowers the forms of today's Go
// that yaegi v0.16.1 lacks or runs wrongly (lower.go), interprets it and
// calls its run function under runner.Execute. The server kills the
// child's whole process group on Stop, disconnect or time limit, and the
// kernel kills it if the server dies.
package interp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"io"
	"io/fs"
	"math"
	"net"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/process"
)

// Limits bound one edited run's child process.
type Limits struct {
	// CPUSeconds is the child's CPU time. The run's own time limit comes
	// first for a program that mostly waits; a program that keeps several
	// cores busy meets this one first.
	CPUSeconds int `json:"cpu_seconds"`
	// Memory is the memory the child may write to (RLIMIT_DATA): the Go
	// heap and stacks, the interpreter included.
	Memory int64 `json:"memory"`
	// AddressSpace bounds the child's virtual memory (RLIMIT_AS). It is
	// far above Memory: the Go runtime reserves about 1.5 GiB of address
	// space at start that it never touches.
	AddressSpace int64 `json:"address_space"`
	OpenFiles    int   `json:"open_files"`
	Processes    int   `json:"processes"` // RLIMIT_NPROC: processes and threads of the user
	Threads      int   `json:"threads"`   // OS threads of the child's Go runtime
	Goroutines   int   `json:"goroutines"`
	// OutputBytes is the child's own output cap, a backstop behind the
	// server's.
	OutputBytes int `json:"output_bytes"`
	// SourceBytes is the largest edited file accepted.
	SourceBytes int `json:"source_bytes"`
}

// DefaultLimits suit the demos: a child with the interpreter, a demo's
// goroutines and a few connections to the flag site writes to well under
// 200 MiB.
func DefaultLimits() Limits {
	return Limits{
		CPUSeconds:   60,
		Memory:       512 << 20,
		AddressSpace: 4 << 30,
		OpenFiles:    256,
		Processes:    4096,
		Threads:      200,
		Goroutines:   10_000,
		OutputBytes:  4 << 20,
		SourceBytes:  64 << 10,
	}
}

// Runner starts edited runs.
type Runner struct {
	// Exe is the binary started as the child; empty means this process's
	// own executable. It must call ChildMain first thing.
	Exe    string
	Limits Limits
	// Observe, if set, is told what each child used, after it exited.
	Observe func(Usage)

	mu       sync.Mutex
	editable map[string]string // demo id → why not ("" if editable), as Editable said
}

// Usage is what one child used.
type Usage struct {
	PeakRSS int64         // bytes, the child's largest resident set
	CPU     time.Duration // user and system time
	Wall    time.Duration // from start to exit
}

// ErrNotEditable is returned by Program for a demo that edited code
// cannot express; the message says why.
var ErrNotEditable = errors.New("editing is not available for this demo")

// Program returns the run function of demo d with its source file
// replaced by edited. files holds the demo's files (d.Source and d.Also),
// usually the lesson's embedded files. The error is ErrNotEditable (with
// the reason) for a demo that cannot run edited, or a *CompileError when
// the edit does not parse or imports a package that is not available;
// type errors come back from the run itself, as a *CompileError, because
// they are found in the child.
func (r *Runner) Program(d *runner.Demo, files fs.FS, edited []byte) (runner.RunFunc, error) {
	lim := r.limits()
	if len(edited) > lim.SourceBytes {
		return nil, fmt.Errorf("edited source is %d bytes, more than %d", len(edited), lim.SourceBytes)
	}
	if why := r.whyNot(d, files); why != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotEditable, why)
	}
	return r.program(d, files, edited)
}

// whyNot is Editable's answer for d ("" when d is editable).
func (r *Runner) whyNot(d *runner.Demo, files fs.FS) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	why, ok := r.editable[d.ID]
	if !ok {
		_, why = Editable(d, files)
		if r.editable == nil {
			r.editable = map[string]string{}
		}
		r.editable[d.ID] = why
	}
	return why
}

// program is Program without asking Editable first.
func (r *Runner) program(d *runner.Demo, files fs.FS, edited []byte) (runner.RunFunc, error) {
	p, err := demoProgram(d, files)
	if err != nil {
		return nil, err
	}
	p.Files[p.Source] = string(edited)
	p.addLibrary()
	if _, diags := p.parse(token.NewFileSet()); len(diags) > 0 {
		return nil, &CompileError{Diagnostics: diags}
	}
	return func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) error {
		return r.run(ctx, d, p, v, out, ev)
	}, nil
}

func (r *Runner) limits() Limits {
	lim := r.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	return lim
}

// demoProgram reads a demo's files and finds its entry function.
func demoProgram(d *runner.Demo, files fs.FS) (*program, error) {
	pkgPath, entry, err := entryOf(d.Run)
	if err != nil {
		return nil, err
	}
	p := &program{Package: pkgPath, Entry: entry, Source: d.Source, Files: map[string]string{}, shown: map[string]bool{}}
	for _, name := range append([]string{d.Source}, d.Also...) {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("demo %s: %w", d.ID, err)
		}
		p.Files[name] = string(b)
		p.shown[name] = true
	}
	// The package's other files, for what the shown ones use from them
	// (spinner_goroutine.go calls slowCall of spinner_thread.go).
	others, err := fs.Glob(files, "*.go")
	if err != nil {
		return nil, fmt.Errorf("demo %s: %w", d.ID, err)
	}
	p.library = map[string]string{}
	for _, name := range others {
		if !p.shown[name] && !strings.HasSuffix(name, "_test.go") {
			b, err := fs.ReadFile(files, name)
			if err != nil {
				return nil, fmt.Errorf("demo %s: %w", d.ID, err)
			}
			p.library[name] = string(b)
		}
	}
	return p, nil
}

// entryOf names the package and the function of a demo's run function:
// only a function declared at the top of a package can be found again in
// the edited source.
func entryOf(run runner.RunFunc) (pkgPath, name string, err error) {
	if run == nil {
		return "", "", errors.New("no run function")
	}
	full := runtime.FuncForPC(reflect.ValueOf(run).Pointer()).Name()
	slash := strings.LastIndex(full, "/")
	dot := strings.Index(full[slash+1:], ".")
	if dot < 0 {
		return "", "", fmt.Errorf("run function %s has no package", full)
	}
	pkgPath, name = full[:slash+1+dot], full[slash+1+dot+1:]
	if !token.IsIdentifier(name) {
		return "", "", fmt.Errorf("run function %s is not a function declared in its package", full)
	}
	return pkgPath, name, nil
}

// notEditable lists demos whose source type-checks against the symbol
// table but that still cannot run edited, with the reason shown to the
// learner. The tests (TestEveryDemoRunsInterpreted) keep it honest.
var notEditable = map[string]string{
	"future-semantics": "Future 的回调以 *Future 为参数，是引用自身的类型；解释器 yaegi v0.16.1 还不能调用这样的函数",
}

// Editable says whether demo d can run edited, and if not, why (in
// Chinese, for the panel). It type-checks the demo's own files against
// the symbol table: a demo whose shown code needs a package or a name
// that edited code cannot have is not editable.
func Editable(d *runner.Demo, files fs.FS) (bool, string) {
	if why, ok := notEditable[d.ID]; ok {
		return false, why
	}
	p, err := demoProgram(d, files)
	if err != nil {
		return false, "这个演示的源码不能单独运行"
	}
	p.addLibrary()
	if _, diags := p.check(symbols()); len(diags) > 0 {
		return false, "这个演示用到了编辑后的代码不能用的东西：" + diags[0].String()
	}
	return true, ""
}

// hostPort is the host:port the flag site's URL dials.
func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// maxStderr bounds what the server keeps of a child's standard error: the
// head of a crash report is what says why.
const maxStderr = 16 << 10

// Reasons a child ended that the learner is told about.
var (
	ErrMemoryLimit     = errors.New("内存超过上限，程序被终止")
	ErrCPULimit        = errors.New("CPU 时间超过上限，程序被终止")
	ErrGoroutineLimit  = errors.New("goroutine 太多，程序被终止")
	errAlreadyAChild   = errors.New("interp: an interpreter child may not start another")
	errNoChildRunsHere = errors.New("interp: the child exited without running the program (does its main call interp.ChildMain?)")
)

func (r *Runner) run(ctx context.Context, d *runner.Demo, p *program, v runner.Values, out io.Writer, ev runner.Events) error {
	if os.Getenv(childEnv) == "1" {
		// A child that did not stop in ChildMain would start children of
		// its own, without end.
		return errAlreadyAChild
	}
	lim := r.limits()
	if dl, ok := ctx.Deadline(); ok {
		// A second more than the run may take: the run's limit, enforced
		// by this process, comes first for a program that waits.
		secs := int(math.Ceil(time.Until(dl).Seconds())) + 1
		lim.CPUSeconds = max(1, min(lim.CPUSeconds, secs))
	}
	runTime := runner.DefaultLimits().RunTime
	if dl, ok := ctx.Deadline(); ok {
		runTime = time.Until(dl) + time.Second
	}
	j := job{Program: *p, Demo: d.ID, Params: d.Params, Values: v.Text(), FlagsURL: v.FlagsURL(),
		RunTime: runTime, Limits: lim}
	input, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("interp: %w", err)
	}
	exe := r.Exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("interp: %w", err)
		}
	}
	var stderr capped
	stderr.limit = maxStderr
	cmd := exec.Command(exe)
	cmd.Args = []string{"walkthrough-interp"}
	cmd.Dir = "/"
	// MALLOC_ARENA_MAX: a cgo build's threads would each reserve a
	// malloc arena of their own. GORACE matters only in a binary built
	// with -race (the tests): a learner's program that races, and yaegi
	// itself (it shares frames between goroutines), would make the race
	// detector end the child; the report still reaches stderr.
	cmd.Env = []string{childEnv + "=1", "LANG=C.UTF-8", "GOTRACEBACK=single", "MALLOC_ARENA_MAX=2",
		"GORACE=exitcode=0 halt_on_error=0"}
	cmd.Stdin = bytes.NewReader(input)
	cmd.Stdout = out
	cmd.Stderr = &stderr
	started := time.Now()
	var end ending
	err = process.Run(ctx, cmd, func(reports io.Reader) { end = relay(reports, ev) })
	if r.Observe != nil && cmd.ProcessState != nil {
		u := Usage{CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), Wall: time.Since(started)}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			u.PeakRSS = ru.Maxrss << 10 // Linux reports KiB
		}
		r.Observe(u)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return end.result(err, stderr.String())
}

// ending is how a child said its program ended.
type ending struct {
	diagnostics []Diagnostic
	err         string
	panic, at   string
	limit       string
	done        bool
}

var (
	crashPanic = regexp.MustCompile(`(?m)^panic: (.*?)(?: \[recovered.*\])?$`)
	outOfMem   = regexp.MustCompile(`(?i)out of memory|cannot allocate memory`)
)

// result turns what the child reported, its exit and its standard error
// into the run's error.
func (e ending) result(waitErr error, stderr string) error {
	switch {
	case len(e.diagnostics) > 0:
		return &CompileError{Diagnostics: e.diagnostics}
	case e.limit == "cpu":
		return ErrCPULimit
	case e.limit == "goroutines":
		return ErrGoroutineLimit
	case e.panic != "":
		return panicError(e.panic, e.at)
	case e.err != "":
		return errors.New(e.err)
	case waitErr == nil && e.done:
		return nil
	}
	var exit *exec.ExitError
	if errors.As(waitErr, &exit) {
		if st, ok := exit.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			switch st.Signal() {
			case syscall.SIGXCPU, syscall.SIGKILL:
				return ErrCPULimit
			}
			return fmt.Errorf("程序被信号 %v 终止", st.Signal())
		}
	}
	if outOfMem.MatchString(stderr) {
		return ErrMemoryLimit
	}
	if m := crashPanic.FindStringSubmatch(stderr); m != nil {
		at := ""
		if a := panicAt.FindSubmatch([]byte(stderr)); a != nil {
			at = placeOf(a)
		}
		return panicError(m[1], at)
	}
	if waitErr == nil {
		return errNoChildRunsHere
	}
	head, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	return fmt.Errorf("interp: child: %v: %s", waitErr, head)
}

func panicError(value, at string) error {
	if at == "" {
		return fmt.Errorf("panic: %s", value)
	}
	return fmt.Errorf("panic: %s（%s）", value, at)
}

// relay passes the child's timeline on to ev and collects how it ended,
// until the pipe closes.
func relay(r io.Reader, ev runner.Events) ending {
	var end ending
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		var rep report
		if json.Unmarshal(sc.Bytes(), &rep) != nil {
			continue
		}
		switch {
		case rep.Task != "":
			switch rep.Phase {
			case runner.PhaseStart:
				ev.Start(rep.Task)
			case runner.PhaseEnd:
				ev.End(rep.Task, rep.Status)
			case runner.PhasePoint:
				ev.Point(rep.Task, rep.Status)
			case runner.PhaseWait:
				ev.Wait(rep.Task)
			}
			continue
		case len(rep.Diagnostics) > 0:
			end.diagnostics = rep.Diagnostics
		case rep.Limit != "":
			end.limit = rep.Limit
		}
		if rep.Panic != "" {
			end.panic, end.at = rep.Panic, rep.At
		}
		if rep.Error != "" {
			end.err = rep.Error
		}
		end.done = end.done || rep.Done
	}
	io.Copy(io.Discard, r)
	return end
}

// capped keeps the first limit bytes written to it.
type capped struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	limit int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.limit - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}
