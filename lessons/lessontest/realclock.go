package lessontest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
)

// A key that quotes a time quotes what a learner sees: a run on the real
// clock, where every timer wakes its goroutine a little late and the
// little bits add up, so 21 steps of 20ms print 0.43s, not 0.42s. Such a
// key states how far another run may be from the times it quotes ("早不过
// `0.02` 秒、晚不过 `0.10` 秒"), and its test checks the quoted times
// against a real run with that tolerance, and against the exact run inside
// a synctest bubble too: an ideal clock is never later than a real one, so
// the exact times must sit within the tolerance's early side.

// Tolerance is how far, in seconds, a run's times may be from the times a
// key quotes: at most Early earlier and at most Late later.
type Tolerance struct{ Early, Late float64 }

// MustTolerance reads a key's tolerance: the claims after "早不过" and
// "晚不过", in seconds.
func MustTolerance(tb testing.TB, key string) Tolerance {
	tb.Helper()
	early, _ := MustRange(tb, key, "早不过")
	late, _ := MustRange(tb, key, "晚不过")
	return Tolerance{early, late}
}

// Holds reports whether got is within the tolerance of quoted.
func (tol Tolerance) Holds(quoted, got float64) bool {
	// Times print with two decimals: half a hundredth either way is the
	// printing, not the clock.
	const printing = 0.005
	return got >= quoted-tol.Early-printing && got <= quoted+tol.Late+printing
}

// CheckSeconds fails tb unless got seconds are within tol of the quoted.
func CheckSeconds(tb testing.TB, what string, quoted, got float64, tol Tolerance) {
	tb.Helper()
	if !tol.Holds(quoted, got) {
		tb.Errorf("%s: %.3fs, the key says %.2fs (no more than %.2fs earlier, %.2fs later)", what, got, quoted, tol.Early, tol.Late)
	}
}

// CheckTimedExcerpt fails tb unless every line of excerpt is a whole line
// of output once the times printed in both are masked, with each time the
// line prints within tol of the time the excerpt quotes there.
func CheckTimedExcerpt(tb testing.TB, excerpt, output string, tol Tolerance) {
	tb.Helper()
	byMask := map[string][]string{}
	for _, l := range strings.Split(output, "\n") {
		byMask[MaskTimes(l)] = append(byMask[MaskTimes(l)], l)
	}
	for _, want := range strings.Split(strings.TrimSuffix(excerpt, "\n"), "\n") {
		printed := byMask[MaskTimes(want)]
		if len(printed) == 0 {
			tb.Errorf("the key quotes %q, which the demo did not print, times aside; it printed:\n%s", want, output)
			continue
		}
		ok := false
		for _, got := range printed {
			ok = ok || timesWithin(seconds(want), seconds(got), tol)
		}
		if !ok {
			tb.Errorf("the key quotes %q (no more than %.2fs earlier, %.2fs later); the demo printed %q", want, tol.Early, tol.Late, printed)
		}
	}
}

func timesWithin(quoted, got []float64, tol Tolerance) bool {
	if len(quoted) != len(got) {
		return false
	}
	for i := range quoted {
		if !tol.Holds(quoted[i], got[i]) {
			return false
		}
	}
	return true
}

// seconds reads the durations printed in a line, in seconds.
func seconds(line string) []float64 {
	var out []float64
	for _, m := range duration.FindAllStringSubmatch(line, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		switch m[2] {
		case "ms":
			v /= 1e3
		case "µs", "us":
			v /= 1e6
		case "ns":
			v /= 1e9
		}
		out = append(out, v)
	}
	return out
}

var duration = regexp.MustCompile(`(\d+(?:\.\d+)?)\s?(ms|µs|us|ns|s)\b`)

// OnBothClocks runs check twice: inside a synctest bubble ("exact", with
// exact true), and on the real clock ("real clock", beside the test's
// other real runs). check must hold on both: what it reads from a key is
// what a learner sees, within the key's tolerance.
func OnBothClocks(t *testing.T, check func(t *testing.T, exact bool)) {
	t.Helper()
	t.Run("exact", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) { check(t, true) })
	})
	t.Run("real clock", func(t *testing.T) {
		t.Parallel()
		check(t, false)
	})
}

// CheckKeyExcerpts is CheckTimedExcerpt for every console excerpt of a
// key, with the key's tolerance; a key that quotes none fails tb.
func CheckKeyExcerpts(tb testing.TB, key, output string) {
	tb.Helper()
	tol := MustTolerance(tb, key)
	excerpts := Excerpts(key)
	if len(excerpts) == 0 {
		tb.Fatalf("the key quotes no console excerpt (a ~~~text block):\n%s", key)
	}
	for _, e := range excerpts {
		CheckTimedExcerpt(tb, e, output, tol)
	}
}
