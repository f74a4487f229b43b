package web

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Knobs: how each declared parameter becomes a control on the panel. The
// field the learner types into stays the source of truth (it is what the
// page validates, puts in the URL and sends); a slider beside a bounded
// number or duration is a faster way to set it, nothing more.

// sliderView is the range input beside a field.
type sliderView struct {
	Min, Max, Step, Value string // attributes of <input type="range">
	// Scale is "linear" (positions are values, in Unit) or "log" (positions
	// 0..logPositions spread evenly between Lo and Hi on a log scale, so
	// that 1..1000 leaves room to pick 3).
	Scale string
	// Unit is "ms" for durations (the slider moves in milliseconds) and
	// empty for plain numbers.
	Unit   string
	Lo, Hi string // the real bounds, in Unit
}

// logPositions is the resolution of a log-scale slider.
const logPositions = 1000

// logRatio is the spread of bounds (Max/Min) beyond which a linear slider
// would crowd the small values a learner most wants into a few pixels.
const logRatio = 50

// sliderSteps is how many steps a linear slider should offer at least.
const sliderSteps = 100

func newParamView(demoID string, p runner.Param) paramView {
	label, help := labelAndHelp(p.Help)
	v := paramView{
		Name: p.Name, InputID: "p-" + demoID + "-" + p.Name, Kind: string(p.Kind),
		Default: p.Default, Min: p.Min, Max: p.Max, Label: label, Help: help,
		Limits: limitsText(p), InputMode: inputMode(p.Kind), Choices: p.Choices,
		InputType: "text",
	}
	if saysRange(p.Help, p.Min, p.Max) {
		v.Limits = "" // the help says it already: 「0 到 1」 once, not twice
	}
	switch p.Kind {
	case runner.KindInt:
		v.InputType, v.Step = "number", "1"
		v.Slider = numberSlider(p.Min, p.Max, p.Default, true)
	case runner.KindFloat:
		v.InputType, v.Step = "number", "any"
		v.Slider = numberSlider(p.Min, p.Max, p.Default, false)
	case runner.KindDuration:
		v.Hint = "时长，如 250ms、1.5s"
		v.Slider = durationSlider(p.Min, p.Max, p.Default)
	case runner.KindDurations:
		v.Hint = "逗号分隔的时长，如 1s,2s,3s"
		if p.MaxItems > 0 {
			v.MaxItems = strconv.Itoa(p.MaxItems)
			v.Hint += "；最多 " + v.MaxItems + " 个"
		}
	}
	return v
}

// numberSlider makes a slider for an int or float with both bounds.
func numberSlider(lo, hi, def string, whole bool) *sliderView {
	l, errL := strconv.ParseFloat(lo, 64)
	h, errH := strconv.ParseFloat(hi, 64)
	d, errD := strconv.ParseFloat(def, 64)
	if errL != nil || errH != nil || errD != nil || h <= l {
		return nil
	}
	return slider(l, h, d, whole, "")
}

// durationSlider makes a millisecond slider for a duration with a maximum
// (a missing minimum is 0: durations are never negative).
func durationSlider(lo, hi, def string) *sliderView {
	h, err := time.ParseDuration(hi)
	if err != nil {
		return nil
	}
	var l time.Duration
	if lo != "" {
		if l, err = time.ParseDuration(lo); err != nil {
			return nil
		}
	}
	d, err := time.ParseDuration(def)
	if err != nil || h <= l {
		return nil
	}
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	return slider(ms(l), ms(h), ms(d), true, "ms")
}

func slider(lo, hi, def float64, whole bool, unit string) *sliderView {
	s := &sliderView{Unit: unit, Lo: num(lo), Hi: num(hi)}
	if lo > 0 && hi/lo > logRatio {
		pos := math.Round(logPositions * math.Log(def/lo) / math.Log(hi/lo))
		s.Scale, s.Min, s.Max, s.Step = "log", "0", strconv.Itoa(logPositions), "1"
		s.Value = num(min(max(pos, 0), logPositions))
		return s
	}
	s.Scale, s.Min, s.Max, s.Value = "linear", num(lo), num(hi), num(def)
	s.Step = num(linearStep(lo, hi, whole))
	return s
}

// linearStep is the largest round step (1, 2, 2.5 or 5 times a power of
// ten) that gives at least sliderSteps positions and lands exactly on both
// bounds; whole numbers never step by less than 1.
func linearStep(lo, hi float64, whole bool) float64 {
	span := hi - lo
	for exp := math.Floor(math.Log10(span)); exp >= -6; exp-- {
		for _, m := range []float64{5, 2.5, 2, 1} {
			step := m * math.Pow(10, exp)
			if whole && step < 1 {
				return 1
			}
			if span/step >= sliderSteps && onGrid(lo, step) && onGrid(hi, step) {
				return step
			}
		}
	}
	if whole {
		return 1
	}
	return span / sliderSteps
}

func onGrid(x, step float64) bool {
	q := x / step
	return math.Abs(q-math.Round(q)) < 1e-9
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// labelAndHelp splits a parameter's help into a short label in words (its
// first clause: "信号量的名额") and the rest, so a knob is named in the
// learner's language, its identifier beside it, not by the identifier
// alone. A help of one short clause is all label.
func labelAndHelp(help string) (label, rest string) {
	help = strings.TrimSpace(help)
	if i := strings.IndexAny(help, "：，；（"); i > 0 {
		label, rest = help[:i], help[i:]
		_, size := utf8.DecodeRuneInString(rest)
		if rest[:size] == "（" && strings.HasSuffix(rest, "）") {
			rest = strings.TrimSuffix(rest[size:], "）") // an aside, once it stands alone
		} else if rest[:size] != "（" {
			rest = rest[size:]
		}
		return label, strings.TrimSpace(rest)
	}
	if utf8.RuneCountInString(help) <= 16 {
		return help, ""
	}
	return "", help
}

// saysRange reports whether help already states the bounds min and max.
func saysRange(help, min, max string) bool {
	if min == "" || max == "" {
		return false
	}
	for _, sep := range []string{" 到 ", "到", "–", "-", " – ", "～", "~"} {
		if strings.Contains(help, min+sep+max) {
			return true
		}
	}
	return false
}
