package web

import (
	"context"
	"testing"
)

// The scheduler view in the page: beside the knobs, 调度视图 and a
// GOMAXPROCS selector; a run of spinner-thread with it on draws a lane per
// P, the busy threads, and a row per goroutine, the spinner's marked as
// locked to its thread; hovering the spinner's bar on the timeline lights
// up that goroutine. Without it, no view; and nothing of the view is
// loaded before the first tick.
func TestBrowserSchedulerView(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	if ok, why := srv.Course.TraceStatus("spinner-thread"); !ok {
		t.Skipf("tracing unavailable here: %s", why)
	}
	if err := srv.Course.WarmEdits(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 900)
	const id = "spinner-thread"
	p := demo(id)
	q := func(sel string) string { return `document.querySelector(` + js(sel) + `)` }

	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	if !eval[bool](tb, q(p+" .sched-box")+`.getClientRects().length > 0`) {
		t.Fatal("no 调度视图 switch beside the knobs")
	}
	if eval[bool](tb, `[...document.scripts, ...document.querySelectorAll("link")].some((e) => /schedview\.(js|css)/.test(e.src || e.href))`) {
		t.Error("the page loads the scheduler view before 调度视图 is ticked")
	}
	tb.typeInto(p+` input[name="slow"]`, "300ms")
	tb.typeInto(p+` input[name="frame"]`, "20ms")
	tb.click(p + " .sched-box input")
	tb.click(p + " button.run")
	tb.waitFor("the scheduler view drawn", q(p+" figure.schedview")+`.dataset.state === "drawn"`,
		q(p+" figure.schedview")+`.outerHTML.slice(0, 400)`)
	lanes := eval[int](tb, `[...document.querySelectorAll(`+js(p+" .schedview-plot text.sv-label")+`)].filter(t => /^P\d$/.test(t.textContent)).length`)
	if lanes != 2 {
		t.Errorf("%d P lanes, want 2 (GOMAXPROCS=2)", lanes)
	}
	if !eval[bool](tb, `[...document.querySelectorAll(`+js(p+" .sv-row-label")+`)].some(t => t.textContent.includes("🔒"))`) {
		t.Error("no goroutine row marked locked to its thread")
	}
	if !eval[bool](tb, q(p+" path.sv-threads")+` !== null`) {
		t.Error("no thread lane")
	}
	// Hover the spinner's bar on the timeline: its goroutine lights up.
	if !eval[bool](tb, `(() => { const r = `+q(p+` .timeline-plot rect[data-task="spinner"]`)+`; if (!r) return false;
		r.dispatchEvent(new MouseEvent("mouseover", { bubbles: true })); return true; })()`) {
		t.Fatal("no bar of the spinner task on the timeline")
	}
	tb.waitFor("the spinner's goroutine lit", `document.querySelectorAll(`+js(p+" .schedview-plot .sv-lit")+`).length > 0`,
		q(p+" .schedview-plot")+`.className.baseVal || ""`)
	noProblems(t, tb, "the scheduler view")

	// Off again: the next run shows no view.
	tb.click(p + " .sched-box input")
	tb.click(p + " button.run")
	tb.waitFor("the view hidden for an untraced run", q(p+" figure.schedview")+`.hidden`, q(p+" figure.schedview")+`.hidden`)
}
