package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons"
)

// help asks for help and wants it on stdout, with exit 0 and nothing on
// stderr.
func help(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	if err != nil || exitCode(err) != 0 || errOut.Len() > 0 {
		t.Fatalf("%v: exit %d, %v, stderr %q", args, exitCode(err), err, errOut.String())
	}
	return out.String()
}

func TestHelpListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"-help"}, {"--help"}, {"help", "-h"}} {
		out := help(t, args...)
		for _, name := range []string{"serve", "list", "run", "help"} {
			// One line each: the name, then what it does.
			lines := regexp.MustCompile(`(?m)^  `+name+`\s+\S.*$`).FindAllString(out, -1)
			if len(lines) != 1 {
				t.Errorf("%v: %d lines for %s in\n%s", args, len(lines), name, out)
			}
		}
	}
}

// A command's help shows its usage and its flags; run's leaves out the
// socket's limits, which only matter to a server.
func TestCommandHelp(t *testing.T) {
	for _, tc := range []struct {
		args     [][]string
		has, not []string
	}{
		{
			args: [][]string{{"help", "serve"}, {"serve", "-h"}, {"-addr", ":0", "-h"}},
			has:  []string{"walkthrough [serve]", "-addr", "-runs-global", "-runs-per-conn", "-read-bytes", "-write-timeout", "-read-header-timeout", "-run-time", "-output-bytes", "-flags-url", "-flags-addr", "-flags-latency", "-flags-404", "-flags-error-rate", "-flags-seed"},
		},
		{
			args: [][]string{{"help", "run"}, {"run", "-h"}, {"run", "--help"}},
			has:  []string{"walkthrough run [flags] DEMO [name=value ...]", "run DEMO -h", "-events", "-run-time", "-output-bytes", "-flags-url", "-flags-latency"},
			not:  []string{"-runs-global", "-runs-per-conn", "-read-bytes", "-write-timeout", "-read-header-timeout", "\n  -addr"},
		},
		{
			args: [][]string{{"help", "list"}, {"list", "-h"}},
			has:  []string{"walkthrough list", "id<TAB>lesson<TAB>title"},
		},
		{
			args: [][]string{{"help", "help"}},
			has:  []string{"walkthrough help [COMMAND]"},
		},
	} {
		for _, args := range tc.args {
			out := help(t, args...)
			for _, s := range tc.has {
				if !strings.Contains(out, s) {
					t.Errorf("%v lacks %q:\n%s", args, s, out)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(out, s) {
					t.Errorf("%v shows %q:\n%s", args, s, out)
				}
			}
		}
	}
}

// A demo's help shows every parameter it declares: name, type, default,
// what it may be and what it does.
func TestDemoHelpShowsEveryParameter(t *testing.T) {
	catalog, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Every kind of parameter: int, float, duration, choice, durations.
	for _, id := range []string{"flags-semaphore", "spinner-thread", "hello-tasks"} {
		d, ok := catalog.Registry().Lookup(id)
		if !ok {
			t.Fatalf("no demo %s", id)
		}
		for _, args := range [][]string{{"run", id, "-h"}, {"run", "-events", id, "--help"}, {"help", "run", id}} {
			out := help(t, args...)
			if !strings.Contains(out, d.Title) {
				t.Errorf("%v lacks the title %q:\n%s", args, d.Title, out)
			}
			for _, p := range d.Params {
				line := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(p.Name) + ` .*$`).FindString(out)
				want := []string{string(p.Kind), p.Default, p.Min, p.Max, p.Help}
				if len(p.Choices) > 0 {
					want = append(want, strings.Join(p.Choices, " | "))
				}
				for _, w := range want {
					if line == "" || !strings.Contains(line, w) {
						t.Errorf("%v: parameter %s: line %q lacks %q", args, p.Name, line, w)
					}
				}
			}
		}
	}
}

func TestHelpUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"help", "dance"}, `unknown command "dance"`},
		// The load tester is a command of its own, not linked in here.
		{[]string{"load", "-clients", "5"}, `unknown command "load" (want serve, list, run or help; the load tester is walkthrough-load)`},
		{[]string{"help", "load"}, "walkthrough-load"},
		{[]string{"help", "serve", "extra"}, "help takes one command"},
		{[]string{"help", "run", "no-such-demo"}, `unknown demo "no-such-demo"`},
		{[]string{"run", "no-such-demo", "-h"}, `unknown demo "no-such-demo"`},
		{[]string{"list", "extra"}, "list takes no arguments"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), tc.args, &out, io.Discard)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tc.says) || out.Len() > 0 {
			t.Errorf("%v: exit %d, %v, stdout %q; want 2 saying %q", tc.args, exitCode(err), err, out.String(), tc.says)
		}
	}
}
