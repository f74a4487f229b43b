package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
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
	if cfg, err := NewServerFlags(fs).CourseConfig(); err != nil || cfg.FlagsAddr != "127.0.0.1:0" || cfg.Edit != "on" {
		t.Errorf("defaults: %+v, %v", cfg, err)
	}
}

func errorContains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }
