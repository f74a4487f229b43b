//go:build linux && (amd64 || arm64) && walkthrough_guard

package guard

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

func init() {
	// The sandbox sets the program's memory limit a moment after it
	// starts; the guard sets it before any of the learner's code runs.
	if v, err := strconv.ParseUint(os.Getenv("WALKTHROUGH_DATA_LIMIT"), 10, 64); err == nil && v > 0 {
		lim := syscall.Rlimit{Cur: v, Max: v}
		if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &lim); err != nil {
			os.Stderr.WriteString("guard: " + err.Error() + "\n")
			os.Exit(125)
		}
	}
	os.Unsetenv("WALKTHROUGH_DATA_LIMIT")
	if err := refuseExec(); err != nil {
		// Without the guard the program must not run at all.
		os.Stderr.WriteString("guard: " + err.Error() + "\n")
		os.Exit(125)
	}
}

// The seccomp filter: the architecture must be this one, execve and
// execveat fail with EPERM, everything else goes on to the filters
// installed before (the sandbox's allow-list).
func refuseExec() error {
	var arch uint32
	var execve, execveat, seccomp uint32
	switch runtime.GOARCH {
	case "amd64":
		arch, execve, execveat, seccomp = 0xc000003e, 59, 322, 317
	case "arm64":
		arch, execve, execveat, seccomp = 0xc00000b7, 221, 281, 277
	}
	const (
		ldAbsW          = 0x20 // BPF_LD | BPF_W | BPF_ABS
		jeqK            = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
		retK            = 0x06 // BPF_RET | BPF_K
		allow           = 0x7fff0000
		kill            = 0x80000000
		errEPERM        = 0x00050000 | 1
		prSetNoNewPrivs = 38
	)
	filter := []syscall.SockFilter{
		{Code: ldAbsW, K: 4},
		{Code: jeqK, Jt: 1, Jf: 0, K: arch},
		{Code: retK, K: kill},
		{Code: ldAbsW, K: 0},
		{Code: jeqK, Jt: 2, Jf: 0, K: execve},
		{Code: jeqK, Jt: 1, Jf: 0, K: execveat},
		{Code: retK, K: allow},
		{Code: retK, K: errEPERM},
	}
	prog := syscall.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
		return e
	}
	// SECCOMP_SET_MODE_FILTER with SECCOMP_FILTER_FLAG_TSYNC: every
	// thread of the runtime, now and later, gets the filter.
	if _, _, e := syscall.RawSyscall(uintptr(seccomp), 1, 1, uintptr(unsafe.Pointer(&prog))); e != 0 {
		return e
	}
	return nil
}
