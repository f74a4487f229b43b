package spinner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// spinGoroutine does the same job with a plain goroutine. Instead of a flag
// it hands the spinner a context: cancelling it is the Go counterpart of
// Task.cancel(), and the spinner reacts at once, even between frames.
func spinGoroutine(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error {
	spinCtx, cancelSpinner := context.WithCancel(ctx)
	finished := make(chan struct{})

	go func() {
		defer close(finished)
		ev.Start("spinner")
		drawUntilDone(spinCtx, out, ev, p.Duration("frame"))
		ev.End("spinner", "cancelled")
	}()

	ev.Start("slow call")
	answer, err := slowCall(ctx, p.Duration("slow"))
	ev.End("slow call", status(err))

	cancelSpinner() // like spinner_task.cancel()
	<-finished      // returns right away: the spinner was waiting in select
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Answer: %d\n", answer)
	return nil
}

// drawUntilDone turns the spinner until ctx is cancelled. The wait between
// frames is a select, so cancellation wakes it immediately instead of after
// the next frame.
func drawUntilDone(ctx context.Context, out io.Writer, ev runner.Events, frame time.Duration) {
	const label = "thinking..."
	tick := time.NewTicker(frame)
	defer tick.Stop()
	for i := 0; ; i++ {
		text := fmt.Sprintf("%c %s", `|/-\`[i%4], label)
		fmt.Fprint(out, text+strings.Repeat("\b", len(text)))
		ev.Point("spinner", "frame")
		select {
		case <-tick.C:
		case <-ctx.Done():
			fmt.Fprint(out, strings.Repeat(" ", len(text))+strings.Repeat("\b", len(text)))
			return
		}
	}
}
