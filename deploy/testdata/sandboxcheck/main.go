// Command sandboxcheck sets the course's sandbox up (runner/sandbox) the
// way a pod would: optionally under a seccomp allow-list read from an OCI
// profile, optionally with /proc masked as container runtimes mask it, as
// an unprivileged user. It prints one JSON line: whether the start-up probe
// found a sandbox, and whether a child without and with a /proc of its own
// (an edit's program; an edit's build) ran. deploy/sandbox_test.go builds
// it inside the course's module (go build -overlay) and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"

	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
)

type result struct {
	Probe    bool     `json:"probe"`
	Detail   string   `json:"detail,omitempty"`
	Program  string   `json:"program"` // "ok" or why not
	WithProc string   `json:"with_proc"`
	Unknown  []string `json:"unknown,omitempty"` // profile names this architecture lacks
}

func main() {
	sandbox.Main(nil)
	if os.Getenv("SANDBOXCHECK_INSIDE") != "" {
		return // the sandboxed child: it ran
	}
	profile := flag.String("seccomp", "", "OCI seccomp profile whose allow-list to run under")
	mask := flag.Bool("mask-proc", false, "mask /proc as runtimes do (needs root and a mount namespace of its own)")
	uid := flag.Int("uid", -1, "drop to this user and group first (needs root)")
	flag.Parse()
	var res result
	if *mask {
		// Nothing done here may reach the host's mounts: this process's
		// mount namespace is its own (the test starts it so), made private.
		if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
			fail("private mounts: %v", err)
		}
		for _, m := range []struct {
			from, to string
			flags    uintptr
		}{
			{"/dev/null", "/proc/timer_list", syscall.MS_BIND},
			{"/proc/sys", "/proc/sys", syscall.MS_BIND},
			{"", "/proc/sys", syscall.MS_BIND | syscall.MS_REMOUNT | syscall.MS_RDONLY},
		} {
			if err := syscall.Mount(m.from, m.to, "", m.flags, ""); err != nil {
				fail("mask %s: %v", m.to, err)
			}
		}
	}
	if *uid >= 0 {
		if err := syscall.Setgroups(nil); err != nil {
			fail("setgroups: %v", err)
		}
		if err := syscall.Setresgid(*uid, *uid, *uid); err != nil {
			fail("setgid: %v", err)
		}
		if err := syscall.Setresuid(*uid, *uid, *uid); err != nil {
			fail("setuid: %v", err)
		}
		// Changing users made the process undumpable: its children's
		// /proc files would stay root's, and it could not write their
		// uid_map. A process started as that user (the pod's server) is
		// dumpable.
		const prSetDumpable = 4
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 1, 0); e != 0 {
			fail("dumpable: %v", e)
		}
	}
	if *profile != "" {
		res.Unknown = loadProfile(*profile)
	}
	sb := sandbox.New(context.Background())
	defer sb.Close()
	st := sb.Status()
	res.Probe, res.Detail = st.Available, st.Detail
	exe, _ := os.Executable()
	for _, withProc := range []bool{false, true} {
		outcome := "ok"
		cmd, err := sb.Command(sandbox.Spec{
			Path: "/prog/check", Args: []string{"check"}, Env: []string{"SANDBOXCHECK_INSIDE=1"}, Dir: "/tmp",
			Mounts: []sandbox.Mount{{Host: exe, Inside: "/prog/check"}},
			Tmpfs:  []sandbox.Tmpfs{{Inside: "/tmp", Bytes: 1 << 20}},
			Exec:   []string{"/prog/check"}, Proc: withProc,
		})
		if err == nil {
			var out []byte
			if out, err = cmd.CombinedOutput(); err != nil {
				err = fmt.Errorf("%w: %s", err, out)
			}
		}
		if err != nil {
			outcome = err.Error()
		}
		if withProc {
			res.WithProc = outcome
		} else {
			res.Program = outcome
		}
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

// loadProfile puts this process (all its threads) under the profile's
// allow-list, EPERM for the rest, and returns the names this architecture
// does not have (runtimes skip them too).
func loadProfile(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var p struct {
		Syscalls []struct{ Names []string } `json:"syscalls"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		fail("%s: %v", path, err)
	}
	info, err := arch.GetInfo("")
	if err != nil {
		fail("%v", err)
	}
	var names, unknown []string
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			if _, ok := info.SyscallNames[n]; ok {
				names = append(names, n)
			} else {
				unknown = append(unknown, n)
			}
		}
	}
	err = seccomp.LoadFilter(seccomp.Filter{NoNewPrivs: true, Flag: seccomp.FilterFlagTSync, Policy: seccomp.Policy{
		DefaultAction: seccomp.ActionErrno,
		Syscalls:      []seccomp.SyscallGroup{{Action: seccomp.ActionAllow, Names: names}},
	}})
	if err != nil {
		fail("seccomp: %v", err)
	}
	return unknown
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sandboxcheck: "+format+"\n", args...)
	os.Exit(2)
}
