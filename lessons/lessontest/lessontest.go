// Package lessontest runs a demo the way the server does, for the lessons'
// Example tests and golden checks: output collected, events recorded, times
// masked so that pinned output does not depend on the machine's speed.
package lessontest

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Result is what one run produced.
type Result struct {
	Output string
	Events []runner.Event
	Err    error
}

// Run finds id among demos, parses params (name=value pairs) and runs it
// under the default limits, with no flag site.
func Run(ctx context.Context, demos []runner.Demo, id string, params ...string) (Result, error) {
	return RunAt(ctx, "", demos, id, params...)
}

// RunAt is Run for a demo that downloads: Execute hands it flagsURL, as
// the server hands its demos the built-in flag site.
func RunAt(ctx context.Context, flagsURL string, demos []runner.Demo, id string, params ...string) (Result, error) {
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
	var events []runner.Event // Execute hands events over one at a time
	env := runner.Env{FlagsURL: flagsURL, Limits: runner.DefaultLimits()}
	res := runner.Execute(ctx, env, d, vals, &out, func(e runner.Event, _ int) { events = append(events, e) })
	return Result{Output: out.String(), Events: events, Err: res.Err}, nil
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
	running, err := flagserver.Start("127.0.0.1:0", cfg)
	if err != nil {
		return "", nil, err
	}
	return running.URL, func() { running.Close(context.Background()) }, nil
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
	return MustRunAt(tb, ctx, "", demos, id, params...)
}

// MustRunAt is RunAt for a test.
func MustRunAt(tb testing.TB, ctx context.Context, flagsURL string, demos []runner.Demo, id string, params ...string) Result {
	tb.Helper()
	res, err := RunAt(ctx, flagsURL, demos, id, params...)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}
