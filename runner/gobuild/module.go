package gobuild

import (
	"embed"
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox/guard"
	rtrace "github.com/bingfa-manyou/walkthrough/runner/trace"
)

// entryOf names the package of a demo's run function: the lesson package
// the edit is built into.
func entryOf(run runner.RunFunc) (pkgPath string, err error) {
	if run == nil {
		return "", fmt.Errorf("gobuild: no run function")
	}
	full := runtime.FuncForPC(reflect.ValueOf(run).Pointer()).Name()
	slash := strings.LastIndex(full, "/")
	dot := strings.Index(full[slash+1:], ".")
	if dot < 0 || !strings.HasPrefix(full, ModulePath+"/lessons/") {
		return "", fmt.Errorf("gobuild: run function %s is not in a lesson package", full)
	}
	return full[:slash+1+dot], nil
}

// packages an edit may import beyond the standard library: the ones the
// module carries.
var modulePackages = map[string]bool{
	ModulePath + "/runner":               true,
	ModulePath + "/lessons/flagserver":   true,
	ModulePath + "/lessons/core":         true,
	ModulePath + "/runner/sandbox/guard": true,
	"golang.org/x/sync/errgroup":         true,
}

// vendored holds the one package from outside the standard library that a
// lesson uses — golang.org/x/sync/errgroup, at the version go.mod requires
// (a test checks it is that very file) — so a build needs no network.
//
//go:embed vendored
var vendored embed.FS

// VendoredSync is the golang.org/x/sync version vendored.
const VendoredSync = "v0.24.0"

// checkImports reads the import declarations at the top of src — one
// linear scan of its tokens, no parse — and refuses cgo and packages
// from outside the standard library and the course, each on its line.
// Everything else about the source is the compiler's business, inside
// the sandbox.
func checkImports(src []byte, lessonPkg string) []Diagnostic {
	fset := token.NewFileSet()
	file := fset.AddFile("edit.go", -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, nil, 0)
	next := func() (token.Pos, token.Token, string) {
		for {
			pos, tok, lit := s.Scan()
			if tok != token.SEMICOLON || lit != "\n" {
				return pos, tok, lit
			}
		}
	}
	var diags []Diagnostic
	check := func(pos token.Pos, lit string) {
		p, err := strconv.Unquote(lit)
		if err != nil {
			return // the compiler says what is wrong
		}
		line := file.Line(pos)
		switch {
		case p == "C":
			diags = append(diags, Diagnostic{Line: line, Message: `不能用 cgo（import "C"）`})
		case p == lessonPkg:
			diags = append(diags, Diagnostic{Line: line, Message: "包不能导入它自己"})
		case strings.Contains(strings.SplitN(p, "/", 2)[0], ".") && !modulePackages[p]:
			diags = append(diags, Diagnostic{Line: line,
				Message: fmt.Sprintf("不能导入 %q：只能用标准库和课程自己的包（runner、lessons/flagserver）", p)})
		}
	}
	if _, tok, _ := next(); tok != token.PACKAGE {
		return nil // the compiler will say
	}
	next() // the package name
	for {
		_, tok, _ := next()
		if tok == token.SEMICOLON {
			continue
		}
		if tok != token.IMPORT {
			return diags
		}
		pos, tok, lit := next()
		if tok != token.LPAREN {
			if tok == token.IDENT || tok == token.PERIOD {
				pos, tok, lit = next()
			}
			if tok == token.STRING {
				check(pos, lit)
			}
			continue
		}
		for {
			pos, tok, lit = next()
			switch tok {
			case token.IDENT, token.PERIOD, token.SEMICOLON:
				continue
			case token.STRING:
				check(pos, lit)
				continue
			}
			break
		}
		if tok != token.RPAREN {
			return diags
		}
	}
}

// packageName reads the package clause of a (trusted) Go file.
func packageName(src []byte) string {
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile("f.go", -1, len(src)), src, nil, 0)
	for {
		_, tok, lit := s.Scan()
		switch tok {
		case token.PACKAGE:
			_, tok, lit = s.Scan()
			if tok == token.IDENT {
				return lit
			}
			return ""
		case token.EOF:
			return ""
		}
		_ = lit
	}
}

// source is everything one build needs: the lesson package with the edit
// in place, the course packages, a main.
type source struct {
	lessonDir string            // "lessons/semaphore"
	lessonPkg string            // its import path
	edited    string            // the edited file's name in it
	files     map[string][]byte // path in the module → content
}

// newSource lays out the module for demo d with its source file replaced
// by edited. lesson holds the lesson package's files (the catalog's).
func newSource(d *runner.Demo, lesson fs.FS, edited []byte) (*source, error) {
	pkgPath, err := entryOf(d.Run)
	if err != nil {
		return nil, err
	}
	src := &source{lessonPkg: pkgPath, lessonDir: strings.TrimPrefix(pkgPath, ModulePath+"/"),
		edited: d.Source, files: map[string][]byte{}}
	src.files["go.mod"] = []byte("module " + ModulePath + "\n\ngo 1.25\n\nrequire golang.org/x/sync " + VendoredSync + "\n")
	src.files["vendor/modules.txt"] = []byte("# golang.org/x/sync " + VendoredSync + "\n## explicit; go 1.25.0\ngolang.org/x/sync/errgroup\n")
	for from, to := range map[string]string{
		"vendored/golang.org/x/sync/errgroup/errgroup.go.src": "vendor/golang.org/x/sync/errgroup/errgroup.go",
		"vendored/golang.org/x/sync/LICENSE":                  "vendor/golang.org/x/sync/LICENSE",
	} {
		b, err := vendored.ReadFile(from)
		if err != nil {
			return nil, fmt.Errorf("gobuild: %w", err)
		}
		src.files[to] = b
	}
	for dir, from := range map[string]fs.FS{"runner": runner.Sources, "lessons/flagserver": flagserver.Sources, "lessons/core": core.Sources} {
		if err := src.addDir(dir, from); err != nil {
			return nil, err
		}
	}
	src.files["runner/sandbox/guard/guard.go"] = guard.DocSource
	src.files["runner/sandbox/guard/guard_linux.go"] = guard.Source
	if err := src.addDir(src.lessonDir, lesson); err != nil {
		return nil, err
	}
	original, ok := src.files[path.Join(src.lessonDir, d.Source)]
	if !ok {
		return nil, fmt.Errorf("gobuild: demo %s: %s is not among the lesson's files", d.ID, d.Source)
	}
	name := packageName(original)
	if name == "" {
		return nil, fmt.Errorf("gobuild: demo %s: no package clause in %s", d.ID, d.Source)
	}
	if edited != nil {
		src.files[path.Join(src.lessonDir, d.Source)] = edited
	}
	// The guard comes first: its init runs before any of the package's.
	src.files[path.Join(src.lessonDir, "walkthrough_guard.go")] =
		[]byte("package " + name + "\n\nimport _ \"" + ModulePath + "/runner/sandbox/guard\"\n")
	src.files["cmd/edited/main.go"] = harness(pkgPath)
	return src, nil
}

// addDir adds the files (not tests) at the top of from under dir: the Go
// files, and what they embed.
func (s *source) addDir(dir string, from fs.FS) error {
	names, err := fs.Glob(from, "*")
	if err != nil {
		return fmt.Errorf("gobuild: %w", err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		if fi, err := fs.Stat(from, n); err != nil || fi.IsDir() {
			continue
		}
		b, err := fs.ReadFile(from, n)
		if err != nil {
			return fmt.Errorf("gobuild: %w", err)
		}
		s.files[path.Join(dir, n)] = b
	}
	return nil
}

// write lays the module out under dir.
func (s *source) write(dir string) error {
	for name, b := range s.files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("gobuild: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("gobuild: %w", err)
		}
	}
	return nil
}

// harness is the main of an edited program: it runs one demo of the
// lesson, as runner.Execute runs any, and reports on file descriptor 3.
func harness(lessonPkg string) []byte {
	return []byte(`// Command edited runs one demo of a lesson built with a learner's edit.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime/trace"
	"sync"
	"syscall"
	"time"
	"unsafe"

	lesson "` + lessonPkg + `"
	"` + ModulePath + `/runner"
)

type job struct {
	Demo        string            ` + "`json:\"demo\"`" + `
	Values      map[string]string ` + "`json:\"values\"`" + `
	FlagsURL    string            ` + "`json:\"flags_url\"`" + `
	RunTime     time.Duration     ` + "`json:\"run_time\"`" + `
	OutputBytes int               ` + "`json:\"output_bytes\"`" + `
	Trace       bool              ` + "`json:\"trace\"`" + `
}

var reports = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.NewFile(3, "reports"))}

func report(v any) {
	reports.Lock()
	defer reports.Unlock()
	reports.enc.Encode(v)
}

// mono is now on CLOCK_MONOTONIC, the clock the server shares. Every
// report carries it: a line the server reads late, when it is busy, keeps
// the moment it was written, and a task on the timeline keeps its length.
func mono() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// stamped is an event with its moment.
type stamped struct {
	runner.Event
	MonoNs int64 ` + "`json:\"mono_ns\"`" + `
}

// panics prints a demo's panic the way the runtime prints one.
type panics struct{}

func (panics) Enabled(context.Context, slog.Level) bool { return true }
func (panics) WithAttrs([]slog.Attr) slog.Handler        { return panics{} }
func (panics) WithGroup(string) slog.Handler             { return panics{} }
func (panics) Handle(_ context.Context, r slog.Record) error {
	var value, stack string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "panic":
			value = a.Value.String()
		case "stack":
			stack = a.Value.String()
		}
		return true
	})
	fmt.Fprintf(os.Stderr, "panic: %s\n\n%s", value, stack)
	return nil
}

func main() {
	var j job
	if err := json.NewDecoder(os.Stdin).Decode(&j); err != nil {
		report(map[string]any{"error": "job: " + err.Error()})
		os.Exit(1)
	}
	var d *runner.Demo
	for _, x := range lesson.Demos() {
		if x.ID == j.Demo {
			d = &x
		}
	}
	if d == nil {
		report(map[string]any{"error": "没有这个演示：" + j.Demo})
		os.Exit(1)
	}
	v, err := d.Parse(j.Values)
	if err != nil {
		report(map[string]any{"error": err.Error()})
		os.Exit(1)
	}
	ctx := context.Background()
	watch := func(e runner.Event, _ int) { report(stamped{e, mono()}) }
	var traceOut *os.File
	if j.Trace {
		// The runtime's execution trace goes to file descriptor 4. The
		// demo's begin is marked in it, and each task's start, on the
		// goroutine that starts it: the server ties the trace to the
		// timeline with these.
		traceOut = os.NewFile(4, "trace")
		if err := trace.Start(traceOut); err != nil {
			report(map[string]any{"error": "trace: " + err.Error()})
			os.Exit(1)
		}
		trace.Log(ctx, "` + rtrace.Category + `", "` + rtrace.Begin + `")
		watch = func(e runner.Event, _ int) {
			if e.Phase == runner.PhaseStart {
				trace.Log(ctx, "` + rtrace.Category + `", "` + rtrace.StartTask + `"+e.Task)
			}
			report(stamped{e, mono()})
		}
	}
	report(map[string]any{"begin": true, "mono_ns": mono()})
	env := runner.Env{FlagsURL: j.FlagsURL, Log: slog.New(panics{}),
		Limits: runner.Limits{RunTime: j.RunTime, OutputBytes: j.OutputBytes}}
	res := runner.Execute(ctx, env, d, v, os.Stdout, watch)
	if traceOut != nil {
		trace.Stop() // the whole trace is written before the end is reported
		traceOut.Close()
	}
	ms := float64(res.Elapsed.Microseconds()) / 1000
	if res.Err != nil {
		report(map[string]any{"error": res.Err.Error(), "elapsed_ms": ms, "mono_ns": mono()})
		os.Exit(1)
	}
	report(map[string]any{"done": true, "elapsed_ms": ms, "mono_ns": mono()})
}
`)
}
