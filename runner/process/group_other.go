//go:build !linux

package process

import (
	"os/exec"
	"syscall"
)

// groupAttr: process groups and parent-death signals are Linux's here;
// elsewhere a child is killed alone (and the course runs no learner code
// there: package runner/sandbox is Linux's too).
func groupAttr() *syscall.SysProcAttr { return nil }

func killGroup(cmd *exec.Cmd) { cmd.Process.Kill() }

// yieldCPU: the child keeps the server's priority here.
func yieldCPU(pid, nice int) {}

// interruptGroup: no SIGINT for a child here; Stop kills it.
func interruptGroup(*exec.Cmd) {}

// CPULimit: no rlimits here.
func CPULimit(error) bool { return false }

// Signal: signals are Linux's here.
func Signal(error) (syscall.Signal, bool) { return 0, false }
