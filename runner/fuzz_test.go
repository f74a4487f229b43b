package runner

import (
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse checks Demo.Parse on arbitrary names and values: it never
// panics, every error names a field, and every accepted set of values is
// within its declared limits and reads back to itself from its canonical
// text (what the started frame shows and a learner may send again).
//
//	go test ./runner -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, seed := range [][4]string{
		{"limit", "5", "rate", "0.25"},
		{"latency", "1.5s", "sleeps", "10ms, 20ms"},
		{"limit", "-1", "rate", "NaN"},
		{"limit", "99999999999999999999", "rate", "1e400"},
		{"rate", "0x1p-2", "limit", "+7"},
		{"latency", "9223372036854775807ns", "sleeps", "1s,,2s"},
		{"sleeps", strings.Repeat("1s,", 25), "fail", "2"},
		{"limt", "5", "", ""},
		{"fail", " 1 ", "latency", "-0s"},
		{"rate", "-0", "latency", "2.0000000001s"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	d := knobs()
	f.Fuzz(func(t *testing.T, name1, value1, name2, value2 string) {
		raw := map[string]string{name1: value1, name2: value2}
		v, err := d.Parse(raw)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) || (pe.Param != name1 && pe.Param != name2 && !declared(d, pe.Param)) {
				t.Fatalf("%q: error %v does not name a field", raw, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("%q: error %q is not valid UTF-8", raw, err)
			}
			return
		}
		text := v.Text()
		if len(text) != len(d.Params) {
			t.Fatalf("%q: values %v, want one per parameter", raw, text)
		}
		checkWithinLimits(t, raw, v)
		again, err := d.Parse(text)
		if err != nil {
			t.Fatalf("%q: canonical %v does not parse again: %v", raw, text, err)
		}
		if got := again.Text(); !maps.Equal(got, text) {
			t.Fatalf("%q: canonical %v reads back as %v", raw, text, got)
		}
	})
}

func declared(d *Demo, name string) bool {
	_, ok := d.Param(name)
	return ok
}

// checkWithinLimits checks the values of knobs() against its declarations.
func checkWithinLimits(t *testing.T, raw map[string]string, v Values) {
	t.Helper()
	if n := v.Int("limit"); n < 1 || n > 1000 {
		t.Fatalf("%q: limit %d", raw, n)
	}
	if r := v.Float("rate"); math.IsNaN(r) || r < 0 || r > 1 {
		t.Fatalf("%q: rate %v", raw, r)
	}
	if l := v.Duration("latency"); l < 0 || l > 2*time.Second {
		t.Fatalf("%q: latency %v", raw, l)
	}
	sleeps := v.Durations("sleeps")
	if len(sleeps) == 0 || len(sleeps) > maxListLen {
		t.Fatalf("%q: %d sleeps", raw, len(sleeps))
	}
	for _, s := range sleeps {
		if s < 10*time.Millisecond || s > 5*time.Second {
			t.Fatalf("%q: sleep %v", raw, s)
		}
	}
	if c := v.Choice("fail"); !slices.Contains([]string{"none", "1", "2"}, c) {
		t.Fatalf("%q: fail %q", raw, c)
	}
}
