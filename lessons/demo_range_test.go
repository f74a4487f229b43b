package lessons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The rule for goroutines inside demos (see runner's package doc): Go can
// recover a panic only on the goroutine it happens on. Execute recovers
// the demo's own goroutine, so a panic there is one failed run; a panic in
// a goroutine the demo starts would end the whole server. So no parameter
// value a learner can send may make a demo panic anywhere, and this test
// proves it the only way Go allows: it runs every demo with each parameter
// at each edge of its range (min, max, default, the middle, every choice,
// the longest list) — a panic on any goroutine fails the test binary, and
// one on the demo's own goroutine fails here.
func TestEveryDemoAcrossItsRange(t *testing.T) {
	site, err := flagserver.Start("127.0.0.1:0", flagserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close(context.Background()) })
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Registry().All() {
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			skipIfRacy(t, d.ID)
			var network sync.WaitGroup
			for _, raw := range rangeCases(d) {
				name := fmt.Sprint(raw)
				v, err := d.Parse(raw)
				if err != nil {
					t.Fatalf("%s: an edge of the declared range is refused: %v", name, err)
				}
				if timersOnly[d.ID] {
					// Fake time: even the longest durations end at once, so
					// every run goes all the way to its end.
					synctest.Test(t, func(t *testing.T) {
						env := runner.Env{Limits: runner.Limits{RunTime: time.Hour, OutputBytes: 1 << 20}}
						res := runner.Execute(context.Background(), env, d, v, io.Discard, nil)
						checkNoPanic(t, name, res, false)
					})
					continue
				}
				// Real network I/O: the run is cut after a second, which the
				// longest latencies reach; up to there it must not panic.
				// The runs mostly wait, so they all go at once (t.Parallel
				// would run only GOMAXPROCS of them at a time).
				network.Go(func() {
					env := runner.Env{FlagsURL: site.URL, Limits: runner.Limits{RunTime: time.Second, OutputBytes: 1 << 20}}
					res := runner.Execute(context.Background(), env, d, v, io.Discard, nil)
					checkNoPanic(t, name, res, true)
				})
			}
			network.Wait()
		})
	}
}

// timersOnly are the demos that wait only on timers and channels: they run
// in a synctest bubble to their very end whatever their durations.
// blocking-go is not among them: it blocks in a read(2) on purpose, and a
// goroutine in a system call does not let fake time move.
var timersOnly = map[string]bool{
	"hello-tasks": true, "spinner-thread": true, "spinner-goroutine": true, "spinner-flag": true,
	"future-semantics": true, "three-stages-callbacks": true, "three-stages-sequential": true,
	"blocking-loop": true, "generators": true,
	"group-cancel": true, "deadline": true, "first-reply": true,
}

func checkNoPanic(t *testing.T, name string, res runner.Result, mayTimeOut bool) {
	t.Helper()
	switch {
	case res.Err == nil:
	case errors.Is(res.Err, runner.ErrTimeout):
		if !mayTimeOut {
			t.Errorf("%s: timed out in fake time", name)
		}
	case strings.Contains(res.Err.Error(), "internal error"):
		t.Errorf("%s: the demo panicked", name)
	}
}

// rangeCases returns one set of raw parameters per edge: each parameter in
// turn at each interesting value, the others at their fastest.
func rangeCases(d *runner.Demo) []map[string]string {
	base := map[string]string{}
	for _, p := range d.Params {
		if (p.Kind == runner.KindDuration || p.Kind == runner.KindDurations) && p.Min != "" {
			base[p.Name] = p.Min
		}
	}
	var cases []map[string]string
	for _, p := range d.Params {
		for _, val := range edges(p) {
			raw := map[string]string{}
			for k, v := range base {
				raw[k] = v
			}
			raw[p.Name] = val
			cases = append(cases, raw)
		}
	}
	return cases
}

// edges are the values of p worth trying: its bounds, its default, the
// middle, every choice, and the longest list a durations parameter takes.
func edges(p runner.Param) []string {
	vals := []string{p.Default}
	switch p.Kind {
	case runner.KindChoice:
		return append(vals, p.Choices...)
	case runner.KindInt:
		lo, _ := strconv.Atoi(p.Min)
		hi, _ := strconv.Atoi(p.Max)
		vals = append(vals, p.Min, p.Max, strconv.Itoa((lo+hi)/2))
	case runner.KindFloat:
		lo, _ := strconv.ParseFloat(p.Min, 64)
		hi, _ := strconv.ParseFloat(p.Max, 64)
		vals = append(vals, p.Min, p.Max, strconv.FormatFloat((lo+hi)/2, 'g', -1, 64))
	case runner.KindDuration:
		vals = append(vals, p.Min, p.Max)
	case runner.KindDurations:
		most := p.MaxItems
		if most == 0 {
			most = 20
		}
		for _, each := range []string{p.Min, p.Max} {
			if each == "" {
				continue
			}
			vals = append(vals, each, strings.TrimSuffix(strings.Repeat(each+",", most), ","))
		}
	}
	var out []string
	for _, v := range vals {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
