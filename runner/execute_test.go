package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func demo(id string, run RunFunc, params ...Param) *Demo {
	return &Demo{ID: id, Lesson: "test", Title: id, Source: id + ".go", Run: run, Params: params}
}

// waitThenAnswer waits d (or until stopped), then prints.
func waitThenAnswer(ctx context.Context, p Values, out io.Writer, ev Events) error {
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

var durationParam = Param{Name: "d", Kind: KindDuration, Default: "10ms", Max: "1h"}

func TestExecuteOutcomes(t *testing.T) {
	d := demo("wait", waitThenAnswer, durationParam)
	lim := DefaultLimits()

	v, _ := d.Parse(nil)
	var out bytes.Buffer
	var ev []Event
	record := func(e Event, _ int) { ev = append(ev, e) }
	if res := Execute(context.Background(), Env{Limits: lim, Log: quiet()}, d, v, &out, record); res.Err != nil || out.String() != "answer\n" {
		t.Errorf("ok run: %v %q", res.Err, out.String())
	}
	if len(ev) != 2 || ev[0].Phase != PhaseStart || ev[1].Status != "ok" || ev[1].TMs < ev[0].TMs {
		t.Errorf("events = %+v", ev)
	}

	v, _ = d.Parse(map[string]string{"d": "1h"})
	lim.RunTime = 50 * time.Millisecond
	if res := Execute(context.Background(), Env{Limits: lim, Log: quiet()}, d, v, io.Discard, nil); !errors.Is(res.Err, ErrTimeout) {
		t.Errorf("timeout run: %v", res.Err)
	}

	lim = DefaultLimits()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	if res := Execute(ctx, Env{Limits: lim, Log: quiet()}, d, v, io.Discard, nil); !errors.Is(res.Err, ErrStopped) {
		t.Errorf("stopped run: %v", res.Err)
	}

	boom := demo("boom", func(context.Context, Values, io.Writer, Events) error { return errors.New("stage 2 failed") })
	if res := Execute(context.Background(), Env{Limits: lim, Log: quiet()}, boom, Values{}, io.Discard, nil); res.Err == nil || res.Err.Error() != "stage 2 failed" {
		t.Errorf("failing run: %v", res.Err)
	}
}

func TestExecuteRecoversPanic(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	d := demo("oops", func(_ context.Context, p Values, _ io.Writer, _ Events) error {
		p.Int("undeclared") // a bug in a demo
		return nil
	})
	res := Execute(context.Background(), Env{Limits: DefaultLimits(), Log: log}, d, Values{}, io.Discard, nil)
	if res.Err == nil || strings.Contains(res.Err.Error(), "undeclared") {
		t.Errorf("err = %v: want a generic internal error, details only in the log", res.Err)
	}
	if !strings.Contains(logs.String(), "undeclared") {
		t.Errorf("log lacks the panic: %s", logs.String())
	}
}

func TestOutputCapWritesOneNotice(t *testing.T) {
	d := demo("flood", func(ctx context.Context, _ Values, out io.Writer, _ Events) error {
		line := strings.Repeat("x", 99) + "\n"
		for range 100 {
			io.WriteString(out, line)
		}
		return nil
	})
	lim := DefaultLimits()
	lim.OutputBytes = 1000
	var out bytes.Buffer
	res := Execute(context.Background(), Env{Limits: lim, Log: quiet()}, d, Values{}, &out, nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	notice := TruncationNotice(1000)
	if got := out.String(); len(got) != 1000+len(notice) || strings.Count(got, notice) != 1 || !strings.HasSuffix(got, notice) {
		t.Errorf("output is %d bytes with %d notices", len(got), strings.Count(got, notice))
	}
}

func TestMaxInFlight(t *testing.T) {
	ev := []Event{
		{Task: "a", Phase: PhaseStart}, {Task: "b", Phase: PhaseStart}, {Task: "a", Phase: PhaseEnd},
		{Task: "c", Phase: PhaseStart}, {Task: "x", Phase: PhasePoint}, {Task: "d", Phase: PhaseStart},
		{Task: "b", Phase: PhaseEnd}, {Task: "c", Phase: PhaseEnd}, {Task: "d", Phase: PhaseEnd},
	}
	if got := MaxInFlight(ev); got != 3 {
		t.Errorf("MaxInFlight = %d, want 3", got)
	}
	// An end with no start (a task cut in two by a restart) does not make
	// the count go below zero: the page and the tests agree on 2.
	odd := []Event{{Task: "x", Phase: PhaseEnd}, {Task: "a", Phase: PhaseStart}, {Task: "b", Phase: PhaseStart}}
	if got := MaxInFlight(odd); got != 2 {
		t.Errorf("MaxInFlight with a stray end = %d, want 2", got)
	}
}
