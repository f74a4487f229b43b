package sandbox

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Main turns this process into a sandbox shim if the server started it as
// one, and never returns then; otherwise it returns at once. Call it
// first thing in main (and in TestMain of tests that start sandboxes),
// with the services a spec may ask for.
func Main(services map[string]ServeFunc) {
	if os.Getenv(envMarker) != "1" {
		return
	}
	// Everything that restricts a thread (no_new_privs, Landlock,
	// capabilities, seccomp) is done on this thread, and the program is
	// forked from it: the child inherits exactly this thread's state,
	// while the shim's other threads serve the flag site.
	runtime.LockOSThread()
	os.Exit(shim(services))
}

func shim(services map[string]ServeFunc) int {
	fail := func(step string, err error) int {
		fmt.Fprintf(os.Stderr, "sandbox: %s: %v\n", step, err)
		return SetupExit
	}
	spec, err := readSpec(strings.NewReader(os.Getenv(envSpec)))
	if err != nil {
		return fail("spec", err)
	}
	os.Unsetenv(envMarker)
	os.Unsetenv(envSpec)
	root, ok := os.LookupEnv(envRoot)
	if !ok {
		return fail("root", errors.New("no mount point"))
	}
	os.Unsetenv(envRoot)
	if err := buildRoot(root, spec); err != nil {
		return fail("root", err)
	}
	if err := loopbackUp(); err != nil {
		return fail("loopback", err)
	}
	if err := unix.Sethostname([]byte("sandbox")); err != nil {
		return fail("hostname", err)
	}
	for _, s := range spec.Services {
		serve, ok := services[s.Name]
		if !ok {
			return fail("service", fmt.Errorf("no service %q in this binary", s.Name))
		}
		l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)))
		if err != nil {
			return fail("service "+s.Name, err)
		}
		go serve(l, s.Config) // runs until the shim exits
	}
	if err := setLimits(spec.Limits); err != nil {
		return fail("rlimits", err)
	}
	if err := restrictThread(spec); err != nil {
		return fail("restrict", err)
	}
	if spec.Path == "" {
		return 0 // a probe: the world was built, nothing to run
	}

	// Stop may begin with SIGINT to the whole group (a Python program's
	// asyncio.run cancels its main task): the program gets it, the shim
	// only notes it. A handler, not an ignore: the program must not
	// inherit an ignored SIGINT.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGINT)
	cmd := &exec.Cmd{Path: spec.Path, Args: spec.Args, Env: spec.Env, Dir: spec.Dir,
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		ExtraFiles: []*os.File{os.NewFile(3, "events")}}
	for i := range min(spec.ExtraOut, 4) {
		cmd.ExtraFiles = append(cmd.ExtraFiles, os.NewFile(uintptr(4+i), "out"))
	}
	if len(cmd.Args) == 0 {
		cmd.Args = []string{spec.Path}
	}
	if err := cmd.Start(); err != nil {
		return fail("start", err)
	}
	// Memory limits go on the program alone: the shim's own Go runtime
	// reserves more address space than a program may have. The program
	// runs a moment before they land; the course's programs set the same
	// limits on themselves first thing (the guard, Python's boot), so
	// that moment runs only the course's code.
	if err := limitMemory(cmd.Process.Pid, spec.Limits); err != nil {
		cmd.Process.Kill()
		return fail("rlimits", err)
	}
	err = cmd.Wait()
	// Returning from here ends pid 1 of the namespace: the kernel kills
	// whatever the program left behind.
	if cmd.ProcessState == nil {
		return fail("wait", err)
	}
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() {
		return 128 + int(st.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// buildRoot makes the sandbox's file system on the mount point root and
// switches to it.
func buildRoot(root string, spec Spec) error {
	// Nothing done here may reach the host's mount table.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m,mode=0755"); err != nil {
		return fmt.Errorf("root tmpfs: %w", err)
	}
	for _, m := range spec.Mounts {
		if err := bind(root, m); err != nil {
			return err
		}
	}
	for _, t := range spec.Tmpfs {
		target := filepath.Join(root, t.Inside)
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV)
		if !t.Exec {
			flags |= unix.MS_NOEXEC
		}
		if err := unix.Mount("tmpfs", target, "tmpfs", flags, fmt.Sprintf("size=%d,mode=0777", max(t.Bytes, 4096))); err != nil {
			return fmt.Errorf("tmpfs %s: %w", t.Inside, err)
		}
	}
	if spec.Proc {
		target := filepath.Join(root, "proc")
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		if err := unix.Mount("proc", target, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("proc: %w", err)
		}
	}
	for _, dev := range []string{"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"} {
		if err := bind(root, Mount{Host: dev, Inside: dev, Writable: true}); err != nil {
			return err
		}
	}
	// The merged /usr of today's distributions: /bin, /lib, ... are links.
	for _, dir := range []string{"/bin", "/sbin", "/lib", "/lib64"} {
		if to, err := os.Readlink(dir); err == nil {
			if _, err := os.Lstat(filepath.Join(root, dir)); errors.Is(err, os.ErrNotExist) {
				if err := os.Symlink(to, filepath.Join(root, dir)); err != nil {
					return err
				}
			}
		}
	}
	etc := filepath.Join(root, "etc")
	if err := os.MkdirAll(etc, 0o755); err != nil {
		return err
	}
	for name, text := range map[string]string{
		"hosts":  "127.0.0.1 localhost\n::1 localhost\n",
		"passwd": "learner:x:0:0:learner:/tmp:/nonexistent\n",
		"group":  "learner:x:0:\n",
	} {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(text), 0o644); err != nil {
			return err
		}
	}

	old := filepath.Join(root, ".old")
	if err := os.Mkdir(old, 0o700); err != nil {
		return err
	}
	if err := unix.PivotRoot(root, old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount("/.old", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount the host's root: %w", err)
	}
	if err := os.Remove("/.old"); err != nil {
		return err
	}
	// The root itself holds only mount points and /etc: read-only.
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("root read-only: %w", err)
	}
	return nil
}

// bind mounts m.Host on root+m.Inside, read-only unless m.Writable.
func bind(root string, m Mount) error {
	target := filepath.Join(root, m.Inside)
	fi, err := os.Stat(m.Host)
	if err != nil {
		return fmt.Errorf("bind %s: %w", m.Host, err)
	}
	if _, statErr := os.Lstat(target); statErr == nil {
		// Already there: a file masked inside an earlier bind.
	} else if fi.IsDir() {
		err = os.MkdirAll(target, 0o755)
	} else {
		if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				err = f.Close()
			}
		}
	}
	if err != nil {
		return fmt.Errorf("bind %s: %w", m.Inside, err)
	}
	if err := unix.Mount(m.Host, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", m.Host, err)
	}
	if m.Writable {
		return nil
	}
	// A read-only remount must keep the flags the kernel locked on the
	// source mount (nosuid, nodev, noexec, atime), or it is refused.
	var st unix.Statfs_t
	if err := unix.Statfs(target, &st); err != nil {
		return fmt.Errorf("bind %s: %w", m.Host, err)
	}
	flags := uintptr(unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID) |
		uintptr(st.Flags)&(unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_NOATIME|unix.MS_NODIRATIME|unix.MS_RELATIME)
	if err := unix.Mount("", target, "", flags, ""); err != nil {
		return fmt.Errorf("bind %s read-only: %w", m.Host, err)
	}
	return nil
}

// loopbackUp brings up lo, the one interface of a new network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

func setLimits(l Limits) error {
	set := func(res int, v uint64) error {
		if v == 0 {
			return nil
		}
		return unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v})
	}
	return errors.Join(
		set(unix.RLIMIT_CPU, uint64(l.CPUSeconds)),
		set(unix.RLIMIT_NOFILE, uint64(l.OpenFiles)),
		set(unix.RLIMIT_NPROC, uint64(l.Processes)),
		set(unix.RLIMIT_FSIZE, uint64(l.FileSize)),
		unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}),
	)
}

// limitMemory sets the memory rlimits of the program pid.
func limitMemory(pid int, l Limits) error {
	set := func(res int, v int64) error {
		if v == 0 {
			return nil
		}
		lim := unix.Rlimit{Cur: uint64(v), Max: uint64(v)}
		return unix.Prlimit(pid, res, &lim, nil)
	}
	return errors.Join(set(unix.RLIMIT_DATA, l.Data), set(unix.RLIMIT_AS, l.AddrSpace))
}

// restrictThread applies no_new_privs, Landlock, the loss of every
// capability and the seccomp filter to the calling (locked) thread, in
// that order: each later step could undo nothing of the earlier ones.
func restrictThread(spec Spec) error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if err := restrictFiles(spec); err != nil {
		return err
	}
	if err := dropCapabilities(); err != nil {
		return err
	}
	return loadSeccomp()
}

// Landlock rights: what a read-only, an executable and a writable place
// grant.
const (
	llRead  = ll.AccessFSReadFile | ll.AccessFSReadDir
	llExec  = llRead | ll.AccessFSExecute
	llWrite = llRead | ll.AccessFSWriteFile | ll.AccessFSRemoveDir | ll.AccessFSRemoveFile |
		ll.AccessFSMakeDir | ll.AccessFSMakeReg | ll.AccessFSMakeSym | ll.AccessFSMakeFifo |
		ll.AccessFSMakeSock | ll.AccessFSTruncate
	llFile = ll.AccessFSExecute | ll.AccessFSReadFile | ll.AccessFSWriteFile | ll.AccessFSTruncate
)

// restrictFiles is the second fence around the file system: even inside
// its own root, the program reads only what was bound in, writes only its
// writable places and executes only what the spec names. Where the
// kernel has no Landlock, the mount namespace is the fence.
func restrictFiles(spec Spec) error {
	var rules []landlock.Rule
	grant := func(rights landlock.AccessFSSet, path string) {
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
			rights &= llFile // a file has no directory rights to grant
		}
		rules = append(rules, landlock.PathAccess(rights, path))
	}
	canExec := map[string]bool{}
	for _, p := range spec.Exec {
		canExec[p] = true
		grant(llExec, p)
	}
	for _, m := range spec.Mounts {
		switch {
		case m.Writable:
			grant(llWrite, m.Inside)
		case !canExec[m.Inside]:
			grant(llRead, m.Inside)
		}
	}
	for _, t := range spec.Tmpfs {
		rights := landlock.AccessFSSet(llWrite)
		if t.Exec {
			rights |= ll.AccessFSExecute
		}
		grant(rights, t.Inside)
	}
	for _, dev := range []string{"/dev/null", "/dev/zero"} {
		grant(llRead|ll.AccessFSWriteFile, dev)
	}
	for _, p := range []string{"/dev/random", "/dev/urandom", "/etc"} {
		grant(llRead, p)
	}
	grant(ll.AccessFSReadDir, "/")
	if spec.Proc {
		grant(llRead, "/proc")
	}
	// The file system and the IPC scopes (signals and abstract unix
	// sockets reach nothing outside the sandbox's own domain). The network
	// is the namespace's: a loopback of its own, nothing else to reach.
	cfg := landlock.V11
	cfg.HandledAccessNet = 0 // the rawconn demo dials ports it listened on itself
	cfg = cfg.BestEffort()
	fd, flags, err := cfg.NewRulesetFD(rules...)
	if err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	if fd < 0 {
		return nil // no Landlock in this kernel
	}
	defer unix.Close(fd)
	if err := ll.LandlockRestrictSelf(fd, flags); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	return nil
}

// dropCapabilities leaves the thread (and what it starts) no capability,
// even as root of its user namespace, and no way to get one back.
func dropCapabilities() error {
	// linux/securebits.h: noroot and no_setuid_fixup, each locked, and
	// keep_caps locked off.
	const (
		noRoot, noRootLocked             = 1 << 0, 1 << 1
		noSetuidFixup, noSetuidFixupLock = 1 << 2, 1 << 3
		keepCapsLocked                   = 1 << 5
		secureBits                       = noRoot | noRootLocked | noSetuidFixup | noSetuidFixupLock | keepCapsLocked
	)
	if err := unix.Prctl(unix.PR_SET_SECUREBITS, secureBits, 0, 0, 0); err != nil {
		return fmt.Errorf("securebits: %w", err)
	}
	for c := 0; c <= unix.CAP_LAST_CAP; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("drop capability %d: %w", c, err)
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("ambient capabilities: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var none [2]unix.CapUserData
	if err := unix.Capset(&hdr, &none[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// loadSeccomp installs the allow-list on this thread only (no TSYNC: the
// shim's serving threads keep theirs; the program is forked from here).
func loadSeccomp() error {
	prog, err := filterProgram()
	if err != nil {
		return err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return fmt.Errorf("seccomp: %w", e)
	}
	return nil
}
