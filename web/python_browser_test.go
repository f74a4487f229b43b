package web

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A learner picks Python on a panel: the Python source shows, the asyncio
// program runs on the server (its console and status say Python), the
// choice survives a reload through the address, and the comparison puts
// the same demo in Go beside it on one time scale, with the ratio.
func TestBrowserRunsPythonAndComparesWithGo(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	requirePython(t, srv.Course)
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 800)

	const id = "spinner-goroutine"
	p := demo(id)
	q := func(sel string) string { return `document.querySelector(` + js(sel) + `)` }
	status := q(p+" .status") + `.textContent`
	pressed := func(rt string) string {
		return `(` + q(p+` .runtime button[data-runtime="`+rt+`"]`) + `.getAttribute("aria-pressed") === "true")`
	}
	pyTabShown := `(` + q(p+` [role="tab"][data-tab="py"]`) + `.getAttribute("aria-selected") === "true" && !` + q(p+` .source[data-pane="py"]`) + `.hidden)`
	// started lists the runtime of every run the panel started, as the
	// server's "started" frames say it.
	started := `(window.startedIn || []).join(" ")`
	recordStarts := func() {
		eval[bool](tb, `(() => { window.startedIn = []; `+q(p)+`.addEventListener("demo-frame", (e) => {
			if (e.detail.type === "started") window.startedIn.push(e.detail.runtime); }); return true; })()`)
	}

	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	recordStarts()
	if !eval[bool](tb, q(p+" .runtime")+`.getClientRects().length > 0 && `+pressed("go")+` && !`+pyTabShown) {
		t.Fatal("the runtime switch is not shown with Go chosen and the Go source in view")
	}

	// Pick Python: the switch says so, the Python source is in view, the
	// address keeps it.
	tb.click(p + ` .runtime button[data-runtime="python"]`)
	tb.waitFor("Python chosen, its source shown", pressed("python")+` && !(`+pressed("go")+`) && `+pyTabShown, q(p+" .runtime")+`.outerHTML`)
	tb.waitFor("the address to keep Python", `location.search.includes(`+js(id+".runtime=python")+`)`, `location.search`)

	// Run: the asyncio program answers, and the panel says it was Python.
	tb.typeInto(p+` form.params input[name="slow"]`, "300ms")
	tb.click(p + " button.run")
	tb.waitFor("the Python run to end", q(p+" .console .exit-ok")+` !== null`, consoleText(id)+` + " / " + `+status)
	if out := eval[string](tb, consoleText(id)); !strings.Contains(out, "Answer: 42") {
		t.Errorf("console %q lacks the answer", out)
	}
	if line := eval[string](tb, q(p+" .console .exit-ok")+`.textContent`); !regexp.MustCompile(`^\n?✓ 完成 \d+\.\d\d s · Python · 另有解释器启动 \d+\.\d\d s$`).MatchString(line) {
		t.Errorf("exit line %q does not say Python and its start-up apart", line)
	}
	if s := eval[string](tb, status); !regexp.MustCompile(`^完成 \d+\.\d\d s · Python$`).MatchString(s) {
		t.Errorf("status %q does not say Python", s)
	}
	if got := eval[string](tb, started); got != "python" {
		t.Errorf("the server started %q, want one python run", got)
	}

	// A reload brings Python back from the address, source and all.
	tb.reload()
	waitReady(tb)
	recordStarts()
	if !eval[bool](tb, pressed("python")+` && `+pyTabShown) {
		t.Error("the reload did not bring Python back")
	}

	// From the keyboard: Go, then Python again.
	tb.focus(p + ` .runtime button[data-runtime="go"]`)
	tb.press("Enter", false)
	tb.waitFor("Enter to pick Go", pressed("go")+` && !location.search.includes(".runtime=")`, `location.search`)
	tb.focus(p + ` .runtime button[data-runtime="python"]`)
	tb.press("Enter", false)
	tb.waitFor("Enter to pick Python", pressed("python"), q(p+" .runtime")+`.outerHTML`)

	// Compare: the same demo in Go is the first choice, and the default.
	tb.click(p + " .compare-toggle")
	tb.waitFor("the compare form", `!`+q(p+" form.compare")+`.hidden`, q(p+" form.compare")+`.hidden`)
	// The default B is the same demo with one knob changed; the same demo
	// in Go is the next choice.
	sel := q(p + " .compare-with")
	first := eval[string](tb, sel+`.options[1].value + " " + `+sel+`.value + " " + `+sel+`.options[1].textContent`)
	if !strings.HasPrefix(first, "go "+id+" ") || !strings.Contains(first, "换用 Go") {
		t.Errorf("compare choices %q, want the same demo (chosen), then the same demo in Go", first)
	}
	eval[bool](tb, `(() => { const s = `+sel+`; s.value = "go"; s.dispatchEvent(new Event("change")); return true; })()`)
	tb.waitFor("the address to keep the comparison", `location.search.includes(`+js(id+".vs=go")+`)`, `location.search`)
	tb.click(p + " .compare-run")
	tb.waitFor("A in Python and B in Go to finish", status+`.startsWith("A Python 完成") && `+status+`.includes("B Go 完成")`, status)
	for sel, label := range map[string]string{p + " pre.console": "A · " + id + " · Python", p + " pre.console-b": "B · " + id + " · Go"} {
		if got := eval[string](tb, q(sel)+`.dataset.label`); got != label {
			t.Errorf("%s is labelled %q, want %q", sel, got, label)
		}
		if text := eval[string](tb, q(sel)+`.textContent`); !strings.Contains(text, "Answer: 42") {
			t.Errorf("%s: %q", sel, text)
		}
	}
	runs := strings.Fields(eval[string](tb, started))
	slices.Sort(runs)
	if !slices.Equal(runs, []string{"go", "python"}) {
		t.Errorf("the comparison started %q, want one go and one python run", runs)
	}

	// One time scale: both runs in one chart, the caption naming each
	// runtime and the ratio of their times.
	caption := q(p+" .timeline-summary") + `.textContent`
	tb.waitFor("the caption to compare Python with Go",
		caption+`.includes("A `+id+` · Python 用时") && `+caption+`.includes("B `+id+` · Go 用时") && `+caption+`.includes(" 倍")`, caption)
	if n := eval[int](tb, `document.querySelectorAll(`+js(p+" .timeline-plot svg")+`).length`); n != 1 {
		t.Errorf("%d charts, want both runs on one", n)
	}
	heads := eval[[]string](tb, `[...document.querySelectorAll(`+js(p+" .timeline-plot .tl-head")+`)].map(h => h.textContent)`)
	if len(heads) != 2 || !regexp.MustCompile(`^A · .*Python`).MatchString(heads[0]) || !regexp.MustCompile(`^B · .*· Go\b`).MatchString(heads[1]) {
		t.Errorf("run heads %q do not name the runtimes", heads)
	}
	noProblems(t, tb, "Python and Go")
}
