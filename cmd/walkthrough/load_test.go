package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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

// Twenty clients, five places on the server, runs of one second: the first
// five run, the others are told busy, and everything is back to where it
// was afterwards.
func TestLoadInProcess(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"load", "-clients", "20", "-demo", "spinner-goroutine", "-params", "slow=1s,frame=50ms", "-runs-global", "5"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	report := out.String()
	t.Log("\n" + report)
	ok, busy := count(t, report, "exit ok"), count(t, report, "busy")
	if count(t, report, "connected") != 20 || ok+busy != 20 || ok < 5 || busy < 1 {
		t.Errorf("want 20 connected, each with exit ok or busy, at least 5 ok:\n%s", report)
	}
	if n := count(t, report, "exit failed") + count(t, report, "other error") + count(t, report, "no answer"); n != 0 {
		t.Errorf("%d clients failed:\n%s", n, report)
	}
	for _, want := range []string{"server in this process -runs-global=5", "run → first output", "peak RSS", ": back to baseline"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
}

// -addr measures a server that is already running, on loopback only.
func TestLoadAgainstRunningServer(t *testing.T) {
	base, stop := startServe(t)
	defer stop()
	var out bytes.Buffer
	args := []string{"load", "-clients", "5", "-demo", "spinner-thread", "-params", "slow=100ms,frame=20ms", "-addr", base}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if report := out.String(); count(t, report, "exit ok") != 5 || !strings.Contains(report, "server at "+base) {
		t.Errorf("report:\n%s", report)
	}
}

// -stop-after stops every run and times stop → exit.
func TestLoadStopAfter(t *testing.T) {
	var out bytes.Buffer
	args := []string{"load", "-clients", "4", "-demo", "spinner-goroutine", "-params", "slow=10s", "-stop-after", "100ms"}
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	report := out.String()
	if count(t, report, "exit stopped") != 4 || !strings.Contains(report, "stop → exit") || !strings.Contains(report, "(4 clients)") {
		t.Errorf("report:\n%s", report)
	}
}

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
	} {
		err := run(context.Background(), tc.args, io.Discard, io.Discard)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: exit %d, %v; want 2 saying %q", tc.args, exitCode(err), err, tc.says)
		}
	}
}

func TestParseParamList(t *testing.T) {
	got, err := parseParamList("limit=5, missing=CD,IR,latency=200ms,sleeps=1s,2s")
	want := map[string]string{"limit": "5", "missing": "CD,IR", "latency": "200ms", "sleeps": "1s,2s"}
	if err != nil || !maps.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i))
	}
	if p50, p99, p100 := percentile(d, 50), percentile(d, 99), percentile(d, 100); p50 != 50 || p99 != 99 || p100 != 100 {
		t.Errorf("p50 %v p99 %v p100 %v", p50, p99, p100)
	}
	if percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}
