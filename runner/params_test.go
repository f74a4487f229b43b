package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func nop(context.Context, Values, io.Writer, Events) error { return nil }

func knobs() *Demo {
	return &Demo{ID: "knobs", Lesson: "l", Title: "t", Source: "k.go", Run: nop, Params: []Param{
		{Name: "limit", Kind: KindInt, Default: "5", Min: "1", Max: "1000"},
		{Name: "rate", Kind: KindFloat, Default: "0.1", Min: "0", Max: "1"},
		{Name: "latency", Kind: KindDuration, Default: "100ms", Min: "0s", Max: "2s"},
		{Name: "sleeps", Kind: KindDurations, Default: "1s,2s,3s", Min: "10ms", Max: "5s"},
		{Name: "fail", Kind: KindChoice, Default: "none", Choices: []string{"none", "1", "2"}},
	}}
}

func TestParseDefaultsAndValues(t *testing.T) {
	d := knobs()
	v, err := d.Parse(map[string]string{"limit": " 20 ", "latency": "1.5s", "sleeps": "10ms, 20ms", "fail": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Int("limit") != 20 || v.Float("rate") != 0.1 || v.Duration("latency") != 1500*time.Millisecond || v.Choice("fail") != "2" {
		t.Errorf("values = %+v", v.values)
	}
	if got := v.Durations("sleeps"); len(got) != 2 || got[1] != 20*time.Millisecond {
		t.Errorf("sleeps = %v", got)
	}
	if got := v.Text(); got["latency"] != "1.5s" || got["sleeps"] != "10ms,20ms" || got["rate"] != "0.1" {
		t.Errorf("text = %v", got)
	}
}

func TestParseErrorsNameTheField(t *testing.T) {
	d := knobs()
	for _, tc := range []struct {
		raw   map[string]string
		param string
		says  string
	}{
		{map[string]string{"limt": "5"}, "limt", `unknown parameter "limt" for demo knobs`},
		{map[string]string{"limit": "abc"}, "limit", "not a whole number"},
		{map[string]string{"limit": "-3"}, "limit", "at least 1"},
		{map[string]string{"limit": "1e9"}, "limit", "not a whole number"},
		{map[string]string{"limit": "99999999999999999999"}, "limit", "not a whole number"},
		{map[string]string{"limit": "1001"}, "limit", "at most 1000"},
		{map[string]string{"rate": "NaN"}, "rate", "not a finite number"},
		{map[string]string{"rate": "Inf"}, "rate", "not a finite number"},
		{map[string]string{"rate": "1.5"}, "rate", "at most 1"},
		{map[string]string{"latency": "3"}, "latency", "not a duration"},
		{map[string]string{"latency": "-1s"}, "latency", "is negative"},
		{map[string]string{"latency": "100h"}, "latency", "at most 2s"},
		{map[string]string{"sleeps": "1s,x"}, "sleeps", "not a duration"},
		{map[string]string{"sleeps": strings.Repeat("1s,", 20) + "1s"}, "sleeps", "at most 20 durations"},
		{map[string]string{"fail": "4"}, "fail", "not one of none, 1, 2"},
		{map[string]string{"limit": strings.Repeat("9", 300)}, "limit", "longer than"},
	} {
		_, err := d.Parse(tc.raw)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%v: err = %v, want a ParamError", tc.raw, err)
			continue
		}
		if pe.Param != tc.param || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: error %q about %q, want one about %q saying %q", tc.raw, err, pe.Param, tc.param, tc.says)
		}
	}
}

func TestRegistryRejectsBrokenDeclarations(t *testing.T) {
	good := *knobs()
	for name, broken := range map[string]func(d *Demo){
		"no id":          func(d *Demo) { d.ID = "" },
		"no run":         func(d *Demo) { d.Run = nil },
		"no source":      func(d *Demo) { d.Source = "" },
		"bad default":    func(d *Demo) { d.Params[0].Default = "0" },
		"bad bound":      func(d *Demo) { d.Params[2].Max = "2 seconds" },
		"unknown kind":   func(d *Demo) { d.Params[0].Kind = "bool" },
		"empty choice":   func(d *Demo) { d.Params[4].Choices = nil },
		"duplicate name": func(d *Demo) { d.Params[1].Name = "limit" },
	} {
		d := good
		d.Params = append([]Param(nil), good.Params...)
		broken(&d)
		if _, err := NewRegistry(d); err == nil {
			t.Errorf("%s: registry accepted it", name)
		}
	}
	if _, err := NewRegistry(good, good); err == nil {
		t.Error("registry accepted a duplicate id")
	}
	r, err := NewRegistry(good)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := r.Lookup("knobs"); !ok || d.ID != "knobs" || len(r.All()) != 1 {
		t.Error("lookup failed")
	}
}

// paramCaseTable is testdata/param_cases.json: parameter declarations and
// values, each with whether the parameter accepts it and, if not, why. The
// page checks values with static/params.js before it sends them; web's
// TestBrowserParamsAgreeWithGo runs the same table through that module, so
// the page and this parser cannot drift apart unnoticed.
type paramCaseTable struct {
	Doc    string `json:"doc"`
	Groups []struct {
		Param Param `json:"param"`
		Cases []struct {
			Raw  string `json:"raw"`
			Want string `json:"want"` // "ok", or one of refusalKinds
			Note string `json:"note"`
		} `json:"cases"`
	} `json:"groups"`
}

// refusalKinds tells the kinds of refusal apart by the end of the
// parser's message (which quotes the value before it, so the value cannot
// pass for another kind).
var refusalKinds = []struct {
	why  string
	says *regexp.Regexp
}{
	{"length", regexp.MustCompile(`value is longer than \d+ characters$`)},
	{"syntax", regexp.MustCompile(`" is not a (whole number|finite number|duration such as 250ms or 1\.5s)$`)},
	{"negative", regexp.MustCompile(`" is negative; a duration here is 0 or more$`)},
	{"range", regexp.MustCompile(`: must be at (least|most) [^"]*$`)},
	{"count", regexp.MustCompile(`: at most \d+ durations, got \d+$`)},
	{"choice", regexp.MustCompile(`" is not one of [^"]*$`)},
}

func refusalKind(err error) string {
	for _, k := range refusalKinds {
		if k.says.MatchString(err.Error()) {
			return k.why
		}
	}
	return "unrecognised"
}

func TestParamCases(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "param_cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a misspelt "max_items" would silently test nothing
	var table paramCaseTable
	if err := dec.Decode(&table); err != nil {
		t.Fatalf("param_cases.json: %v", err)
	}
	kinds := map[Kind]bool{}
	wants := map[string]bool{}
	n := 0
	for _, g := range table.Groups {
		d := Demo{ID: "cases", Lesson: "l", Title: "t", Source: "c.go", Run: nop, Params: []Param{g.Param}}
		if _, err := NewRegistry(d); err != nil {
			t.Errorf("declaration %+v is not one a demo may make: %v", g.Param, err)
			continue
		}
		kinds[g.Param.Kind] = true
		for _, c := range g.Cases {
			n++
			wants[c.Want] = true
			got := "ok"
			_, err := d.Parse(map[string]string{g.Param.Name: c.Raw})
			if err != nil {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != g.Param.Name {
					t.Errorf("%s=%q: error %v does not name the parameter", g.Param.Name, c.Raw, err)
				}
				got = refusalKind(err)
			}
			if got != c.Want {
				t.Errorf("%s %s=%q (%s): %s, want %s (error: %v)", g.Param.Kind, g.Param.Name, c.Raw, c.Note, got, c.Want, err)
			}
		}
	}
	// The table keeps covering every kind of parameter and of refusal.
	for _, k := range []Kind{KindInt, KindFloat, KindDuration, KindDurations, KindChoice} {
		if !kinds[k] {
			t.Errorf("no case declares a %s parameter", k)
		}
	}
	for _, k := range refusalKinds {
		if !wants[k.why] {
			t.Errorf("no case is refused for %s", k.why)
		}
	}
	if !wants["ok"] || n < 100 {
		t.Errorf("%d cases; the table has lost its accepted values or most of its cases", n)
	}
}
