package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
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
	}
	return 0
}

func TestProgramRunsInside(t *testing.T) {
	sb := sandbox.New(context.Background())
	defer sb.Close()
	st := sb.Status()
	t.Logf("status %+v", st)
	if !st.Available {
		t.Fatal(st.Detail)
	}
	exe := reachableCopy(t)
	loader, err := sandbox.Interpreter(exe)
	if err != nil {
		t.Fatal(err)
	}
	for _, act := range []string{"hello", "read", "exec", "mount"} {
		spec := sandbox.Spec{
			Path: "/prog/test", Args: []string{"test"},
			Env:      []string{"SANDBOX_TEST_ACT=" + act, "SANDBOX_TEST_ARG=/etc/hostname,/prog/test,/proc/1/environ,/usr/bin/env"},
			Dir:      "/tmp",
			Mounts:   []sandbox.Mount{{Host: exe, Inside: "/prog/test"}, {Host: "/usr", Inside: "/usr"}},
			Tmpfs:    []sandbox.Tmpfs{{Inside: "/tmp", Bytes: 1 << 20}},
			Exec:     []string{"/prog/test", loader},
			Services: []sandbox.Service{{Name: "hello", Port: 8000}},
		}
		cmd, err := sb.Command(spec)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err = cmd.Run()
		t.Logf("%s: %v\n%s", act, err, out.String())
	}
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
