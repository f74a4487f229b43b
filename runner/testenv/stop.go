package testenv

import (
	"testing"
	"time"
)

// StopBound is the course's promise for Stop: a run returns within 100 ms
// of it. Every stop check on the real clock holds a run to it, measured
// from the instant the run's context is cancelled to the instant Execute
// (or whatever ran the child) returns: nothing before the stop counts, an
// interpreter's start-up included. One try: a check that kept the best of
// three would pass a run that is late one time in three.
const StopBound = 100 * time.Millisecond

// CheckStopBound fails tb unless a run that was stopped returned within
// StopBound of the stop; late is measured as StopBound says.
func CheckStopBound(tb testing.TB, what string, late time.Duration) {
	tb.Helper()
	if late > StopBound {
		tb.Errorf("%s: returned %v after the stop, allowed %v", what, late, StopBound)
	}
}
