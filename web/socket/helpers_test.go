package socket

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"testing"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runLimits lets testLimits embed both kinds of limits by name.
type runLimits = runner.Limits

// testLimits are a socket's limits and its runs' limits, set in one place
// by a test.
type testLimits struct {
	Limits
	runLimits
}

func defaultLimits() testLimits {
	return testLimits{DefaultLimits(), runner.DefaultLimits()}
}

func newSocket(reg *runner.Registry, lim testLimits, log *slog.Logger) (*Socket, error) {
	return New(Config{Demos: reg, Env: runner.Env{Limits: lim.runLimits}, Limits: lim.Limits, Log: log})
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func demo(id string, run runner.RunFunc, params ...runner.Param) *runner.Demo {
	return &runner.Demo{ID: id, Lesson: "test", Title: id, Source: id + ".go", Run: run, Params: params}
}

// waitThenAnswer waits d (or until stopped), then prints.
func waitThenAnswer(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	ev.Start("wait")
	select {
	case <-time.After(p.Duration("d")):
	case <-ctx.Done():
		ev.End("wait", "stopped")
		return ctx.Err()
	}
	ev.End("wait", "ok")
	fmt.Fprintln(out, "answer")
	return nil
}

var durationParam = runner.Param{Name: "d", Kind: runner.KindDuration, Default: "10ms", Max: "1h"}

func nop(context.Context, runner.Values, io.Writer, runner.Events) error { return nil }

// knobs declares one parameter of every kind.
func knobs() *runner.Demo {
	return &runner.Demo{ID: "knobs", Lesson: "l", Title: "t", Source: "k.go", Run: nop, Params: []runner.Param{
		{Name: "limit", Kind: runner.KindInt, Default: "5", Min: "1", Max: "1000"},
		{Name: "rate", Kind: runner.KindFloat, Default: "0.1", Min: "0", Max: "1"},
		{Name: "latency", Kind: runner.KindDuration, Default: "100ms", Min: "0s", Max: "2s"},
		{Name: "sleeps", Kind: runner.KindDurations, Default: "1s,2s,3s", Min: "10ms", Max: "5s"},
		{Name: "fail", Kind: runner.KindChoice, Default: "none", Choices: []string{"none", "1", "2"}},
	}}
}
