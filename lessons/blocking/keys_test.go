package blocking

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// The keys (参考答案) of the lesson's exercises, checked against the demos
// run with each exercise's parameters. Every claim is read from the key in
// lesson.md, so a key cannot say one thing while the demo does another.

func TestEveryExerciseHasAKey(t *testing.T) { lessontest.CheckEveryExerciseHasAKey(t, Files) }

// Exercise 1: blocking-loop with block=2s. Timers only, so inside a
// synctest bubble the late frame's label and the second round's frame
// count are exact; on the real clock they are what a learner sees, within
// the key's tolerance, and a busy machine may skip a frame or two.
func TestKey1LateFrameAndSecondRound(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 1)
	frames, err := strconv.Atoi(lessontest.MustClaim(t, key, "第二轮一共画"))
	if err != nil {
		t.Fatal(err)
	}
	fewest, _ := lessontest.MustRange(t, key, "最少")
	gap := lessontest.MustClaim(t, key, "迟到帧标着")
	quoted, err := strconv.ParseFloat(strings.TrimSuffix(gap, "s"), 64)
	if err != nil {
		t.Fatal(err)
	}
	tol := lessontest.MustTolerance(t, key)
	lessontest.OnBothClocks(t, func(t *testing.T, exact bool) {
		r := run(t, "blocking-loop", "block=2s")
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		lessontest.CheckKeyExcerpts(t, key, r.Output)
		// The longest late frame is the frozen loop's; a busy machine may
		// add short ones of its own.
		got := 0.0
		for _, m := range lateLabel.FindAllStringSubmatch(r.Output, -1) {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				got = max(got, v)
			}
		}
		if got == 0 {
			t.Fatalf("no late frame:\n%s", r.Output)
		}
		lessontest.CheckSeconds(t, "the late frame's label", quoted, got, tol)
		_, round2, found := strings.Cut(r.Output, "2) ")
		if !found {
			t.Fatalf("no second round:\n%s", r.Output)
		}
		got2 := strings.Count(round2, "] spinner ")
		if got2 > frames || float64(got2) < fewest {
			t.Errorf("round 2 drew %d frames, the key says %d, at fewest %g:\n%s", got2, frames, fewest, round2)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		r := run(t, "blocking-loop", "block=2s")
		if !strings.Contains(r.Output, "<- "+gap+" since the last frame") {
			t.Errorf("no late frame labelled %s:\n%s", gap, r.Output)
		}
		_, round2, _ := strings.Cut(r.Output, "2) ")
		if got := strings.Count(round2, "] spinner "); got != frames {
			t.Errorf("round 2 drew %d frames, the key says exactly %d on an exact clock:\n%s", got, frames, round2)
		}
	})
}

// lateLabel is a late frame's note: how long since the frame before.
var lateLabel = regexp.MustCompile(`<- (\d+\.\d+)s since the last frame`)

// Exercise 2: blocking-go with block=5s, on the real clock (read(2) is a
// real system call): the frame count and the longest pause fall in the
// key's ranges (a busy machine may make a frame late: the key says so).
func TestKey2FramesBesideALongRead(t *testing.T) {
	t.Parallel()
	key := lessontest.MustAnswerKey(t, Files, 2)
	minFrames, maxFrames := lessontest.MustRange(t, key, "格数在")
	minGap, maxGap := lessontest.MustRange(t, key, "最长间隔在")
	r := run(t, "blocking-go", "block=5s")
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	frames := strings.Count(r.Output, "] spinner ")
	if float64(frames) < minFrames || float64(frames) > maxFrames {
		t.Errorf("%d frames, the key says %v–%v", frames, minFrames, maxFrames)
	}
	// A late frame may happen on a busy machine (the key says so); the
	// pause the key bounds is the proof that read(2) froze nobody.
	gaps := pauses(r.Output)
	if len(gaps) != 1 || gaps[0] < minGap || gaps[0] > maxGap {
		t.Errorf("longest pause %v, the key says %v–%vs", gaps, minGap, maxGap)
	}
}

// Exercise 3 asks what happens when the second round's callback hands
// three 1s calls to the two workers at once. The demo does not do that, so
// this test does it with the demo's own loop and pool, on the fake clock:
// the results arrive when the key says.
func TestKey3ThreeCallsTwoWorkers(t *testing.T) {
	key := lessontest.MustAnswerKey(t, Files, 3)
	last, err := strconv.Atoi(lessontest.MustClaim(t, key, "交出后第"))
	if err != nil {
		t.Fatal(err)
	}
	each := lessontest.MustClaim(t, key, "三个结果依次在第")
	synctest.Test(t, func(t *testing.T) {
		loop := newLoop()
		workers := newPool(2)
		defer workers.close()
		var arrived []string // seconds after the hand-off, as the key writes them
		handedOff := time.Now()
		loop.callSoon(func() {
			for range 3 {
				loop.runInExecutor(workers, func() {
					if err := blockingCall(t.Context(), time.Second); err != nil {
						t.Error(err)
					}
				}, func() {
					arrived = append(arrived, fmt.Sprint(time.Since(handedOff).Seconds()))
					if len(arrived) == 3 {
						loop.stop()
					}
				})
			}
		})
		if err := loop.run(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(arrived, "、"); got != each {
			t.Errorf("results arrived at %s s, the key says %s", got, each)
		}
		if got := arrived[len(arrived)-1]; got != strconv.Itoa(last) {
			t.Errorf("the last result arrived at %s s, the key says %d", got, last)
		}
	})
}
