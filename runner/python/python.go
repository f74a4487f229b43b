// Package python runs the asyncio programs of the course — the notes'
// side of every demo — as children of the server, under the same contract
// as a Go demo: a run function given a context, its parameters, a writer
// and an event sink, so runner.Execute puts the same time limit, output
// cap and timeline on it.
//
// A program is a fixed file embedded in the binary, never text from a
// learner. Each run gets:
//   - its parameters as arguments (`name=value`, the values already checked
//     by the demo's declaration) and the flag site's URL from the server;
//     no shell anywhere;
//   - Python in isolated mode (-I: no PYTHON* variables, no user site, no
//     current directory on the path) with a scrubbed environment;
//   - resource limits set before Python starts (prlimit(1): CPU seconds,
//     address space, open files, processes);
//   - its own session and process group, killed as a whole on Stop, disconnect or time
//     limit, and on the server's death, and a pipe of its own (file
//     descriptor 3) for timeline events, written by the helper module
//     walkthrough.py, never mixed into its output (package runner/process).
package python

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/process"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
)

// helper is the module every program imports for its parameters and its
// timeline.
//
//go:embed walkthrough.py
var helper []byte

// Helper returns the helper module's source, for pages that show it.
func Helper() []byte { return bytes.Clone(helper) }

// Limits bound one Python run's process.
type Limits struct {
	CPUSeconds   int   // CPU time, seconds
	AddressSpace int64 // bytes of virtual memory
	OpenFiles    int   // file descriptors
	Processes    int   // processes and threads of the user, as RLIMIT_NPROC counts them

	// StopGrace is how long a stopped program has between SIGINT and
	// SIGKILL; zero is DefaultStopGrace. A program that has unwound ends
	// the grace itself.
	StopGrace time.Duration
	// Nice is the scheduling nice value of a run's session
	// (process.Options.Nice); 0 leaves it at the server's.
	Nice int
}

// DefaultLimits suit the course's programs: an interpreter with aiohttp
// takes about 60 MiB of address space per thread arena, so the limit is
// generous on memory and tight on everything a program has no need for.
func DefaultLimits() Limits {
	return Limits{CPUSeconds: 30, AddressSpace: 1 << 30, OpenFiles: 128, Processes: 4096, StopGrace: DefaultStopGrace}
}

// Interpreter is a python3 that can run the course's programs here.
type Interpreter struct {
	Path       string // absolute path of python3
	Version    string // "3.11.2"
	HasAiohttp bool
	prlimit    string
	limits     Limits

	sandbox  *sandbox.Sandbox // set by Sandbox: every run in one
	flagSite json.RawMessage
	// reaper ends the stopped programs of runs without a sandbox (see
	// Reaper).
	reaper process.Reaper
}

// Reaper finishes the stopped programs of the runs behind them, once
// each run has returned (process.Reaper): the sandbox's, or the
// interpreter's own for programs run without one. Whoever ends the
// interpreter's use waits for it.
func (in *Interpreter) Reaper() *process.Reaper {
	if r := in.sandbox.Reaper(); r != nil {
		return r
	}
	return &in.reaper
}

// DefaultStopGrace is how long a stopped program has between SIGINT and
// SIGKILL: time to unwind its tasks and print where (2–5 ms on an idle
// machine). A program whose loop is frozen (a blocking call inside a
// coroutine) cannot take SIGINT and spends all of it, so it is short:
// the rest of the course's 100 ms is for a busy machine's delays in
// waking the server, the kill and the reaping (traced beside a busy
// session: 40–80 ms of them).
const DefaultStopGrace = 20 * time.Millisecond

// FlagsService and FlagsPort are the flag site a sandboxed program talks
// to: served by the sandbox itself on its own loopback.
const (
	FlagsService = "flags"
	FlagsPort    = 8000
)

// Sandbox makes every run of in a sandboxed one (package runner/sandbox):
// a root with /usr read-only and the program's folder, a network of its
// own with the flag site configured by flagSite on its loopback, the
// limits as rlimits. The interpreter must live under /usr.
func (in *Interpreter) Sandbox(sb *sandbox.Sandbox, flagSite json.RawMessage) error {
	if !strings.HasPrefix(in.Path, "/usr/") {
		return fmt.Errorf("python: %s is not under /usr, which is all a sandbox shows of the system", in.Path)
	}
	in.sandbox, in.flagSite = sb, flagSite
	return nil
}

// MinVersion is the oldest Python the programs are written for.
const MinVersion = "3.11"

// Find looks for an interpreter: each candidate in turn (a path, or a name
// looked up on PATH; "python3" and /usr/bin/python3 when none is given),
// preferring the first that is recent enough and has aiohttp, else the
// first that is recent enough. The error says what is missing and how to
// install it; the course runs its Go demos all the same.
func Find(ctx context.Context, lim Limits, candidates ...string) (*Interpreter, error) {
	if len(candidates) == 0 {
		candidates = []string{"python3", "/usr/bin/python3"}
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		return nil, errors.New("prlimit (util-linux) is not installed, so Python runs cannot be limited: apt-get install util-linux")
	}
	var found []*Interpreter
	var why []string
	seen := map[string]bool{}
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			why = append(why, fmt.Sprintf("%s: not found", c))
			continue
		}
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		if seen[path] {
			continue
		}
		seen[path] = true
		in, err := probe(ctx, path)
		if err != nil {
			why = append(why, fmt.Sprintf("%s: %v", c, err))
			continue
		}
		in.prlimit, in.limits = prlimit, lim
		found = append(found, in)
	}
	for _, in := range found {
		if in.HasAiohttp {
			return in, nil
		}
	}
	if len(found) > 0 {
		return found[0], nil
	}
	return nil, fmt.Errorf("no Python %s or newer (%s): apt-get install python3 python3-aiohttp", MinVersion, strings.Join(why, "; "))
}

// probe asks an interpreter its version and whether it has aiohttp, in one
// run, isolated as the programs will be.
func probe(ctx context.Context, path string) (*Interpreter, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	const script = `import sys, importlib.util
print("%d.%d.%d" % sys.version_info[:3])
print(importlib.util.find_spec("aiohttp") is not None)`
	cmd := exec.CommandContext(ctx, path, "-I", "-c", script)
	cmd.Env = scrubbedEnv()
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("does not run: %w", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return nil, fmt.Errorf("unexpected answer %q", out)
	}
	if !atLeast(lines[0], MinVersion) {
		return nil, fmt.Errorf("its version %s is older than %s", lines[0], MinVersion)
	}
	return &Interpreter{Path: path, Version: lines[0], HasAiohttp: lines[1] == "True"}, nil
}

// atLeast compares dotted versions numerically.
func atLeast(have, want string) bool {
	h, w := strings.Split(have, "."), strings.Split(want, ".")
	for i := range w {
		if i >= len(h) {
			return false
		}
		a, _ := strconv.Atoi(h[i])
		b, _ := strconv.Atoi(w[i])
		if a != b {
			return a > b
		}
	}
	return true
}

var importsAiohttp = regexp.MustCompile(`(?m)^\s*(?:import|from)\s+aiohttp\b`)

// CanRun says whether program can run on this interpreter, and if not, why
// and what to install.
func (in *Interpreter) CanRun(program []byte) (bool, string) {
	if importsAiohttp.Match(program) && !in.HasAiohttp {
		return false, fmt.Sprintf("这个程序要用 aiohttp，而服务器上的 Python %s 没有装：apt-get install python3-aiohttp（或 pip install aiohttp）", in.Version)
	}
	return true, ""
}

// scrubbedEnv is all a program gets of an environment.
func scrubbedEnv() []string {
	return []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/nonexistent", "TMPDIR=/nonexistent"}
}

// runEnv is a run's environment: its temporary files go in a folder of the
// run's own, removed when the run ends — a program killed on Stop cleans
// nothing up itself.
func runEnv(tmp string) []string {
	env := scrubbedEnv()
	env[len(env)-1] = "TMPDIR=" + tmp
	return env
}

// boot starts a program in isolated mode: -I leaves the script's own folder
// off sys.path, so boot puts back that folder (which holds only the program
// and walkthrough.py) and runs the script as __main__.
const boot = `import os, resource, runpy, sys
limit = int(os.environ.pop("WALKTHROUGH_AS_LIMIT", "0"))
if limit:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
folder, script = sys.argv[1], sys.argv[2]
sys.path.insert(0, folder)
sys.argv = sys.argv[2:]
runpy.run_path(script, run_name="__main__")`

// Program returns the run function of one program: name is its file name
// (for tracebacks), src its text.
func (in *Interpreter) Program(name string, src []byte) runner.RunFunc {
	return func(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
		return in.run(ctx, name, src, p, out, ev)
	}
}

func (in *Interpreter) run(ctx context.Context, name string, src []byte, p runner.Values, out io.Writer, ev runner.Events) error {
	dir, err := os.MkdirTemp("", "walkthrough-py-")
	if err != nil {
		return fmt.Errorf("python: %w", err)
	}
	defer in.Reaper().RemoveAll(ctx, dir)
	script := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(script, src, 0o444); err != nil {
		return fmt.Errorf("python: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "walkthrough.py"), helper, 0o444); err != nil {
		return fmt.Errorf("python: %w", err)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("python: %w", err)
	}
	var cmd *exec.Cmd
	if in.sandbox != nil {
		if cmd, err = in.sandboxed(dir, name, p); err != nil {
			return err
		}
	} else {
		cmd = in.plain(dir, script, tmp, p)
	}
	cmd.Stdout = out
	cmd.Stderr = out
	// Stop is SIGINT first: asyncio.run cancels the main task, and the
	// learner sees the CancelledError travel; what is left is killed.
	err = process.RunWith(ctx, cmd, func(events io.Reader) {
		process.Relay(events, ev, process.DefaultReportLimits(), nil)
	}, process.Options{Interrupt: cmp.Or(in.limits.StopGrace, DefaultStopGrace), Nice: in.limits.Nice, Reaper: in.Reaper()})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if exit.ExitCode() == sandbox.SetupExit {
				return fmt.Errorf("python: sandbox: %w", err)
			}
			return exitError(exit)
		}
		return fmt.Errorf("python: %w", err)
	}
	return nil
}

// sandboxed is the command of one run in a sandbox: the program's folder
// read-only at /prog, a small /tmp, the flag site on the sandbox's own
// loopback.
func (in *Interpreter) sandboxed(dir, name string, p runner.Values) (*exec.Cmd, error) {
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("python: %w", err)
	}
	loader, err := sandbox.Interpreter(in.Path)
	if err != nil {
		return nil, err
	}
	args := []string{"python3", "-I", "-X", "utf8", "-u", "-c", boot, "/prog", "/prog/" + filepath.Base(name),
		"--flags-url", "http://127.0.0.1:" + strconv.Itoa(FlagsPort)}
	for _, kv := range p.Sorted() {
		args = append(args, kv[0]+"="+kv[1])
	}
	lim := in.limits
	env := scrubbedEnv()
	env[len(env)-1] = "TMPDIR=/tmp"
	env = append(env, "WALKTHROUGH_AS_LIMIT="+strconv.FormatInt(lim.AddressSpace, 10))
	spec := sandbox.Spec{
		Path: in.Path, Args: args, Env: env, Dir: "/tmp",
		Mounts: []sandbox.Mount{{Host: "/usr", Inside: "/usr"}, {Host: dir, Inside: "/prog"}},
		Tmpfs:  []sandbox.Tmpfs{{Inside: "/tmp", Bytes: 16 << 20}},
		Exec:   []string{in.Path},
		Limits: sandbox.Limits{CPUSeconds: lim.CPUSeconds, AddrSpace: lim.AddressSpace,
			OpenFiles: lim.OpenFiles, Processes: 64, FileSize: 16 << 20},
		Services: []sandbox.Service{{Name: FlagsService, Port: FlagsPort, Config: in.flagSite}},
	}
	if exe, err := os.Executable(); err == nil && strings.HasPrefix(exe, "/usr/") {
		spec.Mounts = append(spec.Mounts, sandbox.Mount{Host: "/dev/null", Inside: exe})
	}
	if loader != "" {
		spec.Exec = append(spec.Exec, loader)
	}
	return in.sandbox.Command(spec)
}

// plain is the command of one run without a sandbox: prlimit's limits,
// a scrubbed environment, a temporary folder of its own.
func (in *Interpreter) plain(dir, script, tmp string, p runner.Values) *exec.Cmd {
	lim := in.limits
	args := []string{
		"--cpu=" + strconv.Itoa(lim.CPUSeconds),
		"--as=" + strconv.FormatInt(lim.AddressSpace, 10),
		"--nofile=" + strconv.Itoa(lim.OpenFiles),
		"--nproc=" + strconv.Itoa(lim.Processes),
		"--", in.Path, "-I", "-X", "utf8", "-u", "-c", boot, dir, script,
	}
	if url := p.FlagsURL(); url != "" {
		args = append(args, "--flags-url", url)
	}
	for _, kv := range p.Sorted() {
		args = append(args, kv[0]+"="+kv[1])
	}
	cmd := exec.Command(in.prlimit, args...)
	cmd.Dir = dir
	cmd.Env = runEnv(tmp)
	return cmd
}

// exitError says how a program ended, in the learner's terms.
func exitError(exit *exec.ExitError) error {
	sig, signaled := process.Signal(exit)
	if process.CPULimit(exit) || (signaled && sig == syscall.SIGKILL) {
		// Past the soft CPU limit comes SIGXCPU; a program that ignores
		// it meets SIGKILL at the hard one. (Stop's SIGKILL never gets
		// here: a stopped run's context is done.)
		return fmt.Errorf("the Python program was killed (%v): CPU limit reached", sig)
	}
	if signaled {
		return fmt.Errorf("the Python program was killed by %v", sig)
	}
	return fmt.Errorf("the Python program exited with status %d", exit.ExitCode())
}
