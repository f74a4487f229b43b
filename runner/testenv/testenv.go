// Package testenv is the one rule for tests that need something from the
// machine (Python, Chromium, nginx, the kernel's sandbox, the go command):
// where it is missing, the test skips on a developer's machine and fails
// in CI (CI=true), whose script .ci/run installs all of it. A test that
// skipped in CI would pass without testing anything.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// OnCI reports whether the tests run in CI (CI=true).
func OnCI() bool { return os.Getenv("CI") == "true" }

// Missing says that something the test needs is not here: tb is skipped
// with the message, or, under CI, fails with it.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	why := fmt.Sprintf(format, args...)
	if OnCI() {
		tb.Fatalf("%s; CI=true, and .ci/run installs it", why)
	}
	tb.Skip(why)
}

// Need is Missing for an error: nothing happens when err is nil, and
// otherwise the test skips (fails under CI) saying what it needed.
func Need(tb testing.TB, what string, err error) {
	tb.Helper()
	if err != nil {
		Missing(tb, "no %s here: %v", what, err)
	}
}

// GoTool is the go command on PATH, for a test that builds a child.
func GoTool(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("go")
	Need(tb, "go command", err)
	return path
}

// FindChromium looks for Debian's Chromium (or Chrome): CHROME_PATH first,
// then the usual names on PATH.
func FindChromium() (string, error) {
	if p := os.Getenv("CHROME_PATH"); p != "" {
		full, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("CHROME_PATH=%s: %w", p, err)
		}
		return full, nil
	}
	names := []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}
	for _, name := range names {
		if full, err := exec.LookPath(name); err == nil {
			return full, nil
		}
	}
	return "", fmt.Errorf("none of %q on PATH and CHROME_PATH is not set (apt-get install chromium)", names)
}

// Chromium is the browser to drive: FindChromium, or the test skips
// (fails under CI).
func Chromium(tb testing.TB) string {
	tb.Helper()
	path, err := FindChromium()
	Need(tb, "Chromium", err)
	return path
}
