package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/cmd/internal/cli"
	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/runner/sandbox"
	"github.com/bingfa-manyou/walkthrough/web"
)

func TestMain(m *testing.M) {
	sandbox.Main(cli.SandboxServices()) // sandboxes start this test binary as their shim
	goleak.VerifyTestMain(m)
}

func exitCode(err error) int { return cli.ExitCode(err) }

// catchListener listens as the command would, and sends the address it
// got on addrs.
func catchListener(addrs chan<- string) func(network, addr string) (net.Listener, error) {
	return func(network, addr string) (net.Listener, error) {
		ln, err := net.Listen(network, addr)
		if err == nil {
			addrs <- ln.Addr().String()
		}
		return ln, err
	}
}

// startCourse serves the course as walkthrough serve does, with serve's
// defaults, on a free loopback port until the test ends, and returns its
// base URL. Edits and Python are off: the clients click Go demos only.
func startCourse(t *testing.T) string {
	t.Helper()
	flags := cli.NewServerFlags(flag.NewFlagSet("serve", flag.ContinueOnError))
	cfg, err := flags.CourseConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Catalog, err = lessons.Load(); err != nil {
		t.Fatal(err)
	}
	cfg.Edit.Off, cfg.Python.Off, cfg.LoopbackOnly = true, true, true
	course, err := web.NewCourse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		course.Shutdown(context.Background())
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- course.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := course.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

// count reads "name   N" from load's report.
func count(t *testing.T, report, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+(\d+)`).FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no %q line in\n%s", name, report)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// The load command starts the course in this process, listening through
// the command's listen on a free loopback port, configured by serve's
// flags, and prints perf/load's report.
func TestLoadInProcess(t *testing.T) {
	var out, errOut bytes.Buffer
	addrs := make(chan string, 1)
	c := &command{stdout: &out, stderr: &errOut, listen: catchListener(addrs)}
	args := []string{"-clients", "5", "-demo", "spinner-goroutine", "-params", "slow=100ms,frame=20ms", "-runs-global", "5"}
	if err := c.load(context.Background(), args); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	report := out.String()
	if count(t, report, "exit ok") != 5 || !strings.Contains(report, "server in this process -runs-global=5") {
		t.Errorf("report:\n%s", report)
	}
	select {
	case addr := <-addrs:
		if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
			t.Errorf("the course listened on %s", addr)
		}
	default:
		t.Error("the course was not listened for through the command")
	}
}

// -addr measures a server that is already running, on loopback only.
func TestLoadAgainstRunningServer(t *testing.T) {
	url := startCourse(t)
	var out bytes.Buffer
	args := []string{"-clients", "5", "-demo", "spinner-thread", "-params", "slow=100ms,frame=20ms", "-addr", url}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if report := out.String(); count(t, report, "exit ok") != 5 || !strings.Contains(report, "server at "+url) {
		t.Errorf("report:\n%s", report)
	}
}

// Whatever is wrong, demo and parameters included, is found before any
// server or client starts, and exits 2 as for run.
func TestLoadUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-addr", "http://example.com"}, "not on loopback"},
		{[]string{"-addr", "http://10.0.0.1:8080"}, "not on loopback"},
		{[]string{"-addr", "ftp://127.0.0.1"}, "is not a URL"},
		{[]string{"-addr", "http://127.0.0.1:1", "-runs-global", "5"}, "apply only to a server started by load"},
		{[]string{"-clients", "0"}, "between 1 and"},
		{[]string{"-clients", "100000"}, "between 1 and"},
		{[]string{"-params", "oops"}, "name=value"},
		{[]string{"extra"}, "flags only"},
		{[]string{"help"}, "flags only, not [\"help\"] (walkthrough-load -h lists them)"},
		{[]string{"-nope"}, "flag provided but not defined: -nope (walkthrough-load -h lists its flags)"},
		{[]string{"-demo", "no-such-demo"}, `unknown demo "no-such-demo"`},
		{[]string{"-demo", "spinner-thread", "-params", "sloww=1s"}, `unknown parameter "sloww"`},
		{[]string{"-demo", "spinner-thread", "-params", "slow=fast"}, `parameter "slow"`},
		{[]string{"-params", "slow=1s,slow=2s"}, `parameter "slow" is given twice`},
		{[]string{"-runs-global", "-1"}, "-runs-global must be at least 0"},
		{[]string{"-stop-after", "-1s"}, "-stop-after must not be negative"},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
	} {
		c := &command{stdout: io.Discard, stderr: io.Discard, listen: func(string, string) (net.Listener, error) {
			t.Errorf("%v: load started a server", tc.args)
			return nil, errors.New("no listening in this test")
		}}
		err := c.load(context.Background(), tc.args)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: exit %d, %v; want 2 saying %q", tc.args, exitCode(err), err, tc.says)
		}
	}
}

// -scenario runs one of perf/load's attacks against the course started in
// this process, configured by serve's flags, and prints its report.
func TestLoadScenarioInProcess(t *testing.T) {
	var out, errOut bytes.Buffer
	addrs := make(chan string, 1)
	c := &command{stdout: &out, stderr: &errOut, listen: catchListener(addrs)}
	args := []string{"-scenario", "storm", "-duration", "300ms", "-idle", "50ms",
		"-connect-burst", "5", "-connect-rate", "0.001", "-start-burst", "3", "-start-rate", "0.001"}
	if err := c.load(context.Background(), args); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	report := out.String()
	if count(t, report, "runs started") != 3 || !strings.Contains(report, "-connect-burst=5") || !strings.Contains(report, "slow=10s") {
		t.Errorf("report:\n%s", report)
	}
	select {
	case addr := <-addrs:
		if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
			t.Errorf("the course listened on %s", addr)
		}
	default:
		t.Error("the course was not listened for through the command")
	}
}

// A flag that means nothing to the scenario chosen, or a value a scenario
// cannot run with, is a usage error found before anything starts.
func TestLoadScenarioUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-scenario", "nope"}, `-scenario "nope": want one of clicks, hog, bad-frames, ping-flood, storm`},
		{[]string{"-scenario", "hog", "-clients", "5"}, "-clients does not apply to -scenario hog (only to clicks)"},
		{[]string{"-scenario", "bad-frames", "-params", "slow=1s"}, "-params does not apply to -scenario bad-frames"},
		{[]string{"-hog-pages", "3"}, "-hog-pages does not apply to -scenario clicks"},
		{[]string{"-scenario", "hog", "-hog-pages", "0"}, "-hog-pages must be between 1 and"},
		{[]string{"-scenario", "hog", "-addresses", "30"}, "-addresses must be between 0 and 20"},
		{[]string{"-scenario", "hog", "-hog-params", "slow=1h"}, `parameter "slow"`},
		{[]string{"-scenario", "hog", "-addr", "http://[::1]:1"}, "-addr"},
		{[]string{"-scenario", "storm", "-server-pid", "5"}, "-server-pid names the process of a server given as Target"},
		{[]string{"-scenario", "storm", "-duration", "-1s"}, "-duration must be positive"},
		{[]string{"-scenario", "ping-flood", "-idle", "2h"}, "-idle must be positive and at most 1m0s"},
		{[]string{"-clients", "3", "-addresses", "4"}, "-addresses must be between 0 and the 3 clients"},
	} {
		c := &command{stdout: io.Discard, stderr: io.Discard, listen: func(string, string) (net.Listener, error) {
			t.Errorf("%v: load started a server", tc.args)
			return nil, errors.New("no listening in this test")
		}}
		err := c.load(context.Background(), tc.args)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: exit %d, %v; want 2 saying %q", tc.args, exitCode(err), err, tc.says)
		}
	}
}

// -h (and every other way the flag package asks for help) prints the
// command's help on stdout, nothing on stderr, exit 0, as walkthrough's
// commands do; it names every scenario, the flags that shape them, and
// serve's flags for the course it starts.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"-clients", "5", "-h"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, &out, &errOut)
		if err != nil || exitCode(err) != 0 || errOut.Len() > 0 {
			t.Fatalf("%v: exit %d, %v, stderr %q", args, exitCode(err), err, errOut.String())
		}
		for _, want := range []string{"Usage: walkthrough-load [flags]", "-scenario", "clicks, hog, bad-frames, ping-flood, storm",
			"-clients", "-demo", "-params", "-addr", "-timeout", "-stop-after", "-duration", "-idle", "-server-pid",
			"-hog-pages", "-hog-runs", "-hog-sockets", "-hog-params", "-hog-only", "-learners", "-addresses",
			"-runs-global", "-flags-latency", "(server in this process)"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v lacks %q:\n%s", args, want, out.String())
			}
		}
	}
}

// Ctrl-C (the context ending) stops the load with exit code 130, as it
// stops walkthrough run; the course in this process is shut down with it.
func TestLoadInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &command{stdout: io.Discard, stderr: io.Discard, listen: func(network, addr string) (net.Listener, error) {
		cancel() // the moment the course listens
		return net.Listen(network, addr)
	}}
	start := time.Now()
	err := c.load(ctx, []string{"-clients", "3", "-demo", "spinner-goroutine", "-params", "slow=10s"})
	if exitCode(err) != 130 || err.Error() != "load stopped" {
		t.Errorf("exit %d, %v; want 130, load stopped", exitCode(err), err)
	}
	if took := time.Since(start); took > 9*time.Second {
		t.Errorf("the load took %v to stop: it waited for the 10 s runs", took)
	}
}
