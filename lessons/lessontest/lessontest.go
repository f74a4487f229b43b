// Package lessontest runs a demo the way the server does, for the lessons'
// Example tests and golden checks: output collected, events recorded, times
// masked so that pinned output does not depend on the machine's speed.
package lessontest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
	"github.com/bingfa-manyou/walkthrough/runner/flagserver"
)

// Result is what one run produced.
type Result struct {
	Output string
	Events []runner.Event
	Err    error
}

// Run finds id among demos, parses params (name=value pairs) and runs it
// under the default limits.
func Run(ctx context.Context, demos []runner.Demo, id string, params ...string) (Result, error) {
	reg, err := runner.NewRegistry(demos...)
	if err != nil {
		return Result{}, err
	}
	d, ok := reg.Lookup(id)
	if !ok {
		return Result{}, fmt.Errorf("no demo %q", id)
	}
	raw := map[string]string{}
	for _, kv := range params {
		name, value, found := strings.Cut(kv, "=")
		if !found {
			return Result{}, fmt.Errorf("parameter %q is not name=value", kv)
		}
		raw[name] = value
	}
	vals, err := d.Parse(raw)
	if err != nil {
		return Result{}, err
	}
	var out bytes.Buffer
	rec := runner.NewRecorder()
	res := runner.Execute(ctx, d, vals, &out, rec, runner.DefaultLimits(), slog.New(slog.DiscardHandler))
	return Result{Output: out.String(), Events: rec.Events(), Err: res.Err}, nil
}

// A time as demos print it: 1.23s, 250ms, 0.5 s, 12µs, 1m2.5s.
var times = regexp.MustCompile(`\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|s)\b|\d+m\d+(?:\.\d+)?s`)

// MaskTimes replaces every printed duration with "<t>".
func MaskTimes(s string) string { return times.ReplaceAllString(s, "<t>") }

// Screen renders output the way a terminal shows it once the program has
// finished: \r returns to the line start, \b steps back one column, other
// characters overwrite. Trailing spaces are trimmed from every line.
func Screen(s string) string {
	lines := [][]rune{{}}
	row, col := 0, 0
	for _, r := range s {
		switch r {
		case '\n':
			row++
			col = 0
			if row == len(lines) {
				lines = append(lines, []rune{})
			}
		case '\r':
			col = 0
		case '\b':
			if col > 0 {
				col--
			}
		default:
			for len(lines[row]) <= col {
				lines[row] = append(lines[row], ' ')
			}
			lines[row][col] = r
			col++
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return strings.Join(out, "\n")
}

// StartFlagServer serves the built-in flag site on a loopback port, for
// tests and Example functions of the download lessons: its base URL, and a
// function that stops it.
func StartFlagServer(cfg flagserver.Config) (string, func(), error) {
	h, err := flagserver.New(cfg)
	if err != nil {
		return "", nil, err
	}
	srv := httptest.NewServer(h)
	return srv.URL, srv.Close, nil
}

// FlagServer is StartFlagServer for a test: stopped when the test ends.
func FlagServer(tb testing.TB, cfg flagserver.Config) string {
	tb.Helper()
	url, stop, err := StartFlagServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return url
}

// StopBound is how late one stop may be in a lesson's own tests. The course
// promises 100 ms, and lessons.TestEveryDemoStopsWithin100ms checks that
// promise for every demo, with retries; a single try on a machine busy with
// other tests gets more room, and still catches a demo that waits out a
// sleep, a request or a stage instead of honouring its context.
const StopBound = 250 * time.Millisecond

// MustRun is Run for a test: a demo id or parameter the test got wrong
// ends the test at once. How the run itself ended is in Result.Err.
func MustRun(tb testing.TB, ctx context.Context, demos []runner.Demo, id string, params ...string) Result {
	tb.Helper()
	res, err := Run(ctx, demos, id, params...)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}
