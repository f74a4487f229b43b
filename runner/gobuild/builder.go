package gobuild

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
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

// Config says how edits are built and run.
type Config struct {
	// Go is the go command: a path, or "" for `go` on PATH.
	Go string
	// CacheDir is the shared GOCACHE; "" is a folder of its own under the
	// system's temporary folder, kept across restarts.
	CacheDir string
	// Sandbox runs the builds and the programs. Nil runs them as plain
	// children of the server — only for a course that listens on
	// loopback alone, where the learner is the machine's own user; the
	// course decides (Unsandboxed must then be set, as a second word).
	Sandbox     *sandbox.Sandbox
	Unsandboxed bool
	// FlagSite is the flag site's configuration, served inside each
	// program's sandbox as the service "flags" (see FlagsService).
	FlagSite json.RawMessage
	Limits   Limits // zero: DefaultLimits
	Log      *slog.Logger
}

// FlagsService is the sandbox service a program's flag site is, and
// FlagsPort the port it listens on, on the sandbox's own loopback.
const (
	FlagsService = "flags"
	FlagsPort    = 8000
)

// Builder builds and runs edits.
type Builder struct {
	cfg     Config
	lim     Limits
	log     *slog.Logger
	goBin   string // absolute path of the go command
	goroot  string
	version string // "go1.26.8"
	cc      string // the C compiler for -race, "" without one
	why     string // why edits cannot run here ("" when they can)
	whyRace string // why -race cannot ("" when it can)

	builds chan struct{} // a token per build that may run at once
	cache  sync.RWMutex  // builds hold it shared; trimming, alone
	warmed chan struct{} // closed once WarmUp has finished
	once   sync.Once     // WarmUp runs once
	demos  sync.Map      // demo id → why not editable ("" if it is), cached
	nBuild atomicCounter // builds since the last look at the cache's size
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

// New finds the toolchain and prepares the cache. It does not fail: a
// course without Go, or without a sandbox, runs its demos all the same,
// and Status says why editing is off.
func New(ctx context.Context, cfg Config) *Builder {
	b := &Builder{cfg: cfg, lim: cfg.Limits, log: cfg.Log, warmed: make(chan struct{})}
	if b.lim == (Limits{}) {
		b.lim = DefaultLimits()
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	// GOMAXPROCS, not NumCPU: in a container it is the CPU limit's.
	b.builds = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	switch {
	case cfg.Sandbox == nil && !cfg.Unsandboxed:
		b.why = "这台服务器没有沙箱，不运行学习者的代码"
	case cfg.Sandbox != nil && !cfg.Sandbox.Status().Available:
		b.why = cfg.Sandbox.Status().Reason
	}
	if err := b.findGo(ctx); err != nil {
		b.log.Warn("editing is off", "err", err)
		if b.why == "" {
			b.why = "服务器上没有 Go 工具链（1.25 或更新），不能编译修改后的代码"
		}
	}
	if b.why == "" {
		if err := b.prepareCache(); err != nil {
			b.log.Warn("editing is off", "err", err)
			b.why = "服务器不能准备编译缓存"
		}
	}
	b.whyRace = b.why
	if b.whyRace == "" {
		if cc, err := exec.LookPath("gcc"); err == nil {
			b.cc = cc
		} else if cc, err := exec.LookPath("cc"); err == nil {
			b.cc = cc
		} else {
			b.whyRace = "竞态检测器需要 C 编译器（apt-get install gcc），这台服务器没有"
		}
	}
	return b
}

// Status says whether edits build and run here, and if not, why (in
// Chinese, for the panel and /api/demos).
func (b *Builder) Status() (bool, string) { return b.why == "", b.why }

// RaceStatus says the same of builds with the race detector.
func (b *Builder) RaceStatus() (bool, string) { return b.whyRace == "", b.whyRace }

// Sandboxed says whether edits run in a sandbox.
func (b *Builder) Sandboxed() bool { return b.cfg.Sandbox != nil }

func (b *Builder) findGo(ctx context.Context) error {
	bin := b.cfg.Go
	if bin == "" {
		bin = "go"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "env", "GOROOT", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("gobuild: %s env: %w", path, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return fmt.Errorf("gobuild: %s env: %q", path, out)
	}
	b.goroot, b.version = lines[0], lines[1]
	if !atLeast(b.version, 1, 25) {
		return fmt.Errorf("gobuild: %s is %s, older than go1.25", path, b.version)
	}
	// The toolchain's own binary, so the sandbox needs only GOROOT.
	b.goBin = filepath.Join(b.goroot, "bin", "go")
	return nil
}

// atLeast says whether a version like go1.26.8 is at least major.minor.
func atLeast(v string, major, minor int) bool {
	m := regexp.MustCompile(`^go(\d+)\.(\d+)`).FindStringSubmatch(v)
	if m == nil {
		return false
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return a > major || (a == major && b >= minor)
}

// owner is the host user that a sandbox's processes run as.
func (b *Builder) owner() (int, int) {
	if b.cfg.Sandbox == nil {
		return os.Geteuid(), os.Getegid()
	}
	return b.cfg.Sandbox.HostUser()
}

func (b *Builder) prepareCache() error {
	uid, gid := b.owner()
	if b.cfg.CacheDir == "" {
		b.cfg.CacheDir = filepath.Join(os.TempDir(), fmt.Sprintf("walkthrough-gocache-%d", uid))
	}
	if err := os.MkdirAll(b.cfg.CacheDir, 0o700); err != nil {
		return fmt.Errorf("gobuild: cache: %w", err)
	}
	return handOver(b.cfg.CacheDir, uid, gid)
}

// handOver makes dir the sandbox user's own (a server running as root
// runs its sandboxes as nobody).
func handOver(dir string, uid, gid int) error {
	if os.Geteuid() != 0 || uid == 0 {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// Options are a run's choices beyond its parameters.
type Options struct {
	Race bool // build with the race detector
	// Trace runs the program with the runtime's execution tracer on; once
	// the program has ended, the run function hands Traced the trace's
	// summary (or the one error that says why there is none) before it
	// returns. A stopped run's trace is not read.
	Trace  bool
	Traced func(*trace.Summary, error)
	// Procs is the program's GOMAXPROCS: 1, 2, 4 or 8; 0 keeps
	// Limits.GoMaxProcs.
	Procs int
}

// ProcsChoices are the GOMAXPROCS a run may ask for.
var ProcsChoices = []int{1, 2, 4, 8}

// ErrProcs is a GOMAXPROCS not among ProcsChoices.
var ErrProcs = errors.New("GOMAXPROCS 只能是 1、2、4 或 8")

// Editable says whether demo d can be edited and run here, and if not,
// why. files are the lesson's files (the catalog's).
func (b *Builder) Editable(d *runner.Demo, files fs.FS) (bool, string) {
	if b.why != "" {
		return false, b.why
	}
	if why, ok := b.demos.Load(d.ID); ok {
		return why == "", why.(string)
	}
	why := ""
	if _, err := newSource(d, files, nil); err != nil {
		b.log.Warn("demo not editable", "demo", d.ID, "err", err)
		why = "这个演示的源码不能单独编译"
	}
	b.demos.Store(d.ID, why)
	return why == "", why
}

// Program checks an edit of demo d's source and returns the run function
// that builds and runs it; a nil edit is the demo's own source (a run in
// trace mode of a demo as it is). The checks here are the cheap ones — size, and
// the imports at the top; the compiler finds the rest, in the sandbox,
// and the run function returns its errors as a *CompileError.
func (b *Builder) Program(d *runner.Demo, files fs.FS, edited []byte, opt Options) (runner.RunFunc, error) {
	if ok, why := b.Editable(d, files); !ok {
		return nil, fmt.Errorf("%w：%s", ErrNotEditable, why)
	}
	if opt.Race {
		if ok, why := b.RaceStatus(); !ok {
			return nil, fmt.Errorf("%w：%s", ErrNotEditable, why)
		}
	}
	if opt.Procs != 0 && !slices.Contains(ProcsChoices, opt.Procs) {
		return nil, ErrProcs
	}
	if opt.Race && opt.Trace {
		return nil, errors.New("竞态检测和调度跟踪不能同时打开")
	}
	if len(edited) > b.lim.SourceBytes {
		return nil, fmt.Errorf("修改后的源码有 %d 字节，超过上限 %d", len(edited), b.lim.SourceBytes)
	}
	src, err := newSource(d, files, edited)
	if err != nil {
		return nil, err
	}
	if diags := checkImports(edited, src.lessonPkg); len(diags) > 0 {
		return nil, &CompileError{Diagnostics: diags}
	}
	return func(ctx context.Context, v runner.Values, out io.Writer, ev runner.Events) error {
		return b.run(ctx, d, src, opt, v, out, ev)
	}, nil
}

// run builds src and runs its program: the whole of one edited run.
func (b *Builder) run(ctx context.Context, d *runner.Demo, src *source, opt Options, v runner.Values, out io.Writer, ev runner.Events) error {
	dir, err := os.MkdirTemp("", "walkthrough-edit-")
	if err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	defer b.cfg.Sandbox.Reaper().RemoveAll(ctx, dir)
	uid, gid := b.owner()
	work := filepath.Join(dir, "work")
	if err := src.write(work); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	if err := handOver(work, uid, gid); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	if err := b.build(ctx, work, opt.Race, src, b.lim.BuildTime); err != nil {
		return err
	}
	// The sources go now, while the learner waits for the program anyway:
	// once it runs, the run holds one file, and a Stop on a busy machine
	// does not wait for a tree of them to be unlinked.
	prog := filepath.Join(dir, "prog")
	if err := os.Rename(filepath.Join(work, "prog"), prog); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	if err := os.RemoveAll(work); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	return b.exec(ctx, d, prog, opt, v, out, ev, src)
}

// buildEnv is the go command's whole environment, inside the sandbox or
// not: no network, no other toolchain, nothing from the server's own.
// config is the build's own configuration folder (see telemetryOff).
func (b *Builder) buildEnv(cache, tmp, config string, race bool) []string {
	cgo := "0"
	if race {
		cgo = "1"
	}
	return []string{
		"GOROOT=" + b.goroot, "GOCACHE=" + cache, "GOTMPDIR=" + tmp, "TMPDIR=" + tmp,
		"HOME=" + tmp, "GOPATH=" + filepath.Join(tmp, "gopath"), "GOTOOLCHAIN=local",
		"GOPROXY=off", "GOSUMDB=off", "GOFLAGS=-mod=vendor", "GOWORK=off", "GOENV=off",
		"XDG_CONFIG_HOME=" + config, "CGO_ENABLED=" + cgo, "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
		"GOMAXPROCS=" + strconv.Itoa(max(1, runtime.GOMAXPROCS(0))),
	}
}

// configDir is the build's configuration folder, in its module folder
// (the go command skips folders whose names begin with a dot).
const configDir = ".config"

// telemetryOff turns the go command's telemetry off for a build in work,
// as "go telemetry off" records it: a mode file in the build's own
// configuration folder. Left at its default ("local"), every build would
// write counters and start an upload sidecar in a session of its own —
// which the sandbox refuses (setsid), and the build would report.
func telemetryOff(work string) error {
	dir := filepath.Join(work, configDir, "go", "telemetry")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "mode"), []byte("off\n"), 0o644)
}

var compileLine = regexp.MustCompile(`^(?:\./)?([^\s:]+\.go):(\d+)(?::(\d+))?: (.*)$`)

// build compiles the module in work into work/prog.
func (b *Builder) build(ctx context.Context, work string, race bool, src *source, timeout time.Duration) error {
	select {
	case b.builds <- struct{}{}:
		defer func() { <-b.builds }()
	case <-ctx.Done():
		return ctx.Err()
	}
	b.cache.RLock()
	defer b.cache.RUnlock()
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrBuildTimeout)
	defer cancel()

	if err := telemetryOff(work); err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	args := []string{"go", "build", "-trimpath", "-tags=walkthrough_guard", "-ldflags=-s -w", "-o", "prog"}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/edited")
	var cmd *exec.Cmd
	if sb := b.cfg.Sandbox; sb != nil {
		spec := sandbox.Spec{
			Path: b.goBin, Args: args, Dir: "/work", Proc: true,
			Env: b.buildEnv("/cache", "/tmp", "/work/"+configDir, race),
			Mounts: []sandbox.Mount{
				{Host: "/usr", Inside: "/usr"},
				{Host: b.goroot, Inside: b.goroot},
				{Host: work, Inside: "/work", Writable: true},
				{Host: b.cfg.CacheDir, Inside: "/cache", Writable: true},
			},
			Tmpfs: []sandbox.Tmpfs{{Inside: "/tmp", Bytes: 1 << 30}},
			Exec:  []string{"/usr", b.goroot},
			Limits: sandbox.Limits{CPUSeconds: int(math.Ceil(timeout.Seconds())) + 1,
				Data: b.lim.BuildMemory, OpenFiles: 1024, Processes: 512, FileSize: 1 << 30},
		}
		spec.Mounts = append(spec.Mounts, maskSelf()...)
		var err error
		if cmd, err = sb.Command(spec); err != nil {
			return fmt.Errorf("gobuild: %w", err)
		}
	} else {
		tmp := filepath.Join(work, ".tmp")
		if err := os.MkdirAll(tmp, 0o700); err != nil {
			return fmt.Errorf("gobuild: %w", err)
		}
		cmd = exec.Command(b.goBin, args[1:]...)
		cmd.Dir = work
		cmd.Env = b.buildEnv(b.cfg.CacheDir, tmp, filepath.Join(work, configDir), race)
	}
	var output capped
	output.limit = 64 << 10
	cmd.Stdout, cmd.Stderr = &output, &output
	started := time.Now()
	err := process.RunWith(ctx, cmd, func(r io.Reader) { io.Copy(io.Discard, r) },
		process.Options{Nice: b.lim.Nice, Reaper: b.cfg.Sandbox.Reaper()}) // a stopped build's sandbox ends behind the run
	b.log.Debug("edit built", "took", time.Since(started), "race", race, "err", err)
	if errors.Is(context.Cause(ctx), ErrBuildTimeout) {
		return ErrBuildTimeout
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if n := b.nBuild.next(); n%20 == 0 {
		go b.trimCache()
	}
	if err == nil {
		return nil
	}
	if exitCode(err) == sandbox.SetupExit {
		return fmt.Errorf("gobuild: sandbox: %s", strings.TrimSpace(output.String()))
	}
	return compileErrors(output.String(), src)
}

// compileErrors turns the go command's complaints into diagnostics,
// placed on the learner's lines where they are about the learner's file.
func compileErrors(text string, src *source) error {
	var diags []Diagnostic
	mine := src.lessonDir + "/" + src.edited
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m := compileLine.FindStringSubmatch(l)
		if m == nil {
			diags = append(diags, Diagnostic{Message: l})
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		d := Diagnostic{Line: line, Col: col, Message: m[4]}
		if m[1] != mine && !strings.HasSuffix(m[1], "/"+mine) {
			d.File = shortPath(m[1])
		}
		diags = append(diags, d)
	}
	if len(diags) == 0 {
		diags = []Diagnostic{{Message: "编译失败"}}
	}
	return &CompileError{Diagnostics: diags}
}

// maskSelf hides the server's own binary where a bound folder would show
// it: a learner's program may read /usr, never the server.
func maskSelf() []sandbox.Mount {
	exe, err := os.Executable()
	if err != nil || !strings.HasPrefix(exe, "/usr/") {
		return nil
	}
	return []sandbox.Mount{{Host: "/dev/null", Inside: exe}}
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
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

// trimCache empties the cache once it has grown past its bound; the next
// builds (and the warm-up) fill it again.
func (b *Builder) trimCache() {
	var size int64
	filepath.WalkDir(b.cfg.CacheDir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	if size <= b.lim.CacheBytes {
		return
	}
	b.cache.Lock()
	defer b.cache.Unlock()
	entries, _ := os.ReadDir(b.cfg.CacheDir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(b.cfg.CacheDir, e.Name()))
	}
	b.log.Info("go build cache trimmed", "bytes", size)
}
