//go:build linux

package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner/process"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

func TestMain(m *testing.M) {
	sandbox.Main(map[string]sandbox.ServeFunc{"hello": func(l net.Listener, cfg json.RawMessage) error {
		return http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello from the sandbox") }))
	}})
	if act := os.Getenv("SANDBOX_TEST_ACT"); act != "" {
		os.Exit(inside(act))
	}
	os.Exit(m.Run())
}

// inside runs in the sandbox: each act tries one thing and prints what happened.
func inside(act string) int {
	switch act {
	case "hello":
		fmt.Println("uid", os.Getuid(), "pid", os.Getpid())
		resp, err := http.Get("http://127.0.0.1:8000/")
		if err != nil {
			fmt.Println("get:", err)
			return 1
		}
		defer resp.Body.Close()
		b := new(bytes.Buffer)
		b.ReadFrom(resp.Body)
		fmt.Println(b.String())
	case "read":
		for _, p := range strings.Split(os.Getenv("SANDBOX_TEST_ARG"), ",") {
			_, err := os.ReadFile(p)
			fmt.Println(p, err == nil, err)
		}
	case "exec":
		err := exec.Command("/bin/sh", "-c", "echo escaped").Run()
		fmt.Println("exec", err)
	case "mount":
		fmt.Println("mount", syscall.Mount("tmpfs", "/tmp", "tmpfs", 0, ""))
	case "yield":
		_, err := syscall.Setsid()
		fmt.Println("setsid", err)
		os.NewFile(3, "events").WriteString("ready\n")
		time.Sleep(time.Hour) // until Stop
	}
	return 0
}

// newSandbox sets a sandbox up, or skips where the kernel cannot (and
// fails in CI, where it can).
func newSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb := sandbox.New(context.Background())
	t.Cleanup(func() { sb.Close() })
	if st := sb.Status(); !st.Available {
		testenv.Missing(t, "no sandbox here: %s", st.Detail)
	}
	return sb
}

// inSandbox runs this test binary's act inside a sandbox and returns
// what it printed.
func inSandbox(t *testing.T, sb *sandbox.Sandbox, act, arg string) string {
	t.Helper()
	cmd := command(t, sb, act, arg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", act, err, out.String())
	}
	return out.String()
}

// command is the command that runs this test binary's act inside a
// sandbox.
func command(t *testing.T, sb *sandbox.Sandbox, act, arg string) *exec.Cmd {
	t.Helper()
	exe := reachableCopy(t)
	loader, err := sandbox.Interpreter(exe)
	if err != nil {
		t.Fatal(err)
	}
	spec := sandbox.Spec{
		Path: "/prog/test", Args: []string{"test"},
		Env:      []string{"SANDBOX_TEST_ACT=" + act, "SANDBOX_TEST_ARG=" + arg},
		Dir:      "/tmp",
		Mounts:   []sandbox.Mount{{Host: exe, Inside: "/prog/test"}, {Host: "/usr", Inside: "/usr"}},
		Tmpfs:    []sandbox.Tmpfs{{Inside: "/tmp", Bytes: 1 << 20}},
		Exec:     []string{"/prog/test"},
		Services: []sandbox.Service{{Name: "hello", Port: 8000}},
	}
	if loader != "" {
		spec.Exec = append(spec.Exec, loader)
	}
	cmd, err := sb.Command(spec)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// Inside: root of its own namespaces, a flag-site-like service on its own
// loopback, and nothing of the host.
func TestProgramRunsInside(t *testing.T) {
	sb := newSandbox(t)
	if out := inSandbox(t, sb, "hello", ""); !strings.Contains(out, "uid 0") || !strings.Contains(out, "hello from the sandbox") {
		t.Errorf("hello: %s", out)
	}
	self, _ := os.Executable()
	out := inSandbox(t, sb, "read", "/etc/hostname,/etc/passwd,/proc/1/environ,/proc/self/exe,"+self+",/usr/bin/env")
	for _, want := range []string{
		"/etc/hostname false", "/proc/1/environ false", "/proc/self/exe false", self + " false",
		"/etc/passwd true", // the sandbox's own, one line
		"/usr/bin/env true",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("read: want %q in\n%s", want, out)
		}
	}
	if out := inSandbox(t, sb, "exec", ""); !strings.Contains(out, "exec fork/exec /bin/sh: permission denied") {
		t.Errorf("exec: %s", out)
	}
	if out := inSandbox(t, sb, "mount", ""); !strings.Contains(out, "mount operation not permitted") {
		t.Errorf("mount: %s", out)
	}
}

// A sandbox is one CPU share: where the kernel shares the CPU by
// session, the program stays in the session its shim leads (setsid is
// refused), so it cannot fork sessions to take more shares; and a nice
// value the run asks for holds for the whole session, the program's
// share included.
func TestSandboxIsOneCPUShare(t *testing.T) {
	sb := newSandbox(t)
	cmd := command(t, sb, "yield", "")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	var shim, program string
	var lookErr error
	process.RunWith(ctx, cmd, func(events io.Reader) {
		defer io.Copy(io.Discard, events)
		defer stop()
		// The read starts once the run has set its nice; the program
		// says when it has started (and tried setsid).
		if line, _ := bufio.NewReader(events).ReadString('\n'); line != "ready\n" {
			lookErr = fmt.Errorf("the program said %q, want ready", line)
			return
		}
		pid := cmd.Process.Pid
		if shim, lookErr = autogroup(pid); lookErr != nil {
			return
		}
		child, err := childOf(pid)
		if err != nil {
			lookErr = err
			return
		}
		program, lookErr = autogroup(child)
	}, process.Options{Nice: 7})
	if lookErr != nil {
		t.Fatalf("%v\n%s", lookErr, out.String())
	}
	if !strings.HasSuffix(shim, " nice 7") || program != shim {
		t.Errorf("autogroups: the shim's %q, the program's %q; want one, at nice 7", shim, program)
	}
	if !strings.Contains(out.String(), "setsid operation not permitted") {
		t.Errorf("the program's setsid: %s", out.String())
	}
}

// autogroup is the scheduling group of process pid and its nice value,
// as /proc says: "/autogroup-12 nice 7".
func autogroup(pid int) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/autogroup", pid))
	return strings.TrimSpace(string(b)), err
}

// childOf is the one child of process pid.
func childOf(pid int) (int, error) {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range stats {
		b, err := os.ReadFile(stat)
		if err != nil {
			continue // gone since the glob
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			return strconv.Atoi(filepath.Base(filepath.Dir(stat)))
		}
	}
	return 0, fmt.Errorf("process %d has no child", pid)
}

// reachableCopy is this test binary where the sandbox's user may read it.
func reachableCopy(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sandbox-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	self, _ := os.Executable()
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := dir + "/test"
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}
