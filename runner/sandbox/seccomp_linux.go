package sandbox

import (
	"fmt"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// allowed are the system calls a sandboxed program may make: what the Go
// runtime, glibc, CPython and the Go toolchain (with gcc, for -race) use
// to compute, allocate, run threads, wait, read and write files and talk
// over sockets. Everything else fails with EPERM — among them ptrace,
// process_vm_readv, mount, pivot_root, bpf, keyctl, perf_event_open,
// userfaultfd, unshare, setns, io_uring, the module, reboot and clock
// calls, mknod, chroot, setuid and friends, and setsid: where the kernel
// shares the CPU by session, a session is a share, and a program that
// forked a hundred sessions would take a hundred (and leave any nice the
// run has behind). execve is here because the shim itself starts the
// program with it; a Go program's guard refuses it from then on.
var allowed = []string{
	// memory
	"brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "msync", "membarrier",
	"mlock", "munlock", "memfd_create",
	// threads, signals, time
	"clone", "exit", "exit_group", "futex", "futex_waitv", "set_robust_list", "get_robust_list",
	"set_tid_address", "rseq", "arch_prctl", "gettid", "getpid", "getppid", "getpgid", "getpgrp",
	"getsid", "setpgid", "sched_yield", "sched_getaffinity", "sched_setaffinity",
	"sched_getparam", "sched_getscheduler", "sched_get_priority_max", "sched_get_priority_min",
	"getpriority", "getcpu", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigtimedwait", "rt_sigsuspend", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack",
	"kill", "tgkill", "tkill", "pause", "nanosleep", "clock_nanosleep", "clock_gettime",
	"clock_getres", "gettimeofday", "time", "times", "alarm", "getitimer", "setitimer",
	"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
	"timerfd_create", "timerfd_settime", "timerfd_gettime", "restart_syscall",
	// processes (fork is harmless: execve is the guard's, RLIMIT_NPROC counts)
	"fork", "vfork", "execve", "wait4", "waitid", "pidfd_open", "pidfd_send_signal",
	"prctl", "seccomp", "prlimit64", "getrlimit", "setrlimit", "getrusage", "sysinfo", "uname",
	"umask", "capget",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	// files
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2",
	"pwritev2", "open", "openat", "openat2", "creat", "close", "close_range", "dup", "dup2", "dup3",
	"lseek", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "access",
	"faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd",
	"chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
	"renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat",
	"fchmodat2", "chown", "fchown", "fchownat", "lchown", "utime", "utimes", "utimensat",
	"futimesat", "truncate", "ftruncate", "fallocate", "fsync", "fdatasync", "sync_file_range",
	"flock", "fcntl", "ioctl", "fadvise64", "readahead", "copy_file_range", "sendfile", "splice",
	"tee", "vmsplice", "pipe", "pipe2", "getxattr", "lgetxattr", "fgetxattr", "listxattr",
	"llistxattr", "flistxattr", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	"getrandom",
	// waiting on many things
	"select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4",
	// sockets (the namespace has a loopback and nothing else)
	"socket", "socketpair", "connect", "accept", "accept4", "bind", "listen", "shutdown",
	"getsockname", "getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg",
	"recvmsg", "sendmmsg", "recvmmsg",
}

// nsFlags are the clone flags that would make a namespace.
const nsFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

const (
	retAllow  = unix.SECCOMP_RET_ALLOW
	retKill   = unix.SECCOMP_RET_KILL_PROCESS
	retEPERM  = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	retENOSYS = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

// filterProgram assembles the allow-list for this machine's
// architecture. Names this architecture does not have (open on arm64,
// say) are skipped.
func filterProgram() ([]unix.SockFilter, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	nr := func(name string) (uint32, bool) {
		n, ok := info.SyscallNames[name]
		return uint32(n), ok
	}
	prog := []bpf.Instruction{
		// A program of another architecture's ABI gets nothing at all.
		bpf.LoadAbsolute{Off: 4, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(info.ID), SkipTrue: 1},
		bpf.RetConstant{Val: retKill},
		bpf.LoadAbsolute{Off: 0, Size: 4},
	}
	if info.ID == arch.X86_64.ID {
		// The x32 ABI numbers its calls with bit 30 set.
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: 0x40000000, SkipFalse: 1},
			bpf.RetConstant{Val: retKill})
	}
	if n, ok := nr("clone3"); ok {
		// Its flags sit in memory a filter cannot read; libc and Go fall
		// back to clone, whose flags it can.
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: n, SkipFalse: 1},
			bpf.RetConstant{Val: retENOSYS})
	}
	if n, ok := nr("clone"); ok {
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: n, SkipFalse: 4},
			bpf.LoadAbsolute{Off: 16, Size: 4}, // the low half of the first argument: flags
			bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: nsFlags, SkipFalse: 1},
			bpf.RetConstant{Val: retEPERM},
			bpf.RetConstant{Val: retAllow})
	}
	for _, name := range allowed {
		n, ok := nr(name)
		if !ok || name == "clone" {
			continue
		}
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: n, SkipFalse: 1},
			bpf.RetConstant{Val: retAllow})
	}
	prog = append(prog, bpf.RetConstant{Val: retEPERM})
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	out := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		out[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out, nil
}
