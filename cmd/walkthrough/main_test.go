package main

import (
	"bytes"
	"context"
	"fmt"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) {
	sandbox.Main(sandboxServices()) // sandboxes start this test binary as their shim
	goleak.VerifyTestMain(m)
}

func TestListPrintsEveryDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"list"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	found := false
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			t.Errorf("line %q is not id<TAB>lesson<TAB>title", l)
		}
		if f[0] == "spinner-goroutine" && f[1] == "spinner" {
			found = true
		}
	}
	if !found {
		t.Errorf("spinner-goroutine not listed:\n%s", out.String())
	}
}

func TestRunDemoInTerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"run", "spinner-goroutine", "slow=100ms", "frame=20ms"}, &out, &errOut)
	if err != nil || exitCode(err) != 0 {
		t.Fatalf("err = %v, stderr %s", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "| thinking...\b") || !strings.HasSuffix(out.String(), "Answer: 42\n") {
		t.Errorf("output %q", out.String())
	}
}

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"run", "no-such-demo"}, 2, `unknown demo "no-such-demo"`},
		{[]string{"run", "spinner-thread", "slow=fast"}, 2, `parameter "slow"`},
		{[]string{"run", "spinner-thread", "sloww=1s"}, 2, `unknown parameter "sloww"`},
		{[]string{"run", "spinner-thread", "slow"}, 2, "name=value"},
		{[]string{"run", "spinner-goroutine", "slow=1s", "slow=2s"}, 2, `parameter "slow" is given twice`},
		{[]string{"run"}, 2, "usage"},
		{[]string{"run", "-runs-global", "5", "spinner-thread"}, 2, "flag provided but not defined: -runs-global"},
		{[]string{"run", "-run-time", "0s", "spinner-thread"}, 2, "-run-time must be positive"},
		{[]string{"dance"}, 2, `unknown command "dance"`},
		{[]string{"run", "-run-time", "50ms", "spinner-thread", "slow=10s", "frame=20ms"}, 1, "timeout"},
	} {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: exit %d, err %v; want %d saying %q", tc.args, exitCode(err), err, tc.code, tc.says)
		}
	}
}

// firstWrite is a demo's stdout that says when the demo has started
// writing.
type firstWrite struct {
	once    sync.Once
	started chan struct{}
}

func (w *firstWrite) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.started) })
	return len(p), nil
}

// Ctrl-C during run (the context main hands run is cancelled by SIGINT)
// stops the demo at once, says so, and exits 130.
func TestRunInterruptedExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &firstWrite{started: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run", "spinner-goroutine", "slow=10s", "frame=20ms"}, out, io.Discard)
	}()
	select {
	case <-out.started:
	case err := <-done:
		t.Fatalf("run ended before the demo wrote anything: %v", err)
	}
	interrupted := time.Now()
	cancel()
	select {
	case err := <-done:
		if code := exitCode(err); code != 130 || err.Error() != "demo spinner-goroutine stopped" {
			t.Errorf("exit %d with %v; want 130 with \"demo spinner-goroutine stopped\"", code, err)
		}
		// The run stops within its 100 ms promise; a wide margin here,
		// as other tests share the CPU.
		if took := time.Since(interrupted); took > 2*time.Second {
			t.Errorf("run returned %v after the interrupt", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the interrupt")
	}
}

// exitCode keeps the contract through wrapping; a run stopped by anything
// but an interrupt (the server, a timeout) is a failure.
func TestExitCodes(t *testing.T) {
	for err, want := range map[error]int{
		nil:                        0,
		usagef("bad"):              2,
		interruptedError{"demo x"}: 130,
		io.EOF:                     1,
		fmt.Errorf("demo x: %w", usagef("inner")):   2,
		fmt.Errorf("demo x: %w", runner.ErrStopped): 1,
	} {
		if got := exitCode(err); got != want {
			t.Errorf("exitCode(%v) = %d, want %d", err, got, want)
		}
	}
}
