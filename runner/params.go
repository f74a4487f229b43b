package runner

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a demo parameter as the browser and the CLI see it.
type Kind string

// The parameter kinds a demo can declare.
const (
	KindInt       Kind = "int"       // a whole number: 5
	KindFloat     Kind = "float"     // a number: 0.25
	KindDuration  Kind = "duration"  // a Go duration: 250ms, 1.5s
	KindDurations Kind = "durations" // a comma-separated list of durations: 1s,2s,3s
	KindChoice    Kind = "choice"    // one of Choices
)

// maxListLen bounds a durations list so that one parameter cannot ask for an
// unbounded number of tasks.
const maxListLen = 20

// maxValueLen bounds the text of one value before it is parsed at all.
const maxValueLen = 200

// Param declares one knob of a demo. Default, Min and Max are written the
// way a learner types them ("250ms", "5"), so the page can show them as is.
type Param struct {
	Name    string   `json:"name"`
	Kind    Kind     `json:"type"`
	Default string   `json:"default"`
	Min     string   `json:"min,omitempty"`
	Max     string   `json:"max,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Help    string   `json:"help,omitempty"`
	// MaxItems bounds how many values a KindDurations list may hold (at
	// most 20, the default when zero).
	MaxItems int `json:"max_items,omitempty"`
}

// ParamError is a rejected parameter; Param names the field so the page can
// show the message next to it.
type ParamError struct {
	Demo  string
	Param string
	Msg   string
	// Chinese says the same to a learner, for the page.
	Chinese string
}

func (e *ParamError) Error() string { return e.Msg }

// badValue is a value a parameter does not take, said in English (the
// command line's language) and in Chinese (the page's).
type badValue struct{ en, zh string }

func (e *badValue) Error() string { return e.en }

// invalid says why a value is refused, in both languages; args fill the
// verbs of both, in the same order.
func invalid(en, zh string, args ...any) error {
	return &badValue{en: fmt.Sprintf(en, args...), zh: fmt.Sprintf(zh, args...)}
}

// Values are a demo's parameters after parsing: every declared parameter has
// a value, explicit or default, already checked against its limits.
//
// Values also carry what Execute hands the run from its surroundings (see
// Env), so that a demo's only inputs are its context, its values, its
// writer and its events.
type Values struct {
	values   map[string]any
	text     map[string]string
	flagsURL string
}

// FlagsURL is the base URL of the flag site the run should download from,
// without a trailing slash: the server's built-in one, or the one it was
// told to use. Execute sets it; it is empty for values that were only
// parsed.
func (v Values) FlagsURL() string { return v.flagsURL }

// Parse checks raw parameters (as typed in the page or on the command line)
// against the demo's declarations and fills in defaults.
func (d *Demo) Parse(raw map[string]string) (Values, error) {
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if _, ok := d.Param(name); !ok {
			return Values{}, &ParamError{Demo: d.ID, Param: name,
				Msg:     fmt.Sprintf("unknown parameter %q for demo %s", name, d.ID),
				Chinese: fmt.Sprintf("演示 %s 没有参数 %q", d.ID, name)}
		}
	}
	v := Values{values: map[string]any{}, text: map[string]string{}}
	for _, p := range d.Params {
		s, given := raw[p.Name]
		if !given || strings.TrimSpace(s) == "" {
			s = p.Default
		}
		val, canon, err := p.parse(s)
		if err != nil {
			zh := err.Error()
			if bv, ok := errors.AsType[*badValue](err); ok {
				zh = bv.zh
			}
			return Values{}, &ParamError{Demo: d.ID, Param: p.Name,
				Msg:     fmt.Sprintf("parameter %q of demo %s: %v", p.Name, d.ID, err),
				Chinese: fmt.Sprintf("参数 %s：%s", p.Name, zh)}
		}
		v.values[p.Name] = val
		v.text[p.Name] = canon
	}
	return v, nil
}

// Text returns every value in its canonical written form, for the
// `started` message and for logs.
func (v Values) Text() map[string]string { return maps.Clone(v.text) }

// Sorted returns every value as a name and its canonical text, by name:
// how a program in another language is handed its parameters.
func (v Values) Sorted() [][2]string {
	out := make([][2]string, 0, len(v.text))
	for _, name := range slices.Sorted(maps.Keys(v.text)) {
		out = append(out, [2]string{name, v.text[name]})
	}
	return out
}

func (v Values) get(name string) any {
	val, ok := v.values[name]
	if !ok {
		// A demo asking for a parameter it never declared is a bug in the
		// demo; the runner turns this panic into a failed run.
		panic(fmt.Sprintf("runner: parameter %q was not declared", name))
	}
	return val
}

// Int returns a KindInt parameter.
func (v Values) Int(name string) int { return v.get(name).(int) }

// Float returns a KindFloat parameter.
func (v Values) Float(name string) float64 { return v.get(name).(float64) }

// Duration returns a KindDuration parameter.
func (v Values) Duration(name string) time.Duration { return v.get(name).(time.Duration) }

// Durations returns a KindDurations parameter.
func (v Values) Durations(name string) []time.Duration {
	return slices.Clone(v.get(name).([]time.Duration))
}

// Choice returns a KindChoice parameter.
func (v Values) Choice(name string) string { return v.get(name).(string) }

// parse reads one value and checks it against the limits, returning the
// value and its canonical text.
func (p Param) parse(s string) (any, string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxValueLen {
		return nil, "", invalid("value is longer than %d characters", "值超过 %d 个字符", maxValueLen)
	}
	switch p.Kind {
	case KindInt:
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, "", invalid("%q is not a whole number", "%q 不是整数", s)
		}
		if err := p.inRange(float64(n), func(b string) (float64, error) {
			m, err := strconv.Atoi(b)
			return float64(m), err
		}); err != nil {
			return nil, "", err
		}
		return n, strconv.Itoa(n), nil
	case KindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, "", invalid("%q is not a finite number", "%q 不是有限的数", s)
		}
		if err := p.inRange(f, func(b string) (float64, error) { return strconv.ParseFloat(b, 64) }); err != nil {
			return nil, "", err
		}
		return f, strconv.FormatFloat(f, 'g', -1, 64), nil
	case KindDuration:
		d, err := p.duration(s)
		if err != nil {
			return nil, "", err
		}
		return d, d.String(), nil
	case KindDurations:
		parts := strings.Split(s, ",")
		limit := maxListLen
		if p.MaxItems > 0 && p.MaxItems < limit {
			limit = p.MaxItems
		}
		if len(parts) > limit {
			return nil, "", invalid("at most %d durations, got %d", "最多 %d 个时长，这里有 %d 个", limit, len(parts))
		}
		list := make([]time.Duration, 0, len(parts))
		texts := make([]string, 0, len(parts))
		for _, part := range parts {
			d, err := p.duration(strings.TrimSpace(part))
			if err != nil {
				return nil, "", err
			}
			list = append(list, d)
			texts = append(texts, d.String())
		}
		return list, strings.Join(texts, ","), nil
	case KindChoice:
		if !slices.Contains(p.Choices, s) {
			return nil, "", invalid("%q is not one of %s", "%q 不在可选值 %s 之中", s, strings.Join(p.Choices, ", "))
		}
		return s, s, nil
	}
	return nil, "", fmt.Errorf("unknown kind %q", p.Kind)
}

func (p Param) duration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, invalid("%q is not a duration such as 250ms or 1.5s", "%q 不是时长，应写成 250ms 或 1.5s 这样", s)
	}
	if d < 0 {
		return 0, invalid("%q is negative; a duration here is 0 or more", "%q 是负数，这里的时长不能小于 0", s)
	}
	err = p.inRange(float64(d), func(b string) (float64, error) {
		bd, err := time.ParseDuration(b)
		return float64(bd), err
	})
	return d, err
}

// inRange checks x against Min and Max, parsed by parseBound.
func (p Param) inRange(x float64, parseBound func(string) (float64, error)) error {
	if p.Min != "" {
		if lo, err := parseBound(p.Min); err == nil && x < lo {
			return invalid("must be at least %s", "不能小于 %s", p.Min)
		}
	}
	if p.Max != "" {
		if hi, err := parseBound(p.Max); err == nil && x > hi {
			return invalid("must be at most %s", "不能大于 %s", p.Max)
		}
	}
	return nil
}

// check validates a declaration: bounds that parse, a default that passes.
func (p Param) check() error {
	if p.Name == "" {
		return fmt.Errorf("parameter without a name")
	}
	switch p.Kind {
	case KindInt, KindFloat, KindDuration, KindDurations:
		probe := Param{Kind: p.Kind}
		if p.Kind == KindDurations {
			probe.Kind = KindDuration
		}
		for _, b := range []string{p.Min, p.Max} {
			if b == "" {
				continue
			}
			if _, _, err := probe.parse(b); err != nil {
				return fmt.Errorf("parameter %q: bound %q: %w", p.Name, b, err)
			}
		}
	case KindChoice:
		if len(p.Choices) == 0 {
			return fmt.Errorf("parameter %q: a choice needs choices", p.Name)
		}
	default:
		return fmt.Errorf("parameter %q: unknown kind %q", p.Name, p.Kind)
	}
	if _, _, err := p.parse(p.Default); err != nil {
		return fmt.Errorf("parameter %q: default %q: %w", p.Name, p.Default, err)
	}
	return nil
}
