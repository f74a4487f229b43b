package web

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/bingfa-manyou/walkthrough/runner"
)

func attr(s *goquery.Selection, name string) string { v, _ := s.Attr(name); return v }

// The semaphore panel shows each kind of parameter as its own control, with
// the declared limits on the control itself.
func TestKnobsRenderAsControls(t *testing.T) {
	srv, _ := startCourse(t)
	doc := page(t, srv.URL+"/lessons/semaphore", http.StatusOK)
	panel := doc.Find(`section.demo[data-demo="flags-semaphore"]`)
	if panel.Length() != 1 {
		t.Fatal("no flags-semaphore panel")
	}
	knob := func(name string) *goquery.Selection { return panel.Find(`.param[data-param="` + name + `"]`) }

	limit := knob("limit").Find(`input[name="limit"]`)
	if attr(limit, "type") != "number" || attr(limit, "min") != "1" || attr(limit, "max") != "1000" || attr(limit, "step") != "1" || attr(limit, "value") != "5" {
		t.Errorf("limit field: type=%q min=%q max=%q step=%q value=%q", attr(limit, "type"), attr(limit, "min"), attr(limit, "max"), attr(limit, "step"), attr(limit, "value"))
	}
	// 1..1000 is a log slider, so that small limits get room.
	slider := knob("limit").Find(`input.slider[type="range"]`)
	if slider.Length() != 1 || attr(slider, "data-scale") != "log" || attr(slider, "data-lo") != "1" || attr(slider, "data-hi") != "1000" {
		t.Errorf("limit slider: %d, scale %q, %q..%q", slider.Length(), attr(slider, "data-scale"), attr(slider, "data-lo"), attr(slider, "data-hi"))
	}
	if _, named := slider.Attr("name"); named {
		t.Error("the slider has a name: it would be sent as a second value")
	}

	rate := knob("error_rate").Find(`input[name="error_rate"]`)
	rateSlider := knob("error_rate").Find("input.slider")
	if attr(rate, "type") != "number" || attr(rate, "step") != "any" || attr(rate, "min") != "0" || attr(rate, "max") != "1" {
		t.Errorf("error_rate field: type=%q step=%q min=%q max=%q", attr(rate, "type"), attr(rate, "step"), attr(rate, "min"), attr(rate, "max"))
	}
	if attr(rateSlider, "data-scale") != "linear" || attr(rateSlider, "min") != "0" || attr(rateSlider, "max") != "1" || attr(rateSlider, "step") != "0.01" || attr(rateSlider, "value") != "0.1" {
		t.Errorf("error_rate slider: %q %q..%q step %q value %q", attr(rateSlider, "data-scale"), attr(rateSlider, "min"), attr(rateSlider, "max"), attr(rateSlider, "step"), attr(rateSlider, "value"))
	}

	// A duration is typed with its unit; its slider moves in milliseconds.
	latency := knob("latency").Find(`input[name="latency"]`)
	latSlider := knob("latency").Find("input.slider")
	if attr(latency, "type") != "text" || attr(latency, "data-min") != "0s" || attr(latency, "data-max") != "2s" || attr(latency, "value") != "100ms" {
		t.Errorf("latency field: type=%q %q..%q value %q", attr(latency, "type"), attr(latency, "data-min"), attr(latency, "data-max"), attr(latency, "value"))
	}
	if attr(latSlider, "data-unit") != "ms" || attr(latSlider, "min") != "0" || attr(latSlider, "max") != "2000" || attr(latSlider, "value") != "100" {
		t.Errorf("latency slider: unit %q, %q..%q value %q", attr(latSlider, "data-unit"), attr(latSlider, "min"), attr(latSlider, "max"), attr(latSlider, "value"))
	}
	if knob("latency").Find(".limits .unit").Text() == "" {
		t.Error("no unit hint for a duration")
	}

	// A choice is a select with every choice and the default selected.
	var choices []string
	knob("missing").Find(`select[name="missing"] option`).Each(func(_ int, o *goquery.Selection) { choices = append(choices, attr(o, "value")) })
	if !slices.Equal(choices, []string{"none", "CD", "CD,IR", "CD,IR,TR,VN"}) {
		t.Errorf("missing choices = %q", choices)
	}
	if sel := knob("missing").Find("option[selected]"); sel.Length() != 1 || attr(sel, "value") != "CD,IR" {
		t.Errorf("missing: %d selected, %q", sel.Length(), attr(sel, "value"))
	}

	// Every field has its label and a place for its error message.
	panel.Find(".param").Each(func(_ int, p *goquery.Selection) {
		field := p.Find("[name]")
		id := attr(field, "id")
		if field.Length() != 1 || p.Find(`label[for="`+id+`"]`).Length() != 1 || p.Find(`#`+id+`-error.param-error`).Length() != 1 {
			t.Errorf("param %s: %d named fields, label or error place missing", attr(p, "data-param"), field.Length())
		}
	})
}

// The panel holds the timeline, the predict field, run ×N and the compare
// form, ready for timeline.js and course.js.
func TestPanelHasTimelineAndRunModes(t *testing.T) {
	srv, _ := startCourse(t)
	doc := page(t, srv.URL+"/lessons/flags", http.StatusOK)
	panel := doc.Find(`section.demo[data-demo="flags-sequential"]`)
	if panel.Find("figure.timeline .timeline-plot").Length() != 1 || panel.Find("figure.timeline .timeline-legend").Length() != 1 {
		t.Error("no timeline container")
	}
	if panel.Find(".orders[hidden]").Length() != 1 {
		t.Error("no (hidden) place for the orders histogram")
	}
	predict := panel.Find("input.predict-input")
	if attr(predict, "type") != "number" || attr(predict, "min") != "0" || panel.Find(`label[for="`+attr(predict, "id")+`"]`).Length() != 1 {
		t.Error("no labelled predict field")
	}
	if _, named := predict.Attr("name"); named {
		t.Error("the predict field has a name: it must not be sent as a parameter")
	}
	n := panel.Find("input.repeat-n")
	if attr(n, "min") != "2" || attr(n, "max") != "20" || panel.Find("button.repeat").Length() != 1 {
		t.Errorf("run ×N: min %q max %q", attr(n, "min"), attr(n, "max"))
	}

	// Compare offers the same demo with one knob changed first (the
	// default), then the lesson's other demo.
	form := panel.Find("form.compare[hidden]")
	toggle := panel.Find("button.compare-toggle")
	if form.Length() != 1 || attr(toggle, "aria-controls") != attr(form, "id") {
		t.Fatal("no hidden compare form controlled by the toggle")
	}
	var options []string
	form.Find("select.compare-with option").Each(func(_ int, o *goquery.Selection) { options = append(options, attr(o, "value")) })
	if !slices.Equal(options, []string{"flags-sequential", "flags-concurrent"}) {
		t.Errorf("compare options = %q", options)
	}
	if attr(form.Find("option[selected]"), "value") != "flags-sequential" {
		t.Error("the same demo is not the default choice")
	}
	if form.Find("button.compare-run").Length() != 1 || form.Find(".compare-params").Length() != 1 {
		t.Error("compare form lacks its run button or parameter place")
	}
	if href := attr(panel.Find("a.share"), "href"); href != "#demo-flags-sequential" {
		t.Errorf("share link = %q", href)
	}
}

// Every parameter of every demo gets a control of its kind, and every
// slider starts inside its own range.
func TestEveryParameterHasAControl(t *testing.T) {
	srv, catalog := startCourse(t)
	pages := map[string]*goquery.Document{}
	for _, d := range catalog.Registry().All() {
		doc := pages[d.Lesson]
		if doc == nil {
			doc = page(t, srv.URL+"/lessons/"+d.Lesson, http.StatusOK)
			pages[d.Lesson] = doc
		}
		panel := doc.Find(`section.demo[data-demo="` + d.ID + `"]`)
		if panel.Find("figure.timeline").Length() != 1 {
			t.Errorf("%s: no timeline", d.ID)
		}
		for _, p := range d.Params {
			field := panel.Find(`form.params [name="` + p.Name + `"]`)
			want := map[runner.Kind]string{runner.KindInt: "number", runner.KindFloat: "number", runner.KindDuration: "text", runner.KindDurations: "text"}[p.Kind]
			switch {
			case field.Length() != 1:
				t.Errorf("%s.%s: %d fields", d.ID, p.Name, field.Length())
			case p.Kind == runner.KindChoice && goquery.NodeName(field) != "select":
				t.Errorf("%s.%s: a choice rendered as %s", d.ID, p.Name, goquery.NodeName(field))
			case p.Kind != runner.KindChoice && attr(field, "type") != want:
				t.Errorf("%s.%s: type %q, want %q", d.ID, p.Name, attr(field, "type"), want)
			}
			slider := panel.Find(`.param[data-param="` + p.Name + `"] input.slider`)
			if slider.Length() == 0 {
				continue
			}
			lo, _ := strconv.ParseFloat(attr(slider, "min"), 64)
			hi, _ := strconv.ParseFloat(attr(slider, "max"), 64)
			v, err := strconv.ParseFloat(attr(slider, "value"), 64)
			if err != nil || v < lo || v > hi {
				t.Errorf("%s.%s: slider value %q outside %v..%v", d.ID, p.Name, attr(slider, "value"), lo, hi)
			}
		}
	}
}

func TestSliderScales(t *testing.T) {
	tests := []struct {
		name                     string
		p                        runner.Param
		scale, min, max, step, v string
	}{
		{"whole numbers 1..20", runner.Param{Kind: runner.KindInt, Min: "1", Max: "20", Default: "20"}, "linear", "1", "20", "1", "20"},
		{"a rate 0..1", runner.Param{Kind: runner.KindFloat, Min: "0", Max: "1", Default: "0.1"}, "linear", "0", "1", "0.01", "0.1"},
		{"latency 0s..2s", runner.Param{Kind: runner.KindDuration, Min: "0s", Max: "2s", Default: "100ms"}, "linear", "0", "2000", "20", "100"},
		{"frame 20ms..80ms", runner.Param{Kind: runner.KindDuration, Min: "20ms", Max: "80ms", Default: "80ms"}, "linear", "20", "80", "1", "80"},
		{"no minimum means 0", runner.Param{Kind: runner.KindDuration, Max: "200ms", Default: "50ms"}, "linear", "0", "200", "2", "50"},
		{"limit 1..1000 on a log scale", runner.Param{Kind: runner.KindInt, Min: "1", Max: "1000", Default: "10"}, "log", "0", "1000", "1", "333"},
		{"slow 100ms..10s on a log scale", runner.Param{Kind: runner.KindDuration, Min: "100ms", Max: "10s", Default: "1s"}, "log", "0", "1000", "1", "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newParamView("d", tt.p).Slider
			if s == nil {
				t.Fatal("no slider")
			}
			if s.Scale != tt.scale || s.Min != tt.min || s.Max != tt.max || s.Step != tt.step || s.Value != tt.v {
				t.Errorf("slider = %+v, want %s %s..%s step %s value %s", *s, tt.scale, tt.min, tt.max, tt.step, tt.v)
			}
		})
	}
	for _, p := range []runner.Param{
		{Kind: runner.KindInt, Min: "1", Default: "3"},                    // no maximum
		{Kind: runner.KindDurations, Min: "1s", Max: "5s", Default: "1s"}, // a list
		{Kind: runner.KindChoice, Choices: []string{"a"}, Default: "a"},
	} {
		if s := newParamView("d", p).Slider; s != nil {
			t.Errorf("%+v got a slider %+v", p, *s)
		}
	}
}

// A knob is named in words with its identifier beside it, and its help
// says its range once.
func TestKnobLabelsAndHelp(t *testing.T) {
	for _, tc := range []struct{ help, label, rest string }{
		{"信号量的名额：同时最多几个请求在路上", "信号量的名额", "同时最多几个请求在路上"},
		{"服务器回答 500 的比例，0 到 1", "服务器回答 500 的比例", "0 到 1"},
		{"服务器每次应答前的延迟", "服务器每次应答前的延迟", ""},
		{"下载几面国旗（按人口从多到少取前几个国家）", "下载几面国旗", "按人口从多到少取前几个国家"},
		{"", "", ""},
	} {
		if label, rest := labelAndHelp(tc.help); label != tc.label || rest != tc.rest {
			t.Errorf("labelAndHelp(%q) = %q, %q; want %q, %q", tc.help, label, rest, tc.label, tc.rest)
		}
	}
	v := newParamView("d", runner.Param{Name: "error_rate", Kind: runner.KindFloat, Default: "0", Min: "0", Max: "1", Help: "服务器回答 500 的比例，0 到 1"})
	if v.Limits != "" || v.Label != "服务器回答 500 的比例" {
		t.Errorf("error_rate: label %q, limits %q; want the label in words and the range said once", v.Label, v.Limits)
	}
	v = newParamView("d", runner.Param{Name: "limit", Kind: runner.KindInt, Default: "5", Min: "1", Max: "1000", Help: "信号量的名额：同时最多几个请求在路上"})
	if v.Limits != "1 – 1000" {
		t.Errorf("limit: limits %q, want 1 – 1000", v.Limits)
	}
}
