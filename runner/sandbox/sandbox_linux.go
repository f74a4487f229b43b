package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"

	"github.com/bingfa-manyou/walkthrough/runner/process"
)

// nobody is the host user a sandbox runs as when the server is root: a
// learner's program never runs as the server's user, and an unprivileged
// server's sandbox runs as that server's own unprivileged user.
const nobody = 65534

// Sandbox starts sandboxed children of this binary.
type Sandbox struct {
	state    string // folder of the shim's copy and the mount point, removed by Close
	exe      string // the binary started as the shim
	root     string // the (empty) host folder each shim mounts its root on
	uid, gid int    // the host ids the sandbox's root maps to
	status   Status
	reaper   process.Reaper // the end of stopped sandboxes, which outlasts their runs

	closeOnce sync.Once
}

// New prepares sandboxes and checks, by setting one up, that this machine
// can run them. A machine that cannot gets a Sandbox all the same, whose
// Status says why not and whose Command refuses.
func New(ctx context.Context) *Sandbox {
	s := &Sandbox{uid: os.Geteuid(), gid: os.Getegid()}
	if s.uid == 0 {
		s.uid, s.gid = nobody, nobody
	}
	if v, err := ll.LandlockGetABIVersion(); err == nil {
		s.status.Landlock = v
	}
	if err := s.prepare(); err != nil {
		s.status = Status{Reason: "这台服务器无法准备沙箱", Detail: err.Error()}
		return s
	}
	if err := s.probe(ctx); err != nil {
		s.status.Reason = "这台服务器的内核不允许建立沙箱（需要用户命名空间）"
		s.status.Detail = err.Error()
		return s
	}
	s.status.Available = true
	return s
}

// Status says whether sandboxes run here.
func (s *Sandbox) Status() Status { return s.status }

// HostUser is the host user and group a sandbox's processes run as: the
// owner that folders a sandbox writes to (bound in writable) must have.
func (s *Sandbox) HostUser() (uid, gid int) { return s.uid, s.gid }

// Reaper is where a run hands a stopped sandbox the kernel has not yet
// finished ending (process.Options.Reaper): the run returns at once, and
// Close waits for it. A nil Sandbox (a run outside one) has none: its
// runs wait for their child.
func (s *Sandbox) Reaper() *process.Reaper {
	if s == nil {
		return nil
	}
	return &s.reaper
}

// Close waits for the stopped sandboxes still ending, then removes what
// New prepared.
func (s *Sandbox) Close() error {
	s.reaper.Wait()
	var err error
	s.closeOnce.Do(func() {
		if s.state != "" {
			err = os.RemoveAll(s.state)
		}
	})
	return err
}

func (s *Sandbox) prepare() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	state, err := os.MkdirTemp("", "walkthrough-sandbox-")
	if err != nil {
		return err
	}
	s.state = state
	if err := os.Chmod(state, 0o755); err != nil {
		return err
	}
	s.root = filepath.Join(state, "root")
	if err := os.Mkdir(s.root, 0o755); err != nil {
		return err
	}
	s.exe = exe
	if !reachableBy(exe, s.uid) {
		// A binary in a folder only its owner may enter (go test's
		// build folder, a home directory): the sandbox's user starts a
		// copy of it instead.
		// A hard link is instant; a copy is for another file system.
		s.exe = filepath.Join(state, "walkthrough-shim")
		if err := os.Link(exe, s.exe); err != nil {
			if err := copyFile(exe, s.exe); err != nil {
				return fmt.Errorf("copy the shim: %w", err)
			}
		}
		if err := os.Chmod(s.exe, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// reachableBy says whether uid may execute path, going by the mode bits
// of path and every folder above it.
func reachableBy(path string, uid int) bool {
	if uid == os.Geteuid() {
		return true
	}
	for p := path; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return false
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		need := os.FileMode(0o001)
		if st != nil && int(st.Uid) == uid {
			need = 0o100
		}
		if fi.Mode().Perm()&need == 0 {
			return false
		}
		if p == "/" || p == "." {
			return true
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// probe sets a sandbox up with nothing to run in it.
func (s *Sandbox) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, setupTimeout)
	defer cancel()
	// With a /proc of its own, as a build's: a container that masks /proc
	// (runc's default) allows namespaces but not that, and must fail here,
	// not at the first learner's build.
	cmd, err := s.command(Spec{Tmpfs: []Tmpfs{{Inside: "/tmp", Bytes: 1 << 20}}, Proc: true})
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// ErrUnavailable is Command's error on a machine without sandboxes.
var ErrUnavailable = errors.New("sandbox: not available here")

// Command returns the command that runs spec in a sandbox. The caller
// sets its Stdin, Stdout, Stderr and file descriptor 3 (ExtraFiles[0]),
// starts it — it is in a session, and so a process group, of its own (as
// runner/process starts every child, for the same reasons) — and kills
// that group to end everything in the sandbox at once.
func (s *Sandbox) Command(spec Spec) (*exec.Cmd, error) {
	if !s.status.Available {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, s.status.Detail)
	}
	return s.command(spec)
}

func (s *Sandbox) command(spec Spec) (*exec.Cmd, error) {
	text, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	cmd := &exec.Cmd{
		Path: s.exe,
		Args: []string{"walkthrough-sandbox"},
		Env:  []string{envMarker + "=1", envSpec + "=" + string(text), envRoot + "=" + s.root},
		Dir:  "/",
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS |
				syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | syscall.CLONE_NEWCGROUP,
			UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: s.uid, Size: 1}},
			GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: s.gid, Size: 1}},
			GidMappingsEnableSetgroups: false,
			// Become the namespace's root (the host's s.uid) before the
			// shim starts: a server running as root is not mapped into
			// the namespace, and would start the shim with no
			// capabilities there.
			Credential: &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true},
			Setsid:     true,
			Pdeathsig:  syscall.SIGKILL,
		},
		// A process that keeps the output pipes open past the shim's end
		// cannot exist (the namespace dies with the shim), but the wait
		// for them is bounded all the same.
		WaitDelay: time.Second,
	}
	return cmd, nil
}
