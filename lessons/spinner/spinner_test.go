package spinner

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
	"github.com/bingfa-manyou/walkthrough/runner"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// frames matches the spinner's drawing: one or more frames, each written and
// then backspaced over. How many depends on timing, so examples fold them.
var frames = regexp.MustCompile(`(?:[|/\-\\] thinking\.\.\.\x08{13})+`)

func show(id string, params ...string) {
	res, err := lessontest.Run(context.Background(), Demos(), id, params...)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(strconv.Quote(frames.ReplaceAllString(res.Output, "<frames>")))
	fmt.Printf("screen: %q, err: %v\n", lessontest.Screen(res.Output), res.Err)
}

func Example_spinThread() {
	show("spinner-thread", "slow=200ms", "frame=20ms")
	// Output:
	// "<frames>             \b\b\b\b\b\b\b\b\b\b\b\b\bAnswer: 42\n"
	// screen: "Answer: 42\n", err: <nil>
}

func Example_spinGoroutine() {
	show("spinner-goroutine", "slow=200ms", "frame=20ms")
	// Output:
	// "<frames>             \b\b\b\b\b\b\b\b\b\b\b\b\bAnswer: 42\n"
	// screen: "Answer: 42\n", err: <nil>
}

// The spinner turns while the slow call runs: several different frames, in
// the |/-\ order, all before the answer.
func TestSpinnerTurnsDuringSlowCall(t *testing.T) {
	for _, id := range []string{"spinner-thread", "spinner-goroutine"} {
		t.Run(id, func(t *testing.T) {
			res, err := lessontest.Run(context.Background(), Demos(), id, "slow=300ms", "frame=20ms")
			if err != nil || res.Err != nil {
				t.Fatal(err, res.Err)
			}
			marks := regexp.MustCompile(`([|/\-\\]) thinking`).FindAllStringSubmatch(res.Output, -1)
			if len(marks) < 4 {
				t.Fatalf("only %d frames in 300ms at 20ms a frame", len(marks))
			}
			for i, m := range marks {
				if want := string(`|/-\`[i%4]); m[1] != want {
					t.Fatalf("frame %d is %q, want %q", i, m[1], want)
				}
			}
			var points, slowEnd, spinEnd int
			for i, e := range res.Events {
				switch {
				case e.Task == "spinner" && e.Phase == runner.PhasePoint:
					points++
				case e.Task == "slow call" && e.Phase == runner.PhaseEnd:
					slowEnd = i
					if e.Status != "ok" {
						t.Errorf("slow call ended %q", e.Status)
					}
				case e.Task == "spinner" && e.Phase == runner.PhaseEnd:
					spinEnd = i
				}
			}
			if points != len(marks) {
				t.Errorf("%d frame events for %d frames", points, len(marks))
			}
			if spinEnd < slowEnd {
				t.Errorf("spinner ended before the slow call it was waiting beside")
			}
		})
	}
}

// Stop mid-run: both versions return promptly with ErrStopped and print no
// answer. The thread version may take up to one frame, so frames are short.
func TestStopEndsPromptly(t *testing.T) {
	for _, id := range []string{"spinner-thread", "spinner-goroutine"} {
		t.Run(id, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan lessontest.Result, 1)
			go func() {
				res, _ := lessontest.Run(ctx, Demos(), id, "slow=10s", "frame=20ms")
				done <- res
			}()
			time.Sleep(150 * time.Millisecond)
			cancel()
			stopped := time.Now()
			res := <-done
			if d := time.Since(stopped); d > lessontest.StopBound {
				t.Errorf("took %v to stop", d)
			}
			if !errors.Is(res.Err, runner.ErrStopped) {
				t.Errorf("err = %v, want stopped", res.Err)
			}
			if lessontest.Screen(res.Output) != "" {
				t.Errorf("screen after stop = %q, want it cleared", lessontest.Screen(res.Output))
			}
		})
	}
}
