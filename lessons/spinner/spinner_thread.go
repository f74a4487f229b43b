package spinner

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// spinThread draws the spinner on an OS thread of its own while the main
// flow waits for a slow answer. Nobody can interrupt a thread from outside,
// so the two sides agree on a flag: main sets it, the spinner reads it
// after every frame and leaves when it sees it.
func spinThread(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	var stop atomic.Bool // the shared flag; atomic so both threads see the same value
	finished := make(chan struct{})

	go func() {
		// Pin this goroutine to one OS thread for its whole life: from here
		// on it behaves like Python's threading.Thread.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(finished)
		ev.Start("spinner")
		drawUntilFlag(out, ev, p.Duration("frame"), &stop)
		ev.End("spinner", "flag")
	}()

	ev.Start("slow call")
	answer, err := slowCall(ctx, p.Duration("slow"))
	ev.End("slow call", status(err))

	stop.Store(true) // ask the spinner to stop...
	<-finished       // ...and wait until it has noticed: up to one frame
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Answer: %d\n", answer)
	return nil
}

// drawUntilFlag turns the spinner in place: each frame is written and then
// backspaced over, so the next one lands on the same spot.
func drawUntilFlag(out io.Writer, ev runner.Events, frame time.Duration, stop *atomic.Bool) {
	const label = "thinking..."
	for i := 0; !stop.Load(); i++ {
		text := fmt.Sprintf("%c %s", `|/-\`[i%4], label)
		fmt.Fprint(out, text+strings.Repeat("\b", len(text)))
		ev.Point("spinner", "frame")
		time.Sleep(frame) // a thread can only sleep; the flag is read after
	}
	blank := len("| " + label)
	fmt.Fprint(out, strings.Repeat(" ", blank)+strings.Repeat("\b", blank))
}

// slowCall stands for a slow network or disk call. It answers 42 after d,
// or gives up early when the run is stopped.
func slowCall(ctx context.Context, d time.Duration) (int, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return 42, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// status names how a task ended, for the timeline.
func status(err error) string {
	if err != nil {
		return "stopped"
	}
	return "ok"
}
