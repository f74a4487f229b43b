package spinner

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// The keys (参考答案) of the lesson's exercises, checked against the demos
// run with each exercise's parameters. Every number is read from the key in
// lesson.md. The demos only wait on timers: inside a synctest bubble the
// frames and the lateness of a stop are exact.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// frames counts the frames a run drew: one point on the spinner lane each.
func frames(events []runner.Event) int {
	n := 0
	for _, e := range events {
		if e.Task == "spinner" && e.Phase == runner.PhasePoint {
			n++
		}
	}
	return n
}

// Exercise 1: slow 1s, frames of 80ms and of 20ms, goroutine version. At
// 20ms the last frame ties with the end of the slow call, so the key gives
// a range; every run must fall in it.
func TestKey1FrameCounts(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	at80, at20, found := strings.Cut(key, "`frame` = 20ms")
	if !found {
		t.Fatalf("the key says nothing about 20ms frames:\n%s", key)
	}
	lo80, hi80 := lessontest.MustRange(t, at80, "共")
	lo20, hi20 := lessontest.MustRange(t, at20, "所以是")
	for _, c := range []struct {
		frame  string
		lo, hi float64
		runs   int
	}{
		{"80ms", lo80, hi80, 1},
		{"20ms", lo20, hi20, 20},
	} {
		for range c.runs {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.MustRun(t, t.Context(), Demos(), "spinner-goroutine", "slow=1s", "frame="+c.frame)
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				if n := float64(frames(res.Events)); n < c.lo || n > c.hi {
					t.Errorf("frame=%s: %g frames, the key says %g–%g", c.frame, n, c.lo, c.hi)
				}
			})
		}
	}
}

// checkLateness checks the key of exercise n: both versions with slow=10s
// and the given frame, stopped at points spread over one frame from 3s on.
// The goroutine must return within the key's range of lateness (0), the
// thread within its range, and not always equally late.
func checkLateness(t *testing.T, n int, frame time.Duration) {
	key := lessontest.MustAnswerKey(t, Files, n)
	loG, hiG := lessontest.MustRange(t, key, "拖延是")
	loT, hiT := lessontest.MustRange(t, key, "拖延在")
	for _, c := range []struct {
		id     string
		lo, hi float64
	}{
		{"spinner-goroutine", loG, hiG},
		{"spinner-thread", loT, hiT},
	} {
		seen := map[time.Duration]bool{}
		// The frames fall on multiples of the frame; these stops, 5ms past
		// a multiple of 20ms, never do.
		for after := 3*time.Second + 5*time.Millisecond; after < 3*time.Second+frame; after += frame / 4 {
			synctest.Test(t, func(t *testing.T) {
				res := lessontest.CheckStop(t, Demos(), c.id, lessontest.Stop{
					Params: []string{"slow=10s", "frame=" + frame.String()}, After: after, Within: frame})
				seen[res.Late] = true
				if late := float64(res.Late) / float64(time.Millisecond); late < c.lo || late > c.hi {
					t.Errorf("%s stopped at %v: %gms late, the key says %g–%gms", c.id, after, late, c.lo, c.hi)
				}
			})
		}
		if c.id == "spinner-thread" && len(seen) < 2 {
			t.Errorf("the thread was late by the same amount at every stop (%v); the key says it varies", seen)
		}
	}

	// On the real clock, as a learner stops it: within the key's range,
	// plus at most what the key allows for waking up and clearing the line.
	extra, _ := lessontest.MustRange(t, key, "晚不过")
	for _, c := range []struct {
		id     string
		lo, hi float64
	}{
		{"spinner-goroutine", loG, hiG},
		{"spinner-thread", loT, hiT},
	} {
		t.Run(c.id+" on the real clock", func(t *testing.T) {
			t.Parallel()
			res := lessontest.CheckStop(t, Demos(), c.id, lessontest.Stop{
				Params: []string{"slow=10s", "frame=" + frame.String()}, After: 300*time.Millisecond + frame/4, Within: frame + lessontest.StopBound})
			if late := res.Late.Seconds(); late < c.lo/1000 || late > c.hi/1000+extra {
				t.Errorf("%s: %.1fms late, the key says %g–%gms, at most %gs more on the real clock", c.id, late*1000, c.lo, c.hi, extra)
			}
		})
	}
}

// Exercise 2: frames of 80ms.
func TestKey2StopLateness80ms(t *testing.T) { checkLateness(t, 2, 80*time.Millisecond) }

// Exercise 3: frames of 20ms.
func TestKey3StopLateness20ms(t *testing.T) { checkLateness(t, 3, 20*time.Millisecond) }

// Exercise 1, the Python tab: the asyncio spinner sleeps a whole frame
// after drawing one, so its frames drift late and it draws fewer than the
// Go demo's ticker, never more than 50 in 1s at 20ms. On the real clock,
// as a learner runs it; how many fewer depends on how busy the machine is,
// so the test holds the bound and the drift, not the typical 49.
func TestKey1PythonFramesDrift(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	most, _ := lessontest.MustRange(t, key, "不会超过")
	py := lessontest.Python(t, lessontest.FindPython(t), Demos(), Files, "spinner-goroutine")
	res := lessontest.MustRun(t, t.Context(), py, "spinner-goroutine", "slow=1s", "frame=20ms")
	if res.Err != nil {
		t.Fatalf("%v\n%s", res.Err, res.Output)
	}
	var at []float64
	for _, e := range res.Events {
		if e.Task == "spinner" && e.Phase == runner.PhasePoint {
			at = append(at, e.TMs)
		}
	}
	n := float64(len(at))
	if n > most || n < 2 {
		t.Fatalf("the Python spinner drew %g frames in 1s at 20ms; the key says never more than %g", n, most)
	}
	// Every frame comes a little more than 20ms after the one before.
	if mean := (at[len(at)-1] - at[0]) / (n - 1); mean <= 20 {
		t.Errorf("Python frames %.2fms apart on average; asyncio.sleep after drawing makes it more than 20ms", mean)
	}
}
