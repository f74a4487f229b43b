package web

// The second edition's reading aids, in a real browser: the search box,
// answer keys, the "运行前先看" notes, core lines and their folding,
// diagrams in both themes and on a phone, and the old-code appendix. The
// pages are the real course; each check uses whatever lesson has the
// feature (the lessons' own tests say which lessons must have it).

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/bingfa-manyou/walkthrough/lessons"
)

// screenshotDir is $SCREENSHOT_DIR, kept after the test, or a directory
// removed with it.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// typeKey presses one key: a character ("/") or one of kb's names
// (kb.ArrowUp).
func typeKey(tb *chromeTab, key string) {
	tb.t.Helper()
	tb.step(fmt.Sprintf("press %q", key), chromedp.KeyEvent(key))
}

// clickInView scrolls the element to the middle of the window, clear of
// the sticky header, then clicks it.
func clickInView(tb *chromeTab, sel string) {
	tb.t.Helper()
	eval[bool](tb, `(document.querySelector(`+js(sel)+`).scrollIntoView({block: "center"}), true)`)
	tb.click(sel)
}

// lessonWith is the first lesson whose page has html in its prose.
func lessonWith(c *lessons.Catalog, html string) *lessons.Lesson {
	for _, l := range c.Lessons() {
		for _, s := range l.Sections {
			if strings.Contains(string(s.HTML), html) || strings.Contains(string(s.Before), html) {
				return l
			}
		}
	}
	return nil
}

func TestBrowserEdition(t *testing.T) {
	execPath := requireChromium(t)
	srv, catalog := startCourse(t)
	b := startChrome(t, execPath)
	dir := screenshotDir(t)
	q := func(sel string) string { return `document.querySelector(` + js(sel) + `)` }

	t.Run("SearchByKeyboard", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/spinner")
		waitReady(tb)
		input := "#search-input"
		// The results, without the "more" row at the end of a long list.
		options := `[...document.querySelectorAll("#search-results [role=option]:not(.search-more)")]`
		hrefs := options + `.map(o => o.querySelector("a").getAttribute("href"))`

		// "/" outside a field jumps to the box.
		eval[bool](tb, `(document.activeElement.blur(), true)`)
		typeKey(tb, "/")
		tb.waitFor("/ to focus the search box", `document.activeElement === `+q(input), `document.activeElement.outerHTML.slice(0, 80)`)

		for _, c := range []struct{ query, slug string }{
			{"信号量", "semaphore"},
			{"事件循环", "event-loop"},
			{"run_in_executor", "blocking"},
			{"RUN_IN_EXECUTOR", "blocking"},
		} {
			tb.typeInto(input, c.query)
			tb.waitFor("results for "+c.query, options+`.length > 0 && !`+q(".search-panel")+`.hidden`,
				q(".search-status")+`.textContent`)
			got := eval[[]string](tb, hrefs)
			if !slices.ContainsFunc(got, func(h string) bool { return strings.HasPrefix(h, "/lessons/"+c.slug) }) {
				t.Errorf("%s: results %v do not include the %s lesson", c.query, got, c.slug)
			}
			// Each result shows the match, marked, in its context.
			marks := eval[[]string](tb, options+`.map(o => [...o.querySelectorAll("mark")].map(m => m.textContent.toLowerCase()).join("|"))`)
			for i, m := range marks {
				if !slices.Contains(strings.Split(m, "|"), strings.ToLower(c.query)) {
					t.Errorf("%s: result %d marks %q, not the match", c.query, i, m)
				}
			}
		}
		// 信号量: the semaphore lesson, whose title says it, comes first.
		tb.typeInto(input, "信号量")
		tb.waitFor("results for 信号量", options+`.length > 0`, q(".search-status")+`.textContent`)
		first := eval[string](tb, hrefs+`[0]`)
		if !strings.HasPrefix(first, "/lessons/semaphore") {
			t.Errorf("first result for 信号量 is %s, want the semaphore lesson", first)
		}
		tb.screenshot(filepath.Join(dir, "search-1280x800.png"))

		// ↓ and ↑ move the choice, round the ends (the "more" row is the
		// last one); the box keeps the focus.
		every := `[...document.querySelectorAll("#search-results [role=option]")]`
		selected := `(() => { const o = ` + every + `; return o.findIndex(x => x.getAttribute("aria-selected") === "true") + "/" + o.length + " " + (document.activeElement.id || document.activeElement.tagName) + " " + document.activeElement.getAttribute("aria-activedescendant"); })()`
		n := eval[int](tb, every+`.length`)
		want := func(i int) string { return fmt.Sprintf("%d/%d search-input search-option-%d", i, n, i) }
		if got := eval[string](tb, selected); got != want(0) {
			t.Fatalf("after typing: %s, want %s", got, want(0))
		}
		typeKey(tb, kb.ArrowUp)
		tb.waitFor("↑ to go round to the last result", selected+` === `+js(want(n-1)), selected)
		typeKey(tb, kb.ArrowDown)
		tb.waitFor("↓ to come back to the first", selected+` === `+js(want(0)), selected)
		if n > 1 {
			typeKey(tb, kb.ArrowDown)
			tb.waitFor("↓ to choose the second", selected+` === `+js(want(1)), selected)
			typeKey(tb, kb.ArrowUp)
			tb.waitFor("↑ to choose the first again", selected+` === `+js(want(0)), selected)
		}

		// Esc closes the list and leaves the query.
		tb.press("Escape", false)
		tb.waitFor("Esc to close the results", q(".search-panel")+`.hidden && `+q(input)+`.getAttribute("aria-expanded") === "false"`,
			q(".search-panel")+`.hidden`)
		if got := eval[string](tb, q(input)+`.value`); got != "信号量" {
			t.Errorf("Esc changed the query to %q", got)
		}
		// ↓ opens it again, Enter goes to the heading chosen.
		typeKey(tb, kb.ArrowDown)
		tb.waitFor("↓ to open the results again", `!`+q(".search-panel")+`.hidden`, q(".search-panel")+`.hidden`)
		target := eval[string](tb, `document.getElementById(`+q(input)+`.getAttribute("aria-activedescendant")).querySelector("a").getAttribute("href")`)
		tb.press("Enter", false)
		path, hash, _ := strings.Cut(target, "#")
		tb.waitFor("Enter to open "+target, `location.pathname === `+js(path)+` && decodeURIComponent(location.hash.slice(1)) === decodeURIComponent(`+js(hash)+`)`,
			`location.pathname + location.hash`)
		if hash != "" {
			tb.waitFor("the heading to be on screen", `(() => { const h = document.getElementById(decodeURIComponent(location.hash.slice(1))); if (!h) return false; const r = h.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; })()`,
				`location.hash`)
		}
		noProblems(t, tb, "search")
	})

	t.Run("SearchOnAPhone", func(t *testing.T) {
		tb := b.newTab(t, 390, 844)
		tb.open(srv.URL + "/")
		tb.typeInto("#search-input", "事件循环")
		tb.waitFor("results", `document.querySelectorAll("#search-results [role=option]").length > 0`, q(".search-status")+`.textContent`)
		if !eval[bool](tb, `(() => { const r = `+q(".search-panel")+`.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; })()`) {
			t.Error("the results stick out of a 390 px screen")
		}
		if w := eval[int](tb, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("with the search open the page is %d px wide", w)
		}
		tb.screenshot(filepath.Join(dir, "search-390x844.png"))
		noProblems(t, tb, "search on a phone")
	})

	t.Run("AnswerKeyOpensBesideThePrediction", func(t *testing.T) {
		l := lessonWith(catalog, `<details class="answer">`)
		if l == nil {
			t.Fatal("no lesson has an answer key")
		}
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/" + l.Slug)
		waitReady(tb)
		key := "details.answer"
		if eval[bool](tb, q(key)+`.open`) {
			t.Fatal("an answer key is open before the learner opens it")
		}
		// Without a prediction, the key is only the key.
		clickInView(tb, key+" > summary")
		tb.waitFor("the key to open", q(key)+`.open`, q(key)+`.outerHTML.slice(0, 80)`)
		if eval[bool](tb, q(key+" .answer-guess")+` !== null`) {
			t.Error("a key shows a prediction that was never made")
		}
		clickInView(tb, key+" > summary")
		tb.waitFor("the key to close", `!`+q(key)+`.open`, q(key)+`.open`)

		// A prediction typed in the panel shows inside the key.
		d := l.Demos[0]
		tb.typeInto(demo(d.ID)+" .predict-input", "1.25")
		eval[bool](tb, `(document.activeElement.blur(), true)`)
		clickInView(tb, key+" > summary")
		tb.waitFor("the prediction in the open key", q(key+" .answer-guess")+` !== null`, q(key)+`.innerText`)
		if got := eval[string](tb, q(key+" .answer-guess")+`.textContent`); !strings.Contains(got, "1.25 s") {
			t.Errorf("the key shows %q, want the prediction 1.25 s", got)
		}
		// It is Markdown, rendered.
		if eval[int](tb, `document.querySelectorAll("details.answer .answer-body p, details.answer .answer-body li").length`) == 0 {
			t.Error("answer keys hold no rendered paragraphs or list items")
		}
		eval[bool](tb, `(`+q(key)+`.scrollIntoView({block: "center"}), true)`)
		tb.screenshot(filepath.Join(dir, "answer-key-1280x800.png"))
		// The prediction survives a reload of the page (this tab's storage).
		tb.reload()
		waitReady(tb)
		clickInView(tb, key+" > summary")
		tb.waitFor("the prediction after a reload", q(key+" .answer-guess")+` !== null && `+q(key+" .answer-guess")+`.textContent.includes("1.25 s")`, q(key)+`.innerText`)
		noProblems(t, tb, "answer keys")
	})

	t.Run("BeforeRunSitsOnItsPanel", func(t *testing.T) {
		l := lessonWith(catalog, `<aside class="before-run">`)
		if l == nil {
			t.Fatal("no lesson has a 运行前先看 note")
		}
		tb := b.newTab(t, 390, 844)
		tb.open(srv.URL + "/lessons/" + l.Slug)
		waitReady(tb)
		bad := eval[[]string](tb, `[...document.querySelectorAll("aside.before-run")].filter(a => !(a.nextElementSibling && a.nextElementSibling.matches("section.demo")) || a.querySelector(".before-run-title").textContent !== "运行前先看").map(a => a.textContent.slice(0, 40))`)
		if len(bad) > 0 {
			t.Errorf("notes not right above a panel, or without their title: %q", bad)
		}
		// Note and panel read as one card: no gap between them.
		if gap := eval[float64](tb, `(() => { const a = document.querySelector("aside.before-run"); return a.nextElementSibling.getBoundingClientRect().top - a.getBoundingClientRect().bottom; })()`); gap < -1 || gap > 1 {
			t.Errorf("a %.1f px gap between a note and its panel", gap)
		}
		eval[bool](tb, `(document.querySelector("aside.before-run").scrollIntoView(), true)`)
		tb.screenshot(filepath.Join(dir, "before-run-390x844.png"))
		noProblems(t, tb, "before-run notes")
	})

	t.Run("CoreLinesFoldAndUnfold", func(t *testing.T) {
		var d string
		for _, x := range catalog.Demos() {
			if code := catalog.Code(x.ID); slices.Contains(code.CoreFiles, code.GoFile) {
				d = x.ID
				break
			}
		}
		if d == "" {
			t.Fatal("no demo marks the core lines of its Go file")
		}
		dm, _ := catalog.Registry().Lookup(d)
		goText := catalog.Code(d).GoText
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/lessons/" + dm.Lesson)
		waitReady(tb)
		p := demo(d)
		pane := p + ` .source[data-pane="go"]`
		lines := `[...document.querySelectorAll(` + js(pane+" .line") + `)]`
		shown := lines + `.filter(l => l.getClientRects().length > 0)`
		total := strings.Count(goText, "\n")
		if n := eval[int](tb, lines+`.length`); n != total {
			t.Fatalf("the pane has %d lines, the file %d", n, total)
		}
		// Without folding: the bar in the gutter on the core lines only.
		bar := `getComputedStyle(l.querySelector(".ln")).boxShadow`
		if bad := eval[[]int](tb, `(() => { const out = []; `+lines+`.forEach((l, i) => { if ((`+bar+` !== "none") !== l.classList.contains("core")) out.push(i + 1); }); return out; })()`); len(bad) > 0 {
			t.Errorf("lines %v: the gutter bar does not match the core marks", bad)
		}
		// The panel opens on its idea: imports folded behind one button, the
		// first core line at the top of the pane (one line of context above).
		imports := `[...document.querySelectorAll(` + js(pane+" .line.import") + `)]`
		if n := eval[int](tb, imports+`.length`); n < 2 || eval[int](tb, imports+`.filter(l => l.getClientRects().length > 0).length`) != 0 {
			t.Errorf("the %d import lines are not folded when the panel opens", n)
		}
		firstCore := q(pane + " .line.core")
		if off := eval[float64](tb, firstCore+`.getBoundingClientRect().top - `+q(pane)+`.getBoundingClientRect().top`); off < 0 || off > 60 {
			t.Errorf("the first core line is %.0fpx below the top of its pane, want it at the top", off)
		}
		if eval[bool](tb, `[...document.querySelectorAll(`+js(pane+" .line")+`)].some(l => /核心(开始|结束)/.test(l.textContent))`) {
			t.Error("a marker comment reached the page")
		}
		eval[bool](tb, `(`+q(p+" .source-bar")+`.scrollIntoView(), true)`)
		tb.screenshot(filepath.Join(dir, "core-open-1280x800.png"))
		// A pane behind a tab scrolls to its core when the tab is picked.
		if code := catalog.Code(d); code.PythonFile != "" && slices.Contains(code.CoreFiles, code.PythonFile) {
			pyPane := p + ` .source[data-pane="py"]`
			clickInView(tb, "#"+d+"-tab-py")
			tb.waitFor("the Python pane at its first core line",
				`(() => { const off = `+q(pyPane+" .line.core")+`.getBoundingClientRect().top - `+q(pyPane)+`.getBoundingClientRect().top; return !`+q(pyPane)+`.hidden && off >= 0 && off <= 60; })()`,
				q(pyPane+" .line.core")+`.getBoundingClientRect().top - `+q(pyPane)+`.getBoundingClientRect().top`)
			clickInView(tb, "#"+d+"-tab-go")
		}

		toggle := p + " button.core-toggle"
		clickInView(tb, toggle)
		tb.waitFor("only the core shown", q(toggle)+`.getAttribute("aria-pressed") === "true" && document.querySelectorAll(`+js(pane+" button.fold")+`).length > 0`,
			q(toggle)+`.getAttribute("aria-pressed")`)
		// Every line shown is core; every other line is behind
		// a "⋯ N 行" button that counts it; numbers are the file's.
		if bad := eval[[]string](tb, shown+`.filter(l => !l.classList.contains("core")).map(l => l.textContent)`); len(bad) > 0 {
			t.Errorf("folded view still shows plumbing lines: %q", bad)
		}
		hidden := eval[int](tb, lines+`.length - `+shown+`.length`)
		counted := eval[int](tb, `[...document.querySelectorAll(`+js(pane+" button.fold")+`)].reduce((n, b) => n + Number(b.textContent.match(/(\d+) 行/)[1]), 0)`)
		if hidden == 0 || hidden != counted {
			t.Errorf("%d lines folded, the fold buttons count %d", hidden, counted)
		}
		if bad := eval[[]string](tb, lines+`.map((l, i) => [i + 1, l.querySelector(".ln").textContent]).filter(([i, n]) => String(i) !== n).map(String)`); len(bad) > 0 {
			t.Errorf("line numbers are not the file's: %v", bad)
		}
		eval[bool](tb, `(`+q(p+" .source-bar")+`.scrollIntoView(), true)`)
		tb.screenshot(filepath.Join(dir, "core-folded-1280x800.png"))

		// The copy button copies the whole file even so.
		clickInView(tb, p+" .source-block > button.copy")
		tb.waitFor("the copy to confirm", q(p+" .source-block > button.copy")+`.textContent === "已复制"`, q(p+" .source-block > button.copy")+`.textContent`)
		if got := tb.clipboard(srv.URL); got != strings.TrimSuffix(goText, "\n") {
			t.Errorf("folded, copy gave %d bytes, want the whole file's %d", len(got), len(strings.TrimSuffix(goText, "\n")))
		}

		// A fold button opens its run of lines.
		before := eval[int](tb, shown+`.length`)
		first := eval[int](tb, `Number(`+q(pane+" button.fold")+`.textContent.match(/(\d+) 行/)[1])`)
		clickInView(tb, pane+" button.fold")
		tb.waitFor("the run to open", shown+`.length === `+fmt.Sprint(before+first), shown+`.length`)
		// Turning the toggle off shows everything again, but the imports,
		// folded as when the panel opened.
		clickInView(tb, toggle)
		nImports := eval[int](tb, imports+`.length`)
		tb.waitFor("every line back", shown+`.length === `+fmt.Sprint(total-nImports)+` && document.querySelectorAll(`+js(pane+" button.fold")+`).length === 1`, shown+`.length`)
		noProblems(t, tb, "core lines")
	})

	t.Run("DiagramsInBothThemesAndOnAPhone", func(t *testing.T) {
		var pages []string
		for _, l := range catalog.Lessons() {
			if slices.ContainsFunc(l.Sections, func(s lessons.Section) bool { return strings.Contains(string(s.HTML), `<figure class="diagram">`) }) {
				pages = append(pages, l.Slug)
			}
		}
		if len(pages) == 0 {
			t.Fatal("no lesson has a diagram")
		}
		tb := b.newTab(t, 1280, 800)
		// The colour of a diagram's lines, or else of its text.
		stroke := `(() => { const l = document.querySelector("figure.diagram .d-line"); return l ? getComputedStyle(l).stroke : getComputedStyle(document.querySelector("figure.diagram .d-text")).fill; })()`
		for _, slug := range pages {
			colours := map[string]string{}
			for _, scheme := range []string{"light", "dark"} {
				tb.colorScheme(scheme)
				tb.resize(1280, 800)
				tb.open(srv.URL + "/lessons/" + slug)
				waitReady(tb)
				n := eval[int](tb, `document.querySelectorAll("figure.diagram").length`)
				for i := range n {
					fig := fmt.Sprintf(`document.querySelectorAll("figure.diagram")[%d]`, i)
					eval[bool](tb, `(`+fig+`.scrollIntoView({block: "center"}), true)`)
					if !eval[bool](tb, `(() => { const s = `+fig+`.querySelector("svg").getBoundingClientRect(); return s.width > 200 && s.height > 50; })()`) {
						t.Errorf("%s: diagram %d is not drawn at a readable size", slug, i)
					}
					tb.screenshot(filepath.Join(dir, fmt.Sprintf("diagram-%s-%d-%s-1280x800.png", slug, i, scheme)))
				}
				colours[scheme] = eval[string](tb, stroke)
				if scheme == "dark" {
					tb.resize(390, 844)
					tb.waitFor("the phone layout", `innerWidth === 390`, `innerWidth`)
					for i := range n {
						fig := fmt.Sprintf(`document.querySelectorAll("figure.diagram")[%d]`, i)
						eval[bool](tb, `(`+fig+`.scrollIntoView({block: "center"}), true)`)
						if !eval[bool](tb, `(() => { const r = `+fig+`.getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; })()`) {
							t.Errorf("%s: diagram %d sticks out of a 390 px screen", slug, i)
						}
						tb.screenshot(filepath.Join(dir, fmt.Sprintf("diagram-%s-%d-dark-390x844.png", slug, i)))
					}
				}
				noProblems(t, tb, slug+" diagrams, "+scheme)
			}
			if colours["light"] == colours["dark"] {
				t.Errorf("%s: a diagram's lines are %s in both themes", slug, colours["light"])
			}
		}
	})

	t.Run("OldCodeAppendix", func(t *testing.T) {
		tb := b.newTab(t, 1280, 800)
		tb.open(srv.URL + "/")
		// Listed after the lessons, on the index and in the contents, not
		// numbered as a lesson.
		if got := eval[string](tb, q(".appendix-list a")+`.getAttribute("href")`); got != "/lessons/old-code" {
			t.Errorf("the index's appendix links %q", got)
		}
		if !eval[bool](tb, `(() => { const cards = document.querySelectorAll(".lesson-card"); const a = document.querySelector(".appendix-list"); return cards.length > 0 && (cards[cards.length - 1].compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0; })()`) {
			t.Error("the appendix is not listed after the lessons")
		}
		tb.click(`.toc a[href="/lessons/old-code"]`)
		// The path changes when the navigation commits, before the new
		// page is parsed: wait for its head too.
		tb.waitFor("the appendix page", `location.pathname === "/lessons/old-code" && document.querySelector(".lesson-head .kicker") !== null`, `location.pathname`)
		if got := eval[string](tb, q(".lesson-head .kicker")+`.textContent`); got != "附录" {
			t.Errorf("the appendix's kicker says %q", got)
		}
		if got := eval[string](tb, q(`.toc a[aria-current="page"]`)+`.getAttribute("href")`); got != "/lessons/old-code" {
			t.Errorf("the contents mark %q as the current page", got)
		}
		for _, id := range oldCodeAnchors {
			tb.open(srv.URL + "/lessons/old-code#" + id)
			tb.waitFor("the deep link to #"+id+" below the header",
				`(() => { const h = document.getElementById(`+js(id)+`); if (!h) return false; const r = h.getBoundingClientRect(); return r.top >= document.querySelector(".site-head").getBoundingClientRect().bottom - 1 && r.top < innerHeight / 2 + 1 || document.documentElement.scrollTop + innerHeight >= document.documentElement.scrollHeight - 2; })()`,
				`document.getElementById(`+js(id)+`) && document.getElementById(`+js(id)+`).getBoundingClientRect().top`)
		}
		tb.screenshot(filepath.Join(dir, "old-code-1280x800.png"))
		noProblems(t, tb, "old-code page")
	})
}
