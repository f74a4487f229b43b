package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/runner/python"
	"github.com/bingfa-manyou/walkthrough/runner/runtimes"
)

// The exit code survives wrapping; any error that does not say otherwise
// is a failure.
func TestExitCode(t *testing.T) {
	for err, want := range map[error]int{
		nil:                              ExitOK,
		errors.New("boom"):               ExitFailed,
		Usagef("bad"):                    ExitUsage,
		fmt.Errorf("x: %w", Usagef("y")): ExitUsage,
		InterruptedError{What: "load"}:   ExitInterrupted,
		fmt.Errorf("x: %w", InterruptedError{What: "load"}): ExitInterrupted,
	} {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

// A flag that cannot work is a usage error naming it, before anything
// starts.
func TestCourseConfigNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-runs-global", "-1"}, "-runs-global must be at least 0"},
		{[]string{"-run-time", "0s"}, "-run-time must be positive"},
		{[]string{"-flags-addr", "10.0.0.1:0"}, "-flags-addr"},
		{[]string{"-flags-url", "ftp://x"}, "-flags-url"},
		{[]string{"-flags-404", "C1"}, "-flags-404"},
		{[]string{"-edit", "maybe"}, "-edit"},
		{[]string{"-public-url", "course.example"}, "-public-url"},
		{[]string{"-run-nice", "20"}, "-run-nice must be 0 to 19"},
		{[]string{"-run-nice", "-1"}, "-run-nice must be 0 to 19"},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		s := NewServerFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		_, err := s.CourseConfig()
		if ExitCode(err) != ExitUsage || !errorContains(err, tc.says) {
			t.Errorf("%v: %v (exit %d), want a usage error saying %q", tc.args, err, ExitCode(err), tc.says)
		}
	}
	// The defaults are a course.
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if cfg, err := NewServerFlags(fs).CourseConfig(); err != nil || cfg.FlagsAddr != "127.0.0.1:0" || cfg.Edit.Off {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
}

// -run-nice sets the nice of every kind of child run: Python's, the
// edits' builds and programs.
func TestRunNiceReachesEveryChildRun(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	s := NewServerFlags(fs)
	if err := fs.Parse([]string{"-run-nice", "9"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := s.CourseConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Python.Limits.Nice != 9 || cfg.Edit.Limits.Nice != 9 {
		t.Errorf("nice: Python %d, edits %d; want 9 and 9", cfg.Python.Limits.Nice, cfg.Edit.Limits.Nice)
	}
}

func errorContains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }

// The runtime flags become the course's typed runtime configuration: the
// words of the command line stop at the command line.
func TestRuntimeFlagsAreTyped(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		python runtimes.PythonConfig
		off    bool
		policy runtimes.SandboxPolicy
	}{
		{nil, runtimes.PythonConfig{}, false, runtimes.SandboxOrLocal},
		{[]string{"-python", "off", "-edit", "off"}, runtimes.PythonConfig{Off: true}, true, runtimes.SandboxOrLocal},
		{[]string{"-python", "/opt/py/bin/python3", "-edit-sandbox", "required"}, runtimes.PythonConfig{Path: "/opt/py/bin/python3"}, false, runtimes.SandboxRequired},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		s := NewServerFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		cfg, err := s.CourseConfig()
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if cfg.Python.Off != tc.python.Off || cfg.Python.Path != tc.python.Path || cfg.Python.Limits != python.DefaultLimits() {
			t.Errorf("%v: python %+v, want %+v with the default limits", tc.args, cfg.Python, tc.python)
		}
		if cfg.Edit.Off != tc.off || cfg.Edit.Sandbox != tc.policy {
			t.Errorf("%v: edit off %v, sandbox %v; want %v, %v", tc.args, cfg.Edit.Off, cfg.Edit.Sandbox, tc.off, tc.policy)
		}
	}
}
