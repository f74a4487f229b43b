package process

import (
	"time"

	"golang.org/x/sys/unix"
)

// childInstant is the moment a child stamped monoNs on CLOCK_MONOTONIC,
// as a time on this process's clock; false for a stamp that cannot be
// one (in the future, or more than an hour old: not that clock).
func childInstant(monoNs int64) (time.Time, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return time.Time{}, false
	}
	now := time.Now()
	ago := ts.Nano() - monoNs
	if ago < 0 || ago > int64(time.Hour) {
		return time.Time{}, false
	}
	return now.Add(-time.Duration(ago)), true
}
