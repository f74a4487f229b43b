package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// run -python runs the demo's asyncio program with the same parameters,
// its output on stdout, the flag site the course's own.
func TestRunPythonInTerminal(t *testing.T) {
	lessontest.FindPython(t)
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"run", "-python", "hello-tasks", "durations=60ms,20ms"}, &out, &errOut)
	if err != nil {
		t.Fatalf("err = %v, stderr %s", err, errOut.String())
	}
	want := `[<t>] task 1 starts (sleeps <t>)
[<t>] task 2 starts (sleeps <t>)
[<t>] task 2 done
[<t>] task 1 done
results in submission order: [task 1 slept <t>, task 2 slept <t>]
total <t> — the longest task, not the sum (<t>)
`
	if got := lessontest.MaskTimes(out.String()); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}

	// A download program gets the built-in flag site, and -events prints
	// the program's timeline as for a Go demo.
	out.Reset()
	errOut.Reset()
	err = run(context.Background(), []string{"run", "-python", "-events", "flags-sequential", "count=3", "latency=1ms"}, &out, &errOut)
	if err != nil {
		t.Fatalf("err = %v, stderr %s", err, errOut.String())
	}
	if got := lessontest.Screen(lessontest.MaskTimes(out.String())); got != "CN IN US\n3 flags downloaded in <t>\n" {
		t.Errorf("screen %q", got)
	}
	for _, task := range []string{"start  CN", "end    CN ok", "end    US ok"} {
		if !strings.Contains(errOut.String(), task) {
			t.Errorf("events lack %q:\n%s", task, errOut.String())
		}
	}
}

// The exit codes of run hold for -python: 2 for a demo or parameter the
// learner got wrong (checked before any interpreter is looked for), 1 for
// a program that fails or an interpreter that is missing, with what to
// install.
func TestRunPythonExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"run", "-python", "no-such-demo"}, 2, `unknown demo "no-such-demo"`},
		{[]string{"run", "-python", "spinner-thread", "slow=fast"}, 2, `parameter "slow"`},
		{[]string{"run", "-python", "spinner-thread", "sloww=1s"}, 2, `unknown parameter "sloww"`},
		{[]string{"run", "spinner-thread", "-python"}, 2, "flag -python comes before the demo"},
		{[]string{"run", "-python=/nonexistent/python3", "hello-tasks"}, 1, "apt-get install python3 python3-aiohttp"},
	} {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: exit %d, err %v; want %d saying %q", tc.args, exitCode(err), err, tc.code, tc.says)
		}
	}

	lessontest.FindPython(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"run", "-python", "three-stages-sequential", "fail=2", "latency=10ms"}, "demo three-stages-sequential: the Python program exited with status 1"},
		{[]string{"run", "-python", "-run-time", "300ms", "spinner-thread", "slow=10s"}, "demo spinner-thread: timeout"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), tc.args, &out, io.Discard)
		if exitCode(err) != 1 || err == nil || err.Error() != tc.says {
			t.Errorf("%v: exit %d, err %v; want 1 with %q\n%s", tc.args, exitCode(err), err, tc.says, out.String())
		}
	}
}

// Ctrl-C during run -python kills the program at once, says so and exits
// 130, as for a Go demo.
func TestRunPythonInterruptedExits130(t *testing.T) {
	lessontest.FindPython(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &firstWrite{started: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run", "-python", "spinner-goroutine", "slow=10s", "frame=20ms"}, out, io.Discard)
	}()
	select {
	case <-out.started:
	case err := <-done:
		t.Fatalf("run ended before the program wrote anything: %v", err)
	}
	interrupted := time.Now()
	cancel()
	select {
	case err := <-done:
		if code := exitCode(err); code != 130 || err.Error() != "demo spinner-goroutine stopped" {
			t.Errorf("exit %d with %v; want 130 with \"demo spinner-goroutine stopped\"", code, err)
		}
		// The process group is killed within the 100 ms promise; a wide
		// margin here, as other tests share the CPU.
		if took := time.Since(interrupted); took > 2*time.Second {
			t.Errorf("run returned %v after the interrupt", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the interrupt")
	}
}

// A demo's help says how to run its asyncio program; run's help lists the
// flag.
func TestRunHelpMentionsPython(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"run", "hello-tasks", "-h"}, "Its asyncio program, hello_tasks.py, takes the same parameters"},
		{[]string{"run", "hello-tasks", "-h"}, "walkthrough run -python hello-tasks [name=value ...]"},
		{[]string{"help", "run", "flags-semaphore"}, "walkthrough run -python flags-semaphore"},
		{[]string{"help", "run"}, "-python"},
	} {
		if out := help(t, tc.args...); !strings.Contains(out, tc.says) {
			t.Errorf("%v lacks %q:\n%s", tc.args, tc.says, out)
		}
	}
}
