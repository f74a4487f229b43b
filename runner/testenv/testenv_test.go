package testenv

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that writes down how a test would have ended.
type recorder struct {
	testing.TB
	fatals, skips []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	runtime.Goexit()
}
func (r *recorder) Skip(args ...any) {
	r.skips = append(r.skips, fmt.Sprint(args...))
	runtime.Goexit()
}

// run calls f with r on a goroutine of its own, as testing runs a test.
func (r *recorder) run(f func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
}

// A missing need skips on a developer's machine and fails under CI; a
// need that is met does neither.
func TestMissingSkipsLocallyAndFailsOnCI(t *testing.T) {
	for _, c := range []struct {
		ci            string
		fatals, skips int
	}{{"", 0, 1}, {"false", 0, 1}, {"true", 1, 0}} {
		t.Setenv("CI", c.ci)
		r := &recorder{TB: t}
		r.run(func(tb testing.TB) { Need(tb, "nginx", fmt.Errorf("not installed")) })
		if len(r.fatals) != c.fatals || len(r.skips) != c.skips {
			t.Errorf("CI=%q: fatals %q, skips %q; want %d and %d", c.ci, r.fatals, r.skips, c.fatals, c.skips)
		}
		for _, m := range append(r.fatals, r.skips...) {
			if !strings.Contains(m, "no nginx here: not installed") {
				t.Errorf("CI=%q: %q does not say what is missing", c.ci, m)
			}
		}
		if c.fatals > 0 && !strings.Contains(r.fatals[0], ".ci/run") {
			t.Errorf("CI=%q: %q does not say where CI installs it", c.ci, r.fatals[0])
		}
		r = &recorder{TB: t}
		r.run(func(tb testing.TB) { Need(tb, "nginx", nil) })
		if len(r.fatals)+len(r.skips) != 0 {
			t.Errorf("CI=%q: a need that is met: fatals %q, skips %q", c.ci, r.fatals, r.skips)
		}
	}
}

// CHROME_PATH that names nothing is missing Chromium, whatever is on PATH.
func TestFindChromiumHonoursChromePath(t *testing.T) {
	t.Setenv("CHROME_PATH", "/nonexistent/chromium")
	if p, err := FindChromium(); err == nil || !strings.Contains(err.Error(), "CHROME_PATH=/nonexistent/chromium") {
		t.Errorf("FindChromium() = %q, %v; want an error naming CHROME_PATH", p, err)
	}
}
