// Package gobuild runs a learner's edit of a demo as real Go: built by
// the Go toolchain and run as a program of its own, each step inside a
// sandbox (package runner/sandbox) — never in the server's process, never
// with its network, files or user.
//
// An edit replaces one file of a lesson package. The build's module is
// made in the run's own folder from what the binary embeds — the lesson
// package's files with the edit in place, the demo contract (runner), the
// flag site (lessons/flagserver), the sandbox's guard and a small main
// that runs one demo — so a deployed binary needs no source tree. It is
// built with GOTOOLCHAIN=local, no network and no module beyond the
// standard library and these, -trimpath, CGO_ENABLED=0 (cgo only for
// -race), against one shared GOCACHE that is warmed at start-up and kept
// under a size.
//
// The program then runs in a second sandbox: its binary read-only, a
// small /tmp, a flag site of its own on the sandbox's loopback, rlimits,
// GOMAXPROCS fixed. It reads its job (demo, parameters) on standard
// input, writes the demo's output on standard output and its timeline on
// file descriptor 3 (package runner/process), as the Python programs do.
package gobuild

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ModulePath is the course's module: an edit is built in a module of the
// same path, so the lesson's imports resolve to the embedded packages.
const ModulePath = "github.com/bingfa-manyou/walkthrough"

// Limits bound one edited run: its build and its program.
type Limits struct {
	SourceBytes int // the largest edited file accepted

	BuildTime   time.Duration // the build, beyond which it is stopped
	BuildMemory int64         // RLIMIT_DATA of each toolchain process
	// CacheBytes bounds the shared GOCACHE: past it, the cache is emptied
	// before the next build (the warm-up fills it again).
	CacheBytes int64

	Memory     int64 // RLIMIT_DATA of the program: heap, stacks
	OpenFiles  int   // RLIMIT_NOFILE
	Processes  int   // RLIMIT_NPROC: the program's threads and processes
	DiskBytes  int64 // the program's writable /tmp
	FileBytes  int64 // RLIMIT_FSIZE: the largest file it may write
	GoMaxProcs int   // the program's GOMAXPROCS, fixed
	Stderr     int   // bytes of the program's standard error kept to explain its end
	TraceBytes int64 // a traced program's execution trace read at most (0: runner/trace's default)
	// Nice is the scheduling nice value of a build's and a program's
	// session (process.Options.Nice); 0 leaves them at the server's.
	Nice int
}

// DefaultLimits suit the demos on a 2-core machine.
func DefaultLimits() Limits {
	return Limits{
		SourceBytes: 64 << 10,
		BuildTime:   60 * time.Second,
		BuildMemory: 1 << 30, // the linker needs about 150 MiB; a hostile source gets no more than this
		CacheBytes:  2 << 30,
		Memory:      512 << 20,
		OpenFiles:   256,
		Processes:   256,
		DiskBytes:   16 << 20,
		FileBytes:   16 << 20,
		GoMaxProcs:  2,
		Stderr:      64 << 10,
		TraceBytes:  8 << 20,
	}
}

// Diagnostic is one compile error in the learner's file (Line > 0) or,
// rarely, elsewhere (File names it).
type Diagnostic struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
}

func (d Diagnostic) String() string {
	switch {
	case d.Line > 0 && d.File != "":
		return fmt.Sprintf("%s 第 %d 行：%s", d.File, d.Line, d.Message)
	case d.Line > 0:
		return fmt.Sprintf("第 %d 行：%s", d.Line, d.Message)
	}
	return d.Message
}

// CompileError is an edit that does not build.
type CompileError struct {
	Diagnostics []Diagnostic
}

func (e *CompileError) Error() string {
	if len(e.Diagnostics) == 0 {
		return "编译错误"
	}
	msg := "编译错误：" + e.Diagnostics[0].String()
	if n := len(e.Diagnostics) - 1; n > 0 {
		msg += fmt.Sprintf("（还有 %d 处）", n)
	}
	return msg
}

// Line is the learner's line the first error is on (0 if none).
func (e *CompileError) Line() int {
	for _, d := range e.Diagnostics {
		if d.File == "" && d.Line > 0 {
			return d.Line
		}
	}
	return 0
}

// RaceError is a program the race detector caught: Reports data races,
// each with the learner's lines it involves.
type RaceError struct {
	Reports int
	Lines   []int
}

func (e *RaceError) Error() string {
	return fmt.Sprintf("竞态检测器发现 %d 处数据竞争", e.Reports)
}

// PanicError is a program that panicked; Line is the learner's line the
// panic was raised on, if it was in the learner's file.
type PanicError struct {
	Value string
	Line  int
}

func (e *PanicError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("panic: %s（第 %d 行）", e.Value, e.Line)
	}
	return "panic: " + e.Value
}

// Reasons a program was ended that the learner is told about.
var (
	ErrMemoryLimit  = errors.New("内存超过上限，程序被终止")
	ErrCPULimit     = errors.New("CPU 时间超过上限，程序被终止")
	ErrThreadLimit  = errors.New("线程或进程太多，程序被终止")
	ErrBuildTimeout = errors.New("编译超时")
	ErrNotEditable  = errors.New("这个演示不能编辑")
)

// job is what a built program reads on its standard input.
type job struct {
	Demo        string            `json:"demo"`
	Values      map[string]string `json:"values"`
	FlagsURL    string            `json:"flags_url"`
	RunTime     time.Duration     `json:"run_time"`
	OutputBytes int               `json:"output_bytes"`
	Trace       bool              `json:"trace,omitempty"`
}

func (j job) encode() ([]byte, error) {
	b, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("gobuild: %w", err)
	}
	return b, nil
}

// shortPath is how a file of the build shows in messages: its name in
// the lesson's folder.
func shortPath(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}

// IsInternal reports whether err is a failure of the build or the sandbox
// themselves (every such error of this package says "gobuild:"), rather
// than of the learner's program: its details are for the log.
func IsInternal(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "gobuild:")
}
