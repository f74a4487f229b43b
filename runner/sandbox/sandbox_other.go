//go:build !linux

package sandbox

import (
	"context"
	"errors"
	"os/exec"
	"runtime"

	"github.com/bingfa-manyou/walkthrough/runner/process"
)

// Sandbox is unavailable here: its namespaces, Landlock and seccomp are
// Linux's.
type Sandbox struct{ status Status }

// New returns a Sandbox whose Status says why there is none.
func New(context.Context) *Sandbox {
	return &Sandbox{status: Status{
		Reason: "沙箱需要 Linux（用户命名空间、seccomp、Landlock），这台机器是 " + runtime.GOOS,
		Detail: "sandbox: not available on " + runtime.GOOS,
	}}
}

// Main returns at once: nothing here is ever started as a shim.
func Main(map[string]ServeFunc) {}

func (s *Sandbox) Status() Status           { return s.status }
func (s *Sandbox) HostUser() (uid, gid int) { return -1, -1 }
func (s *Sandbox) Close() error             { return nil }

// Reaper is nil here: no sandbox runs, and a run without one waits for
// its child.
func (s *Sandbox) Reaper() *process.Reaper { return nil }

// ErrUnavailable is Command's error on a machine without sandboxes.
var ErrUnavailable = errors.New("sandbox: not available here")

// Command always fails here.
func (s *Sandbox) Command(Spec) (*exec.Cmd, error) { return nil, ErrUnavailable }
