// Package sandbox runs a child program of the course — a learner's edited
// Go program, the build that compiles it, an asyncio program — where
// nothing it does reaches the server, the machine or the network.
//
// A sandboxed child is this very binary started again in new Linux
// namespaces (user, pid, mount, network, ipc, uts, cgroup). Before it runs
// the program it was asked to run, that first process — the shim, pid 1
// of the new pid namespace — builds the child's world:
//
//   - a root of its own: an empty tmpfs holding only what the spec binds
//     in, read-only (the toolchain, an interpreter, the program), plus
//     writable tmpfs directories with a size cap; no /proc, no /sys, four
//     device nodes; the host's root is unmounted;
//   - a network of its own: a loopback interface and nothing else, with the
//     services the spec asks for (the flag site) served on it by the shim
//     itself, so a program talks to a flag site and can reach nothing
//     outside its namespace — not the server, its metrics, the world;
//   - on the thread that starts the program: no_new_privs, a Landlock
//     domain (where the kernel has Landlock) that lets it read only what
//     was bound in, write only its tmpfs and execute only what the spec
//     names, no capabilities left, and a seccomp allow-list that refuses
//     ptrace, mount, bpf, keyctl, perf_event_open, userfaultfd, namespaces
//     and the like; rlimits on memory, CPU, files, file size and
//     processes, no core files.
//
// A Go program built for the sandbox also refuses execve for itself once
// it runs (package guard, linked into every edited program), so a learner's
// code cannot start another program even where the spec let the shim
// start this one.
//
// The shim waits for the program; when it returns, or when the server
// kills it (Stop, disconnect, time limit), the kernel kills every process
// left in the pid namespace at once: nothing survives through setsid or a
// double fork.
//
// Fail closed: Available says whether this machine can set a sandbox up,
// and why not; a course that cannot runs no learner code beyond loopback.
package sandbox

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Spec is one sandboxed child: what it runs and the world it runs in.
// Paths in Path, Dir, Mount.Inside, Tmpfs.Inside and Exec are inside the
// sandbox.
type Spec struct {
	Path string   // the program to start
	Args []string // its arguments, Args[0] included
	Env  []string // its whole environment
	Dir  string   // its working directory

	Mounts []Mount // host files and folders bound in
	Tmpfs  []Tmpfs // writable folders of its own, each with a size cap
	// Exec lists what may be executed (Landlock's execute right): the
	// program itself and, for a build, the toolchain's folders.
	Exec []string
	// ExecAfterStart keeps execve allowed for the program's own children:
	// the go command starts the compiler; a learner's program never gets
	// this (and its guard refuses execve anyway).
	ExecAfterStart bool

	Limits Limits

	// Proc mounts a /proc of the sandbox's own pid namespace: the go
	// command needs it. Never for a learner's program — it would show
	// the shim, a copy of the server's binary.
	Proc bool

	// Services the shim serves on the sandbox's own loopback before the
	// program starts, by name (see Main), each on its own port.
	Services []Service

	// ExtraOut passes the program file descriptors 4, 5, ... (this many)
	// from the shim's own, beside 3: more pipes for what it reports (an
	// execution trace). The caller sets them as ExtraFiles[1:].
	ExtraOut int `json:",omitempty"`
}

// Mount binds a host path into the sandbox.
type Mount struct {
	Host     string
	Inside   string
	Writable bool
}

// Tmpfs is a writable folder of the sandbox's own, gone with it.
type Tmpfs struct {
	Inside string
	Bytes  int64 // size cap
	Exec   bool  // whether files in it may be executed (mount without noexec)
}

// Service is something the shim serves to the program on the sandbox's
// loopback: Name picks the ServeFunc given to Main, Config is handed to
// it as is.
type Service struct {
	Name   string
	Port   int
	Config json.RawMessage
}

// Limits are the rlimits of the sandboxed program; zero leaves one unset.
type Limits struct {
	CPUSeconds int   // RLIMIT_CPU
	Data       int64 // RLIMIT_DATA: heap and other private writable memory
	AddrSpace  int64 // RLIMIT_AS
	OpenFiles  int   // RLIMIT_NOFILE
	Processes  int   // RLIMIT_NPROC: processes and threads of the sandbox's user
	FileSize   int64 // RLIMIT_FSIZE: the largest file it may write
}

// ServeFunc serves one service on l until the process ends. config is the
// Service's Config.
type ServeFunc func(l net.Listener, config json.RawMessage) error

// Status says whether sandboxes can be set up here.
type Status struct {
	Available bool
	Reason    string // why not, in Chinese, for the panel and /api/demos
	Landlock  int    // the kernel's Landlock ABI version, 0 without Landlock
	Detail    string // the underlying error, for the log
}

// SetupExit is the exit status of a shim that could not set the sandbox
// up; its standard error says why.
const SetupExit = 125

// The environment of a shim: the marker, its spec (JSON) and the host
// folder it mounts its root on. The shim removes all three before it
// starts the program.
const (
	envMarker = "WALKTHROUGH_SANDBOX_SHIM"
	envSpec   = "WALKTHROUGH_SANDBOX_SPEC"
	envRoot   = "WALKTHROUGH_SANDBOX_ROOT"
)

// setupTimeout bounds how long a shim may take to build its world.
const setupTimeout = 10 * time.Second

// readSpec reads the spec the server wrote on the shim's spec pipe.
func readSpec(r io.Reader) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("sandbox: read spec: %w", err)
	}
	return s, nil
}

// Interpreter is the dynamic loader a binary names (its ELF PT_INTERP),
// with links resolved, or "" for a static binary: a sandbox that runs a
// dynamically linked program must let the loader execute too.
func Interpreter(binary string) (string, error) {
	f, err := elf.Open(binary)
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
		if err != nil {
			return "", fmt.Errorf("sandbox: %s: %w", binary, err)
		}
		path := strings.TrimRight(string(b), "\x00")
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
		return path, nil
	}
	return "", nil
}
