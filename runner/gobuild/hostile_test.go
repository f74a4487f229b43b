package gobuild_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/gobuild"
)

// hostile is a learner's program that tries, one after another, what a
// sandbox must stop; each attempt prints OK (it was stopped) or ESCAPED.
// %[1]s is a host path it must not read, %[2]s a host port it must not
// reach, %[3]s a host unix socket.
const hostile = `package semaphore

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

func try(out io.Writer, what string, err error) {
	if err == nil {
		fmt.Fprintln(out, "ESCAPED", what)
		return
	}
	fmt.Fprintln(out, "OK", what)
}

func flagsSemaphore(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	for _, f := range []string{"/etc/hostname", "/etc/shadow", "/proc/1/environ", "/proc/self/environ", %[1]q} {
		_, err := os.ReadFile(f)
		try(out, "read "+f, err)
	}
	for _, f := range []string{"/etc/evil", "/prog/evil", "/evil", "/usr/evil"} {
		try(out, "write "+f, os.WriteFile(f, []byte("x"), 0o644))
	}
	big := make([]byte, 1<<20)
	var err error
	for i := 0; i < 64 && err == nil; i++ {
		var f *os.File
		if f, err = os.OpenFile(fmt.Sprintf("/tmp/fill%%d", i), os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_, err = f.Write(big)
			f.Close()
		}
	}
	try(out, "write 64 MiB to /tmp", err)
	try(out, "exec /bin/sh", exec.Command("/bin/sh", "-c", "true").Run())
	_, err = syscall.ForkExec("/prog/main", []string{"main"}, nil)
	try(out, "exec itself", err)
	for _, addr := range []string{"127.0.0.1:" + %[2]q, "192.0.2.1:80", "[::1]:" + %[2]q} {
		c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if err == nil {
			c.Close()
		}
		try(out, "dial "+addr, err)
	}
	c, err := net.Dial("unix", %[3]q)
	if err == nil {
		c.Close()
	}
	try(out, "dial the server's unix socket", err)
	try(out, "signal pid 1 from outside", syscall.Kill(os.Getppid()+100000, syscall.SIGTERM))
	_, _, e := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_ATTACH, 1, 0)
	try(out, "ptrace the shim", errnoErr(e))
	try(out, "mount", syscall.Mount("tmpfs", "/tmp", "tmpfs", 0, ""))
	try(out, "unshare a user namespace", syscall.Unshare(syscall.CLONE_NEWUSER))
	lim := syscall.Rlimit{Cur: 1 << 40, Max: 1 << 40}
	try(out, "raise RLIMIT_DATA", syscall.Setrlimit(syscall.RLIMIT_DATA, &lim))
	try(out, "chroot", syscall.Chroot("/tmp"))
	try(out, "sethostname", syscall.Sethostname([]byte("evil")))
	// The multipart temporary file: an endless body into /tmp.
	body := io.MultiReader(strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n"), endless{})
	req, _ := http.NewRequest("POST", "http://x/", body)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	err = req.ParseMultipartForm(1 << 10)
	if err == nil {
		err = fmt.Errorf("parsed")
	}
	_ = multipart.ErrMessageTooLarge
	fmt.Fprintln(out, "multipart ended:", err != nil)
	for _, name := range []string{strings.Repeat("x", 1<<20), "fine"} {
		ev.Start(name)
		ev.End(name, strings.Repeat("s", 1<<10))
	}
	return nil
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}
`

// A learner's program is hostile native code: everything it tries beyond
// its sandbox fails, the server and another learner's run go on.
func TestHostileProgramReachesNothing(t *testing.T) {
	_, cat := builder(t)
	self, _ := os.Executable()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	sock := t.TempDir() + "/server.sock"
	ul, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ul.Close()

	// Another learner's run, beside it.
	other := make(chan runner.Result, 1)
	otherSrc := original(t, cat, "spinner-goroutine")
	go func() {
		res, err := runEditTo(t, context.Background(), "spinner-goroutine", otherSrc, map[string]string{"slow": "500ms"}, gobuild.Options{}, io.Discard)
		if err != nil {
			res.Err = err
		}
		other <- res
	}()

	src := fmt.Sprintf(hostile, self, port, sock)
	out, res := runEdit(t, context.Background(), "flags-semaphore", []byte(src), nil, gobuild.Options{})
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, out)
	}
	tried := 0
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "ESCAPED"):
			t.Error(line)
		case strings.HasPrefix(line, "OK"):
			tried++
		}
	}
	if tried < 20 || !strings.Contains(out, "multipart ended: true") {
		t.Errorf("only %d attempts reported:\n%s", tried, out)
	}
	// The 1 MiB task name was dropped; the short one came through, its
	// status cut to 200 bytes.
	if res.Tasks == nil || len(res.Tasks.Order) != 1 || res.Tasks.Order[0] != "fine" {
		t.Errorf("tasks %+v, want the one with a short name", res.Tasks)
	}
	if r := <-other; r.Err != nil {
		t.Errorf("the other learner's run: %v", r.Err)
	}
	// The host's /tmp holds nothing of the program's.
	if entries, _ := os.ReadDir(os.TempDir()); len(entries) > 0 {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "fill") || strings.HasPrefix(e.Name(), "multipart-") {
				t.Errorf("left on the host: %s", e.Name())
			}
		}
	}
}

// Programs that would exhaust something end with the limit named, and a
// setsid-and-fork escapee dies with its sandbox on Stop.
func TestHostileProgramsMeetTheirLimits(t *testing.T) {
	_, cat := builder(t)
	base := string(original(t, cat, "flags-semaphore"))
	body := func(code string) []byte {
		return []byte(strings.Replace(base, "\tbaseURL := p.FlagsURL()\n", code+"\n\tbaseURL := p.FlagsURL()\n", 1))
	}
	cases := []struct {
		name string
		code string
		want error
		// orCrash also takes the runtime's own crash on a signal: short
		// of memory, the collector has been seen to fault (once in 20
		// suites run beside another) instead of saying out of memory.
		orCrash bool
	}{
		{"allocate without end", `	var keep [][]byte
	for {
		keep = append(keep, make([]byte, 1<<20))
		keep[len(keep)-1][0] = 1
	}`, gobuild.ErrMemoryLimit, false},
		{"a million goroutines", `	block := make(chan struct{})
	for range 1_000_000 {
		go func() { <-block }()
	}`, gobuild.ErrMemoryLimit, true},
		{"a thread for each", `	for range 10_000 {
		go func() { runtime.LockOSThread(); select {} }()
	}
	time.Sleep(5 * time.Second)`, gobuild.ErrThreadLimit, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := body(c.code)
			if strings.Contains(c.code, "runtime.") {
				src = []byte(strings.Replace(string(src), "import (\n", "import (\n\t\"runtime\"\n", 1))
			}
			out, res := runEdit(t, context.Background(), "flags-semaphore", src, nil, gobuild.Options{})
			crashed := res.Err != nil && strings.HasPrefix(res.Err.Error(), "程序异常结束：SIG")
			if !errors.Is(res.Err, c.want) && !(c.orCrash && crashed) {
				t.Errorf("got %v, want %v\n%.2000s", res.Err, c.want, out)
			}
		})
	}
	t.Run("endless output", func(t *testing.T) {
		out, res := runEdit(t, context.Background(), "flags-semaphore", body(`	for {
		fmt.Fprintln(out, "flood")
	}`), nil, gobuild.Options{})
		if !strings.Contains(out, runner.TruncationNotice(1<<20)) || len(out) > 2<<20 {
			t.Errorf("output of %d bytes, %v", len(out), res.Err)
		}
	})
	t.Run("setsid and a double fork, then Stop", func(t *testing.T) {
		// The grandchild keeps the output pipe open: were it to survive
		// its sandbox, the run could not end until the pipe's bound.
		src := strings.Replace(string(body(`	msg := []byte("alive\n")
	nap := syscall.Timespec{Nsec: 50e6}
	if pid, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0); pid == 0 {
		syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0)
		if pid, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0); pid == 0 {
			for {
				syscall.RawSyscall(syscall.SYS_WRITE, 1, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
				syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&nap)), 0, 0)
			}
		}
		for {
			syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&nap)), 0, 0)
		}
	}
	fmt.Fprintln(out, "forked")
	<-ctx.Done()
	return ctx.Err()`)), "import (\n", "import (\n\t\"syscall\"\n\t\"unsafe\"\n", 1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stopped time.Time
		w := &watchFor{text: "alive", then: func() { stopped = time.Now(); cancel() }}
		res, err := runEditTo(t, ctx, "flags-semaphore", []byte(src), nil, gobuild.Options{}, w)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(stopped); stopped.IsZero() || took > 100*time.Millisecond {
			t.Errorf("stopped %v after Stop (zero: the escapee never wrote), want ≤ 100ms; %v", took, res.Err)
		}
		// The run may return before the kernel has ended its sandbox
		// (the sandbox's Reaper finishes that): once it has, no pipe of
		// the run is left open — nothing outlived the sandbox.
		fixture.sandbox.Reaper().Wait()
		if n := fixture.sandbox.Reaper().Outlived(); n != 0 {
			t.Errorf("%d stopped sandboxes left a process holding their pipes", n)
		}
	})
}
