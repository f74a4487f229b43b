package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

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
	args := []string{"load", "-clients", "5", "-demo", "spinner-goroutine", "-params", "slow=100ms,frame=20ms", "-runs-global", "5"}
	if err := c.run(context.Background(), args); err != nil {
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
	srv := startServe(t)
	var out bytes.Buffer
	args := []string{"load", "-clients", "5", "-demo", "spinner-thread", "-params", "slow=100ms,frame=20ms", "-addr", srv.URL}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if report := out.String(); count(t, report, "exit ok") != 5 || !strings.Contains(report, "server at "+srv.URL) {
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
		{[]string{"load", "-addr", "http://example.com"}, "not on loopback"},
		{[]string{"load", "-addr", "http://10.0.0.1:8080"}, "not on loopback"},
		{[]string{"load", "-addr", "ftp://127.0.0.1"}, "is not a URL"},
		{[]string{"load", "-addr", "http://127.0.0.1:1", "-runs-global", "5"}, "apply only to a server started by load"},
		{[]string{"load", "-clients", "0"}, "between 1 and"},
		{[]string{"load", "-clients", "100000"}, "between 1 and"},
		{[]string{"load", "-params", "oops"}, "name=value"},
		{[]string{"load", "extra"}, "flags only"},
		{[]string{"load", "-demo", "no-such-demo"}, `unknown demo "no-such-demo"`},
		{[]string{"load", "-demo", "spinner-thread", "-params", "sloww=1s"}, `unknown parameter "sloww"`},
		{[]string{"load", "-demo", "spinner-thread", "-params", "slow=fast"}, `parameter "slow"`},
		{[]string{"load", "-params", "slow=1s,slow=2s"}, `parameter "slow" is given twice`},
		{[]string{"load", "-runs-global", "-1"}, "-runs-global must be at least 0"},
		{[]string{"load", "-stop-after", "-1s"}, "-stop-after must not be negative"},
		{[]string{"load", "-nope"}, "flag provided but not defined: -nope"},
	} {
		c := &command{stdout: io.Discard, stderr: io.Discard, listen: func(string, string) (net.Listener, error) {
			t.Errorf("%v: load started a server", tc.args)
			return nil, errors.New("no listening in this test")
		}}
		err := c.run(context.Background(), tc.args)
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
	args := []string{"load", "-scenario", "storm", "-duration", "300ms", "-idle", "50ms",
		"-connect-burst", "5", "-connect-rate", "0.001", "-start-burst", "3", "-start-rate", "0.001"}
	if err := c.run(context.Background(), args); err != nil {
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
		{[]string{"load", "-scenario", "nope"}, `-scenario "nope": want one of clicks, hog, bad-frames, ping-flood, storm`},
		{[]string{"load", "-scenario", "hog", "-clients", "5"}, "-clients does not apply to -scenario hog (only to clicks)"},
		{[]string{"load", "-scenario", "bad-frames", "-params", "slow=1s"}, "-params does not apply to -scenario bad-frames"},
		{[]string{"load", "-hog-pages", "3"}, "-hog-pages does not apply to -scenario clicks"},
		{[]string{"load", "-scenario", "hog", "-hog-pages", "0"}, "-hog-pages must be between 1 and"},
		{[]string{"load", "-scenario", "hog", "-addresses", "30"}, "-addresses must be between 0 and 20"},
		{[]string{"load", "-scenario", "hog", "-hog-params", "slow=1h"}, `parameter "slow"`},
		{[]string{"load", "-scenario", "hog", "-addr", "http://[::1]:1"}, "-addr"},
		{[]string{"load", "-scenario", "storm", "-server-pid", "5"}, "-server-pid names the process of a server given as Target"},
		{[]string{"load", "-scenario", "storm", "-duration", "-1s"}, "-duration must be positive"},
		{[]string{"load", "-scenario", "ping-flood", "-idle", "2h"}, "-idle must be positive and at most 1m0s"},
		{[]string{"load", "-clients", "3", "-addresses", "4"}, "-addresses must be between 0 and the 3 clients"},
	} {
		c := &command{stdout: io.Discard, stderr: io.Discard, listen: func(string, string) (net.Listener, error) {
			t.Errorf("%v: load started a server", tc.args)
			return nil, errors.New("no listening in this test")
		}}
		err := c.run(context.Background(), tc.args)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: exit %d, %v; want 2 saying %q", tc.args, exitCode(err), err, tc.says)
		}
	}
}

// load's help names every scenario and the flags that shape them.
func TestLoadHelpNamesTheScenarios(t *testing.T) {
	out := help(t, "load", "-h")
	for _, want := range []string{"-scenario", "clicks, hog, bad-frames, ping-flood, storm", "-duration", "-idle", "-server-pid",
		"-hog-pages", "-hog-runs", "-hog-sockets", "-hog-params", "-hog-only", "-learners", "-addresses"} {
		if !strings.Contains(out, want) {
			t.Errorf("load -h lacks %q", want)
		}
	}
}
