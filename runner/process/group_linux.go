package process

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// groupAttr puts a child in a session, and so a process group, of its
// own, killed if the server dies. A session rather than a bare group:
// where the kernel shares the CPU between sessions (autogroup scheduling,
// on a machine without CPU cgroups), a run's program is a group of its
// own, not one task among everything else the machine runs — a learner
// who starts a hundred threads does not crowd out the others' runs, and a
// program being stopped on a busy machine gets the CPU to end.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
}

// interruptGroup sends SIGINT to the child's whole process group.
func interruptGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
}

// killGroup kills the child's whole process group (its own children too).
func killGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// CPULimit says whether err is a child's end by its CPU-time rlimit:
// killed by SIGXCPU, or a sandbox shim's exit status for it (128+SIGXCPU).
func CPULimit(err error) bool {
	sig, ok := Signal(err)
	return ok && sig == syscall.SIGXCPU
}

// Signal is the signal that ended a child, directly or as a sandbox
// shim's exit status 128+n.
func Signal(err error) (syscall.Signal, bool) {
	exit, ok := err.(*exec.ExitError)
	if !ok {
		return 0, false
	}
	if st, ok := exit.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		return st.Signal(), true
	}
	if code := exit.ExitCode(); code > 128 && code < 128+65 {
		return syscall.Signal(code - 128), true
	}
	return 0, false
}

// yieldCPU lowers the priority of the session led by pid, its later
// processes and threads included, to nice. Where the kernel shares the
// CPU between sessions (autogroup), a session's weight is its
// autogroup's nice, not its tasks': that is set first, and covers what
// the session starts later. Where a CPU cgroup shares it instead (a
// service manager, a container), the tasks' own nice counts: that is set
// for the group as it is, and inherited by what it starts.
// Raising a nice value needs no privilege; a failure leaves the child
// at the server's priority, as before.
func yieldCPU(pid, nice int) {
	os.WriteFile(fmt.Sprintf("/proc/%d/autogroup", pid), []byte(strconv.Itoa(nice)), 0)
	syscall.Setpriority(syscall.PRIO_PGRP, pid, nice)
}
