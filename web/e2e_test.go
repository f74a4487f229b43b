package web

// End-to-end: the course served as `walkthrough serve` serves it (the real
// catalog, socket and pages, the download demos pointed at a running flag
// server), walked through by headless Chromium. The browser steps are in
// browser_test.go; this file says what a learner does and sees.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bingfa-manyou/walkthrough/lessons/flagserver"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// js quotes a CSS selector as a JavaScript string literal.
func js(sel string) string {
	b, _ := json.Marshal(sel)
	return string(b)
}

// demo is the selector of a demo panel.
func demo(id string) string { return `section.demo[data-demo="` + id + `"]` }

// waitReady waits until every demo panel on the page can run: the scripts
// have run and the websocket is open.
func waitReady(tb *chromeTab) {
	tb.t.Helper()
	tb.waitFor("every Run button enabled (socket open)",
		`document.readyState === "complete" && [...document.querySelectorAll("section.demo button.run")].every(b => !b.disabled)`,
		`[...document.querySelectorAll("section.demo .status")].map(s => s.textContent).join(" | ")`)
}

// consoleText is the text of a panel's console.
func consoleText(id string) string {
	return `document.querySelector(` + js(demo(id)+" pre.console") + `).textContent`
}

// noProblems fails the test if the page reported any console error or
// warning, uncaught exception or CSP violation.
func noProblems(t *testing.T, tb *chromeTab, where string) {
	t.Helper()
	for _, p := range tb.takeProblems() {
		t.Errorf("%s: %s", where, p)
	}
}

func TestBrowser(t *testing.T) {
	execPath := requireChromium(t)
	srv, catalog := startCourse(t)
	b := startChrome(t, execPath) // after the server: closes before it
	all := catalog.Lessons()
	// Screenshots go to $SCREENSHOT_DIR, for a person (or CI artifact) to
	// look at, or else to a directory removed after the test.
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	t.Run("SpinnerRunsAndStops", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/")
		tb.click(`.lesson-card a[href="/lessons/spinner"]`)
		tb.waitFor("the spinner lesson", `location.pathname === "/lessons/spinner"`, `location.pathname`)
		waitReady(tb)

		const id = "spinner-goroutine"
		tb.click(demo(id) + " button.run")
		// The spinner turns in place: sample the console until the answer
		// comes and count the different screens seen on the way.
		screens := map[string]bool{}
		deadline := time.Now().Add(browserWait)
		for {
			text := eval[string](tb, consoleText(id))
			if strings.Contains(text, "Answer: 42") {
				break
			}
			if text != "" {
				screens[text] = true
			}
			if time.Now().After(deadline) {
				t.Fatalf("no answer after %v; console %q", browserWait, text)
			}
			time.Sleep(30 * time.Millisecond)
		}
		if len(screens) < 3 {
			t.Errorf("the spinner did not turn: %d different screens before the answer: %v", len(screens), screens)
		}
		tb.waitFor("the exit line", `document.querySelector(`+js(demo(id)+" .exit-ok")+`)`, consoleText(id))

		// A long run, stopped with the Stop button.
		tb.typeInto(demo(id)+` input[name="slow"]`, "10s")
		tb.click(demo(id) + " button.run")
		tb.waitFor("the run to start drawing", `!document.querySelector(`+js(demo(id)+" button.stop")+`).disabled && `+consoleText(id)+` !== ""`,
			`document.querySelector(`+js(demo(id)+" .status")+`).textContent`)
		tb.click(demo(id) + " button.stop")
		tb.waitFor("■ 已停止 in the console", consoleText(id)+`.includes("■ 已停止")`, consoleText(id))
		if eval[bool](tb, `document.querySelector(`+js(demo(id)+" .exit-stopped")+`) === null`) {
			t.Error("the stop line is not marked as a stop")
		}
		tb.waitFor("Run enabled again, Stop disabled",
			`!document.querySelector(`+js(demo(id)+" button.run")+`).disabled && document.querySelector(`+js(demo(id)+" button.stop")+`).disabled`,
			`document.querySelector(`+js(demo(id)+" .status")+`).textContent`)
		noProblems(t, tb, "spinner lesson")
	})

	t.Run("FlagGallery", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/flags")
		waitReady(tb)
		const id = "flags-concurrent"
		n := len(flagserver.Countries())
		tb.typeInto(demo(id)+` input[name="count"]`, fmt.Sprint(n))
		tb.typeInto(demo(id)+` input[name="latency"]`, "20ms")
		tb.click(demo(id) + " button.run")
		tb.waitFor("the summary line", consoleText(id)+`.includes("flags downloaded in")`, consoleText(id))
		tb.waitFor(fmt.Sprintf("%d flags shown and loaded", n),
			fmt.Sprintf(`[...document.querySelectorAll(%s)].filter(i => i.complete && i.naturalWidth > 0).length === %d`,
				js(demo(id)+" .gallery figure img"), n),
			`document.querySelectorAll(`+js(demo(id)+" .gallery figure")+`).length`)
		text := eval[string](tb, consoleText(id))
		if want := fmt.Sprintf("%d flags downloaded in", n); !strings.Contains(text, want) {
			t.Errorf("console %q lacks %q", text, want)
		}
		for _, c := range flagserver.Countries() {
			if !strings.Contains(text, c.Code+" ") {
				t.Errorf("console %q does not list %s", text, c.Code)
			}
		}
		alt := eval[string](tb, `document.querySelector(`+js(demo(id)+` .gallery figure[data-cc="CN"] img`)+`).alt`)
		if !strings.Contains(alt, "CN") {
			t.Errorf("the CN flag's alt text is %q", alt)
		}
		noProblems(t, tb, "flags lesson")
	})

	t.Run("ParamErrorsNextToField", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/spinner")
		waitReady(tb)
		const id = "spinner-goroutine"
		field := demo(id) + ` .param[data-param="slow"]`
		fieldError := `document.querySelector(` + js(field+" .param-error") + `).textContent`

		// A value out of range, typed: the page says so beside the field
		// and nothing runs.
		tb.typeInto(field+` input[name="slow"]`, "20s")
		tb.click(demo(id) + " button.run")
		tb.waitFor("an error beside the field", fieldError+` !== ""`, fieldError)
		if got := eval[string](tb, `document.querySelector(`+js(field+" input")+`).getAttribute("aria-invalid")`); got != "true" {
			t.Errorf("the field is not marked invalid: aria-invalid=%q", got)
		}
		if eval[bool](tb, `document.querySelector(`+js(demo(id))+`).classList.contains("running") || document.querySelector(`+js(demo(id)+" .exit")+`) !== null`) {
			t.Error("a run started with a value out of range")
		}

		// The page checks values as the server does, so to see the server's
		// own answer arrive beside the field, the run message is changed on
		// its way out, as if the page's check had let the value through.
		const bad = "20s"
		d, ok := catalog.Registry().Lookup(id)
		if !ok {
			t.Fatalf("no demo %s", id)
		}
		_, perr := d.Parse(map[string]string{"slow": bad})
		if perr == nil {
			t.Fatalf("the server accepts slow=%q; the test needs a value it refuses", bad)
		}
		tb.typeInto(field+` input[name="slow"]`, "3s")
		eval[bool](tb, `(() => {
			const send = WebSocket.prototype.send;
			WebSocket.prototype.send = function (data) {
				const m = JSON.parse(data);
				if (m.type === "run" && m.demo === `+js(id)+`) { m.params.slow = `+js(bad)+`; data = JSON.stringify(m); }
				return send.call(this, data);
			};
			return true;
		})()`)
		tb.click(demo(id) + " button.run")
		// What the page shows is the Chinese half of runner's message.
		var pe *runner.ParamError
		if !errors.As(perr, &pe) || pe.Chinese == "" {
			t.Fatalf("the server's refusal %v says nothing in Chinese", perr)
		}
		tb.waitFor("the server's error beside the field", fieldError+` === `+js(pe.Chinese), fieldError)
		if eval[bool](tb, `document.querySelector(`+js(demo(id)+" .exit")+`) !== null`) {
			t.Error("a refused run printed an exit line")
		}
		tb.waitFor("Run enabled after the refusal", `!document.querySelector(`+js(demo(id)+" button.run")+`).disabled`,
			`document.querySelector(`+js(demo(id)+" .status")+`).textContent`)
		noProblems(t, tb, "spinner lesson with a bad parameter")
	})

	t.Run("ErrorAfterStartedLeavesTheRunRunning", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/spinner")
		waitReady(tb)
		const id = "spinner-goroutine"
		status := `document.querySelector(` + js(demo(id)+" .status") + `).textContent`
		// Keep hold of the page's socket and its run message, to send the
		// server something it answers with an error about a started run.
		eval[bool](tb, `(() => {
			const send = WebSocket.prototype.send;
			WebSocket.prototype.send = function (data) {
				const m = JSON.parse(data);
				if (m.type === "run" && !window.pageSocket) {
					window.pageSocket = this;
					window.runMessage = data;
					this.addEventListener("message", e => { const f = JSON.parse(e.data); if (f.type === "error") window.errorSeen = f; });
				}
				return send.call(this, data);
			};
			return true;
		})()`)
		tb.typeInto(demo(id)+` input[name="slow"]`, "10s")
		tb.click(demo(id) + " button.run")
		tb.waitFor("the run to start", status+` === "运行中"`, status)

		// The same run again: the server refuses it with an error frame for
		// the run in progress (as it answers a Stop that crosses an exit).
		eval[bool](tb, `(window.pageSocket.send(window.runMessage), true)`)
		tb.waitFor("the server's error", `window.errorSeen && window.errorSeen.id === JSON.parse(window.runMessage).id`, `JSON.stringify(window.errorSeen)`)
		if got := eval[string](tb, status); got != "运行中" {
			t.Errorf("after an error about the started run, the status says %q, want 运行中", got)
		}
		if !eval[bool](tb, `document.querySelector(`+js(demo(id))+`).classList.contains("running") && !document.querySelector(`+js(demo(id)+" button.stop")+`).disabled`) {
			t.Error("after an error about the started run, the panel no longer counts it as running")
		}
		if !eval[bool](tb, `document.querySelector(`+js(demo(id)+" .demo-error")+`).hidden`) {
			t.Error("an error about the started run was shown as the run's refusal")
		}

		// Its real exit still ends it, and the timeline keeps what it drew.
		tb.click(demo(id) + " button.stop")
		tb.waitFor("■ 已停止 in the console", consoleText(id)+`.includes("■ 已停止")`, consoleText(id))
		tb.waitFor("the status to say stopped", status+` === "已停止"`, status)
		if !eval[bool](tb, `document.querySelector(`+js(demo(id)+" figure.timeline")+`).classList.contains("has-data")`) {
			t.Error("the stopped run's timeline was wiped")
		}
		noProblems(t, tb, "error about a started run")
	})

	t.Run("SourceTabsByKeyboard", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		// A lesson with a previous and a next one, so that ←/→ taken by
		// the page would show as a move to another lesson.
		var slug string
		for _, l := range all[1 : len(all)-1] {
			tb.open(srv.URL + "/lessons/" + l.Slug)
			waitReady(tb)
			if eval[int](tb, `document.querySelector("section.demo [role=tablist]")?.querySelectorAll("[role=tab]").length || 0`) >= 2 {
				slug = l.Slug
				break
			}
		}
		if slug == "" {
			t.Fatal("no lesson between the first and the last has a demo with two source tabs")
		}
		list := `document.querySelector("section.demo [role=tablist]")`
		tabs := `[...` + list + `.querySelectorAll("[role=tab]")]`
		// state names the selected tab, the focused one, the tabs Tab can
		// reach, the pane shown, and the page.
		state := `(() => { const tabs = ` + tabs + `;
			const sel = tabs.filter(t => t.getAttribute("aria-selected") === "true");
			const shown = tabs.filter(t => !document.getElementById(t.getAttribute("aria-controls")).hidden);
			return "selected=" + sel.map(t => tabs.indexOf(t)).join(",") +
				" focused=" + tabs.indexOf(document.activeElement) +
				" tabbable=" + tabs.filter(t => t.tabIndex === 0).map(t => tabs.indexOf(t)).join(",") +
				" shown=" + shown.map(t => tabs.indexOf(t)).join(",") +
				" page=" + location.pathname; })()`
		n := eval[int](tb, tabs+`.length`)
		at := func(i int) string {
			return fmt.Sprintf("selected=%d focused=%d tabbable=%d shown=%d page=/lessons/%s", i, i, i, i, slug)
		}
		eval[bool](tb, `(`+tabs+`[0].focus(), true)`)
		if got := eval[string](tb, state); got != at(0) {
			t.Fatalf("at the start: %s, want %s", got, at(0))
		}
		steps := []struct {
			key  string
			want int
		}{
			{"ArrowRight", 1 % n},
			{"ArrowLeft", 0},
			{"ArrowLeft", n - 1}, // round the start
			{"ArrowRight", 0},    // round the end
			{"End", n - 1},
			{"Home", 0},
		}
		for _, s := range steps {
			tb.press(s.key, false)
			tb.waitFor(fmt.Sprintf("%s to select and focus tab %d", s.key, s.want), state+` === `+js(at(s.want)), state)
		}
		noProblems(t, tb, "source tabs")
	})

	t.Run("KeyboardAndProgressSurviveReload", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		first, second, third := all[0], all[1], all[2]
		tb.open(srv.URL + "/lessons/" + first.Slug)
		waitReady(tb)
		if eval[bool](tb, `document.querySelector('.pager a[rel="prev"]') !== null`) {
			t.Error("the first lesson links a previous one")
		}

		// → in a text field moves the caret, not the page.
		input := `section.demo input[type="text"]`
		tb.focus(input)
		eval[bool](tb, `(() => { const i = document.querySelector(`+js(input)+`); i.setSelectionRange(0, 0);
			window.arrowClaimed = null;
			window.addEventListener("keydown", e => { if (e.key === "ArrowRight") window.arrowClaimed = e.defaultPrevented; });
			return true; })()`)
		tb.press("ArrowRight", false)
		tb.waitFor("the caret to move", `document.activeElement.selectionStart === 1`, `document.activeElement.selectionStart`)
		if claimed := eval[bool](tb, `window.arrowClaimed === true`); claimed || eval[string](tb, `location.pathname`) != "/lessons/"+first.Slug {
			t.Fatal("→ typed in a text field was taken as 'next lesson'")
		}

		// Outside a field, → and ← go to the next and previous lesson.
		eval[bool](tb, `(document.activeElement.blur(), true)`)
		tb.press("ArrowRight", false)
		tb.waitFor("→ to open the next lesson", `location.pathname === "/lessons/`+second.Slug+`"`, `location.pathname`)
		waitReady(tb)
		tb.press("ArrowLeft", false)
		tb.waitFor("← to open the previous lesson", `location.pathname === "/lessons/`+first.Slug+`"`, `location.pathname`)
		waitReady(tb)

		// Running every demo of a lesson to a clean exit finishes it.
		firstDone := `document.querySelector('.toc li[data-slug="` + first.Slug + `"]').classList.contains("done")`
		if eval[bool](tb, firstDone) {
			t.Fatal("a lesson is done before anything ran")
		}
		for _, d := range first.Demos {
			fastParams(t, tb, d.ID)
			tb.click(demo(d.ID) + " button.run")
			tb.waitFor(d.ID+" to finish", `document.querySelector(`+js(demo(d.ID)+" .exit")+`)`, consoleText(d.ID))
			if !eval[bool](tb, `document.querySelector(`+js(demo(d.ID)+" .exit-ok")+`) !== null`) {
				t.Fatalf("%s did not finish cleanly: %q", d.ID, eval[string](tb, consoleText(d.ID)))
			}
		}
		tb.waitFor("✓ beside the lesson in the contents", firstDone+` && !document.querySelector('.toc li[data-slug="`+first.Slug+`"] .done-mark').hidden`,
			`document.querySelector('.toc').innerText`)
		if got := eval[string](tb, `document.querySelector(".mark-done").getAttribute("aria-pressed")`); got != "true" {
			t.Errorf("the lesson's done button says aria-pressed=%q", got)
		}
		tb.reload()
		waitReady(tb)
		if !eval[bool](tb, firstDone) {
			t.Error("the finished lesson lost its ✓ on reload")
		}

		// The learner marks the second lesson done by hand, then moves on.
		tb.press("ArrowRight", false)
		tb.waitFor("→ to open the second lesson", `location.pathname === "/lessons/`+second.Slug+`"`, `location.pathname`)
		waitReady(tb)
		tb.click(".mark-done")
		tb.waitFor("the second lesson marked done", `document.querySelector(".mark-done").getAttribute("aria-pressed") === "true" && document.querySelector('.toc li[data-slug="`+second.Slug+`"]').classList.contains("done")`,
			`document.querySelector(".mark-done").getAttribute("aria-pressed")`)
		tb.open(srv.URL + "/lessons/" + third.Slug)
		waitReady(tb)

		// The index shows progress and where to continue, also after a reload.
		tb.open(srv.URL + "/")
		for range 2 {
			tb.waitFor("the progress box", `!document.querySelector(".index .progress").hidden`, `document.querySelector(".index").innerText`)
			text := eval[string](tb, `document.querySelector(".progress-text").textContent`)
			if want := fmt.Sprintf("已学完 2 / %d 课", len(all)); text != want {
				t.Errorf("progress says %q, want %q", text, want)
			}
			if v := eval[int](tb, `document.querySelector(".progress-bar").value`); v != 2 {
				t.Errorf("progress bar at %d, want 2", v)
			}
			href := eval[string](tb, `document.querySelector(".resume a").getAttribute("href")`)
			if href != "/lessons/"+third.Slug {
				t.Errorf("continue link goes to %q, want the last lesson opened, /lessons/%s", href, third.Slug)
			}
			if title := eval[string](tb, `document.querySelector(".resume").textContent`); !strings.Contains(title, third.Title) {
				t.Errorf("continue link says %q, want the title %q", title, third.Title)
			}
			for _, l := range all {
				want := l.Slug == first.Slug || l.Slug == second.Slug
				got := eval[bool](tb, `document.querySelector('.lesson-card[data-slug="`+l.Slug+`"]').classList.contains("done")`)
				if got != want {
					t.Errorf("index card %s: done=%v, want %v", l.Slug, got, want)
				}
			}
			tb.reload()
		}
		tb.screenshot(filepath.Join(dir, "index-progress-1280x800.png"))
		tb.resize(390, 844)
		tb.waitFor("the phone layout", `innerWidth === 390`, `innerWidth`)
		tb.screenshot(filepath.Join(dir, "index-progress-390x844.png"))
		tb.click(".resume a")
		tb.waitFor("continue to open the last lesson", `location.pathname === "/lessons/`+third.Slug+`"`, `location.pathname`)
		waitReady(tb)
		eval[bool](tb, `(document.querySelector(".lesson-progress").scrollIntoView({block: "center"}), true)`)
		tb.screenshot(filepath.Join(dir, "lesson-end-390x844.png"))
		noProblems(t, tb, "keyboard and progress")
	})

	t.Run("ShiftEnterAndEscForTheDemoInView", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/spinner")
		waitReady(tb)
		const id = "spinner-thread"
		// Focus in the panel: panel.js's own keys.
		tb.typeInto(demo(id)+` input[name="slow"]`, "10s")
		tb.press("Enter", true)
		tb.waitFor("Shift+Enter in a field to run its demo", `document.querySelector(`+js(demo(id))+`).classList.contains("running")`, consoleText(id))
		tb.press("Escape", false)
		tb.waitFor("Esc in the panel to stop it", consoleText(id)+`.includes("■ 已停止")`, consoleText(id))

		// Focus nowhere: the keys act on the panel in view.
		eval[bool](tb, `(document.activeElement.blur(), document.querySelector(`+js(demo(id))+`).scrollIntoView({block: "center"}), true)`)
		tb.press("Enter", true)
		tb.waitFor("Shift+Enter to run the demo in view", `document.querySelector(`+js(demo(id))+`).classList.contains("running")`, consoleText(id))
		tb.press("Escape", false)
		tb.waitFor("Esc to stop the demo in view", `document.querySelector(`+js(demo(id)+" .exit-stopped")+`) !== null`, consoleText(id))
		noProblems(t, tb, "spinner lesson keys")
	})

	t.Run("ThemeFollowsSystemAndToggleIsRemembered", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.colorScheme("light")
		tb.open(srv.URL + "/lessons/spinner")
		bg := `getComputedStyle(document.body).backgroundColor`
		pressed := `document.querySelector(".theme-toggle").getAttribute("aria-pressed")`
		tb.waitFor("the toggle to show light", pressed+` === "false"`, pressed)
		light := eval[string](tb, bg)
		if name := eval[string](tb, `document.querySelector(".theme-toggle").textContent.trim()`); name != "深色模式" {
			t.Errorf("the theme toggle is named %q", name)
		}

		tb.colorScheme("dark")
		tb.waitFor("the toggle to follow the system to dark", pressed+` === "true"`, pressed)
		dark := eval[string](tb, bg)
		if dark == light {
			t.Errorf("dark system, same background %s as light", dark)
		}

		tb.colorScheme("light")
		tb.click(".theme-toggle")
		tb.waitFor("the toggle to turn dark on", pressed+` === "true"`, pressed)
		if got := eval[string](tb, bg); got != dark {
			t.Errorf("toggled dark: background %s, want %s", got, dark)
		}
		tb.reload()
		tb.waitFor("the choice remembered after reload", pressed+` === "true" && `+bg+` === `+js(dark), bg)
		waitReady(tb)
		eval[bool](tb, `(document.querySelector("section.demo").scrollIntoView(), true)`)
		tb.screenshot(filepath.Join(dir, "spinner-dark-1280x800.png"))
		tb.click(".theme-toggle")
		tb.waitFor("the toggle back to light", pressed+` === "false" && `+bg+` === `+js(light), bg)
		noProblems(t, tb, "theme")
	})

	t.Run("CopyAndHeadingLinks", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/spinner")
		waitReady(tb)
		copyButton := `.prose .code-block > button.copy`
		tb.click(copyButton)
		tb.waitFor("the copy button to confirm", `document.querySelector(`+js(copyButton)+`).textContent === "已复制"`,
			`document.querySelector(`+js(copyButton)+`).textContent`)
		want := eval[string](tb, `document.querySelector(".prose .code-block > pre").textContent.replace(/\n$/, "")`)
		if got := tb.clipboard(srv.URL); got != want {
			t.Errorf("copied %q, want the code block's text %q", got, want)
		}
		// A demo's source is copied without its line numbers.
		sourceCopy := demo("spinner-goroutine") + " .source-block > button.copy"
		tb.click(sourceCopy)
		tb.waitFor("the source copy button to confirm", `document.querySelector(`+js(sourceCopy)+`).textContent === "已复制"`,
			`document.querySelector(`+js(sourceCopy)+`).textContent`)
		if got := tb.clipboard(srv.URL); !strings.HasPrefix(got, "package spinner\n") || !strings.Contains(got, "func spinGoroutine") {
			t.Errorf("copied source starts %q; want the Go file as written, without line numbers", got[:min(len(got), 60)])
		}
		// Each prose heading links to itself with its Chinese id.
		anchors := eval[[]string](tb, `[...document.querySelectorAll(".prose h2[id] > a.anchor")].map(a => decodeURIComponent(a.hash.slice(1)) + "=" + a.parentElement.id)`)
		if len(anchors) == 0 {
			t.Fatal("no heading links")
		}
		for _, a := range anchors {
			target, id, _ := strings.Cut(a, "=")
			if target != id {
				t.Errorf("heading %q links to %q", id, target)
			}
		}
		tb.open(srv.URL + "/lessons/spinner#小结")
		tb.waitFor("the deep link to land on 小结 below the header",
			`(() => { const h = document.getElementById("小结").getBoundingClientRect(); const head = document.querySelector(".site-head").getBoundingClientRect(); return h.top >= head.bottom - 1 && h.top < innerHeight / 2; })()`,
			`document.getElementById("小结").getBoundingClientRect().top`)
		noProblems(t, tb, "copy and anchors")
	})

	t.Run("PhoneContents", func(t *testing.T) {
		tb := b.newTab(t, 390, 844)
		tb.open(srv.URL + "/lessons/spinner")
		waitReady(tb)
		toc := `getComputedStyle(document.getElementById("toc")).display`
		expanded := `document.querySelector(".toc-toggle").getAttribute("aria-expanded")`
		if got := eval[string](tb, toc); got != "none" {
			t.Fatalf("on a phone the contents show before they are asked for (display %s)", got)
		}
		tb.click(".toc-toggle")
		tb.waitFor("the contents open, focus on this lesson",
			toc+` !== "none" && `+expanded+` === "true" && document.activeElement.matches('.toc a[aria-current="page"]')`,
			toc+` + " " + `+expanded+` + " " + document.activeElement.outerHTML.slice(0, 80)`)
		if !eval[bool](tb, `document.getElementById("toc").getBoundingClientRect().bottom >= innerHeight - 1`) {
			t.Error("the open contents do not cover the page down to the bottom of the screen")
		}
		tb.screenshot(filepath.Join(dir, "contents-390x844.png"))
		tb.press("Escape", false)
		tb.waitFor("Esc to close them and return focus to the toggle",
			toc+` === "none" && `+expanded+` === "false" && document.activeElement.matches(".toc-toggle")`,
			toc+` + " " + `+expanded)
		// Focus that came from the keyboard is visible.
		if style := eval[string](tb, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
			t.Error("the focused toggle shows no focus outline")
		}
		tb.click(".toc-toggle")
		tb.waitFor("the contents open again", toc+` !== "none" && `+expanded+` === "true"`, toc+` + " " + `+expanded)
		tb.click(".toc-toggle")
		tb.waitFor("the toggle to close them", toc+` === "none" && `+expanded+` === "false"`, toc+` + " " + `+expanded)
		tb.click(".toc-toggle")
		tb.waitFor("the contents open a third time", toc+` !== "none" && `+expanded+` === "true"`, toc+` + " " + `+expanded)
		tb.click(`.toc a[href="/lessons/futures"]`)
		tb.waitFor("a link in the contents to open its lesson", `location.pathname === "/lessons/futures"`, `location.pathname`)
		noProblems(t, tb, "contents on a phone")
	})

	// A link brings a panel's values and comparison back; the comparison,
	// run ×N, the prediction and the slider work, and the address follows
	// what the learner changes.
	t.Run("PanelModesAndLinks", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		const id, partner = "spinner-goroutine", "spinner-thread"
		p := demo(id)
		q := func(sel string) string { return `document.querySelector(` + js(sel) + `)` }
		status := q(p+" .status") + `.textContent`
		tb.open(srv.URL + "/lessons/spinner?" + id + ".slow=200ms&" + id + ".vs=" + partner + "&" + id + ".vs.slow=300ms")
		waitReady(tb)

		// The link's values, A's and B's.
		if got := eval[string](tb, q(p+` form.params input[name="slow"]`)+`.value`); got != "200ms" {
			t.Errorf("A's slow from the link = %q, want 200ms", got)
		}
		if !eval[bool](tb, `!`+q(p+" form.compare")+`.hidden && `+q(p+" .compare-toggle")+`.getAttribute("aria-expanded") === "true" && `+q(p+" .compare-with")+`.value === `+js(partner)) {
			t.Fatal("the link's comparison is not open on " + partner)
		}
		bSlow := q(p + ` .compare-params input[name="slow"]`)
		if got := eval[string](tb, bSlow+`.value + " " + `+q(p+` .compare-params input[name="frame"]`)+`.value + " " + `+bSlow+`.id`); got != "300ms 80ms b-"+id+"-p-"+partner+"-slow" {
			t.Errorf("B's fields = %q, want slow 300ms, frame at its default 80ms, ids renamed", got)
		}
		share := eval[string](tb, q(p+" a.share")+`.getAttribute("href")`)
		for _, want := range []string{id + ".slow=200ms", id + ".vs=" + partner, id + ".vs.slow=300ms", "#demo-" + id} {
			if !strings.Contains(share, want) {
				t.Errorf("share link %q lacks %q", share, want)
			}
		}

		// A and B at once, with a prediction.
		tb.typeInto(p+" .predict-input", "0.2")
		tb.click(p + " .compare-run")
		tb.waitFor("A and B to finish", status+`.startsWith("A 完成") && `+status+`.includes("B 完成")`, status)
		for _, sel := range []string{p + " pre.console", p + " pre.console-b"} {
			if text := eval[string](tb, q(sel)+`.textContent`); !strings.Contains(text, "Answer: 42") {
				t.Errorf("%s: %q", sel, text)
			}
		}
		if got := eval[string](tb, q(p+" pre.console-b")+`.dataset.label`); got != "B · "+partner {
			t.Errorf("B's console is labelled %q", got)
		}
		tb.waitFor("both runs in the timeline's caption", q(p+" .timeline-summary")+`.textContent.includes("B `+partner+` 用时")`, q(p+" .timeline-summary")+`.textContent`)
		if v := eval[string](tb, q(p+" .verdict")+`.textContent`); !strings.HasPrefix(v, "你的预测 0.2 s · 实际 A ") {
			t.Errorf("verdict %q", v)
		}

		// Closing the comparison takes it out of the address.
		tb.click(p + " .compare-toggle")
		tb.waitFor("the address without the comparison", `!location.search.includes(".vs") && location.search.includes(`+js(id+".slow=200ms")+`)`, `location.search`)

		// Run ×N: a number out of range is refused, three runs are counted.
		tb.typeInto(p+" .repeat-n", "1")
		tb.click(p + " button.repeat")
		tb.waitFor("the refusal of 1 run", q(p+" .demo-error")+`.textContent === "连续运行的次数要在 2 到 20 之间。"`, q(p+" .demo-error")+`.textContent`)
		tb.typeInto(p+" .repeat-n", "3")
		tb.click(p + " button.repeat")
		tb.waitFor("three runs", status+`.startsWith("3 / 3 次 · 完成")`, status)
		// The orders are drawn by a module loaded with the first run ×N
		// (timeline.js), a moment after each exit: wait for the third.
		orders := `[...document.querySelectorAll(` + js(p+" .orders h3") + `)].map((h) => h.textContent).join("|")`
		tb.waitFor("the orders of three runs", orders+`.startsWith("用时：3 次运行|完成顺序：3 次运行")`, orders)
		if v := eval[string](tb, q(p+" .verdict")+`.textContent`); !strings.Contains(v, "实际 平均 ") || !strings.Contains(v, "（3 次）") {
			t.Errorf("verdict after 3 runs: %q", v)
		}

		// The slider writes round values into the field, and the address
		// follows a typed change.
		slider := q(p + ` form.params input[name="slow"] + input.slider`)
		slowField := q(p+` form.params input[name="slow"]`) + `.value`
		for pos, want := range map[string]string{"max": "10s", "min": "100ms"} {
			eval[bool](tb, `(() => { const s = `+slider+`; s.value = s.`+pos+`; s.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
			if got := eval[string](tb, slowField); got != want {
				t.Errorf("slider at its %s: field %q, want %q", pos, got, want)
			}
		}
		tb.typeInto(p+` form.params input[name="slow"]`, "1.5s")
		eval[bool](tb, `(document.activeElement.blur(), true)`)
		tb.waitFor("the address to follow the field", `location.search.includes(`+js(id+".slow=1.5s")+`)`, `location.search`)

		// A value in a link that the page refuses is said beside its field.
		tb.open(srv.URL + "/lessons/spinner?" + id + ".slow=abc")
		waitReady(tb)
		if msg := eval[string](tb, q(p+` .param[data-param="slow"] .param-error`)+`.textContent`); !strings.Contains(msg, "不是时长") {
			t.Errorf("a bad value in the link: message %q", msg)
		}
		noProblems(t, tb, "panel modes and links")
	})

	t.Run("EveryPageCleanAndResponsive", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		pages := []string{"index"}
		for _, l := range append(all, catalog.Appendices()...) {
			pages = append(pages, l.Slug)
		}
		for _, name := range pages {
			url := srv.URL + "/lessons/" + name
			if name == "index" {
				url = srv.URL + "/"
			}
			tb.resize(1280, 800)
			tb.open(url)
			waitReady(tb)
			tb.waitFor("fonts", `document.fonts.status === "loaded"`, `document.fonts.status`)
			tb.screenshot(filepath.Join(dir, name+"-1280x800.png"))
			// Every control has a name a screen reader can say.
			for _, c := range eval[[]string](tb, unnamedControls) {
				t.Errorf("%s: control without an accessible name: %s", name, c)
			}

			tb.resize(390, 844)
			tb.waitFor("the phone layout", `innerWidth === 390`, `innerWidth`)
			tb.screenshot(filepath.Join(dir, name+"-390x844.png"))
			if name != "index" && eval[bool](tb, `document.querySelector("section.demo") !== null`) {
				eval[bool](tb, `(document.querySelector("section.demo").scrollIntoView(), true)`)
				tb.screenshot(filepath.Join(dir, name+"-390x844-demo.png"))
			}

			// Down to 360 px, nothing sticks out sideways.
			tb.resize(360, 740)
			tb.waitFor("the narrowest layout", `innerWidth === 360`, `innerWidth`)
			if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 360 {
				wide := eval[string](tb, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 361).slice(0, 5).map(e => e.tagName + "." + e.className).join(", ")`)
				t.Errorf("%s at 360 px: page is %d px wide (%s)", name, w, wide)
			}
			noProblems(t, tb, name)
		}
		t.Logf("screenshots in %s", dir)
	})

	// The checks above can only fail if the browser's complaints reach the
	// test: a deliberate CSP violation must be seen.
	t.Run("ProblemsAreSeen", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/spinner")
		waitReady(tb)
		tb.takeProblems()
		eval[bool](tb, `(() => { const s = document.createElement("script"); s.textContent = "window.inlineRan = true"; document.body.appendChild(s); return true; })()`)
		deadline := time.Now().Add(browserWait)
		for {
			found := false
			for _, p := range tb.takeProblems() {
				if strings.Contains(p, "Content Security Policy") {
					found = true
				}
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("an inline script was blocked, but no CSP violation reached the test")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if eval[bool](tb, `window.inlineRan === true`) {
			t.Error("an inline script ran despite the CSP")
		}
	})
}

// fastParams shortens a demo's waits so that a test can run it to the end
// quickly: each duration field gets a small value within its limits.
func fastParams(t *testing.T, tb *chromeTab, id string) {
	t.Helper()
	for _, f := range eval[[]map[string]string](tb, `[...document.querySelectorAll(`+js(demo(id)+" input[data-kind]")+`)].filter(i => i.getClientRects().length > 0).map(i => ({name: i.name, kind: i.dataset.kind, min: i.dataset.min || ""}))`) {
		var v string
		switch f["kind"] {
		case "duration":
			v = f["min"]
		case "durations":
			v = f["min"] + "," + f["min"]
		}
		if v == "" || v == "," {
			continue
		}
		tb.typeInto(demo(id)+` input[name="`+f["name"]+`"]`, v)
	}
}

// unnamedControls lists the visible buttons, links, fields and focusable
// regions of a page that have no accessible name: no text, no aria-label,
// no aria-labelledby, no <label>.
const unnamedControls = `[...document.querySelectorAll("button, a[href], input, select, textarea, [tabindex]:not([tabindex='-1'])")]
	.filter(el => el.getClientRects().length > 0 && el.type !== "hidden")
	.filter(el => {
		if ((el.getAttribute("aria-label") || "").trim()) return false;
		const by = el.getAttribute("aria-labelledby");
		if (by && by.split(/\s+/).some(id => (document.getElementById(id)?.textContent || "").trim())) return false;
		if (el.labels && [...el.labels].some(l => l.textContent.trim())) return false;
		if (["BUTTON", "A"].includes(el.tagName) && el.textContent.trim()) return false;
		if (el.title && el.title.trim()) return false;
		return true;
	})
	.map(el => el.outerHTML.slice(0, 120))`

// The page checks parameter values before it sends them (static/params.js),
// and the server's parser (runner.Demo.Parse) is the contract. Both run one
// table of cases, runner/testdata/param_cases.json: runner's TestParamCases
// through the Go parser, and this test through the module the page itself
// loaded, at the URL its imports use. They must accept and refuse the same
// values, for the same kind of reason (the messages differ: English and
// Chinese).
func TestBrowserParamsAgreeWithGo(t *testing.T) {
	execPath := requireChromium(t)
	data, err := os.ReadFile(filepath.Join("..", "runner", "testdata", "param_cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Groups []struct {
			Param runner.Param `json:"param"`
			Cases []struct {
				Raw  string `json:"raw"`
				Want string `json:"want"`
				Note string `json:"note"`
			} `json:"cases"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	srv, _ := startCourse(t)
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 800)
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)

	// A case's declaration becomes a field as knobs.js reads one from the
	// panel: kind from data-kind, bounds from data-min and data-max ("" when
	// there is none), data-max-items, data-default, a select's options.
	type verdict struct{ Why, Message string }
	got := eval[[]verdict](tb, `(async () => {
		const link = document.querySelector('link[rel="modulepreload"][href^="/static/params.js?v="]');
		if (!link) throw new Error("the page does not load params.js");
		const { refusal } = await import(link.href);
		const table = `+string(data)+`;
		return table.groups.flatMap(g => {
			const p = g.param;
			const field = {kind: p.type, min: p.min || "", max: p.max || "", maxItems: p.max_items || 0,
				def: p.default, choices: p.choices || null};
			return g.cases.map(c => {
				const r = refusal(field, c.raw);
				return r ? {Why: r.why, Message: r.message} : {Why: "ok", Message: ""};
			});
		});
	})()`)
	i := 0
	for _, g := range table.Groups {
		for _, c := range g.Cases {
			if i >= len(got) {
				t.Fatalf("the page answered %d cases, the table has more", len(got))
			}
			v := got[i]
			i++
			if v.Why != c.Want {
				t.Errorf("%s %s=%q (%s): the page says %s (%q), Go says %s", g.Param.Kind, g.Param.Name, c.Raw, c.Note, v.Why, v.Message, c.Want)
			}
			if (v.Why == "ok") != (v.Message == "") {
				t.Errorf("%s=%q: verdict %s with message %q", g.Param.Name, c.Raw, v.Why, v.Message)
			}
		}
	}
	if i != len(got) || i < 100 {
		t.Errorf("%d cases in the table, %d answers from the page", i, len(got))
	}
	noProblems(t, tb, "params module")
}
