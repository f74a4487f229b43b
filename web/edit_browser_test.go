package web

import (
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A learner edits a demo in the page: 编辑 turns the source into an editor
// in place (loaded then, not with the page; nothing scrolls), typing marks
// the panel 已修改 and turns ▶ 运行 into 运行修改后的代码, the edit survives
// a reload (this browser's storage) and rides in the share link, Run runs
// it and the console says so (运行原始代码 runs the demo as it was), a
// missing ")" is a list of errors in the console, each a link to its line,
// the first marked in the gutter, and 重置 brings the original back. Tab
// inserts a tab; Esc then Tab leaves the field.
func TestBrowserEditsAndRunsADemo(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	const id, file = "spinner-goroutine", "spinner_goroutine.go"
	src, err := fs.ReadFile(srv.Course.Catalog().Files(id), file)
	if err != nil {
		t.Fatal(err)
	}
	original := strings.TrimSuffix(string(src), "\n")
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 900)

	p := demo(id)
	q := func(sel string) string { return `document.querySelector(` + js(sel) + `)` }
	area := q(p + " textarea.editor-text")
	value := area + `.value`
	shown := func(sel string) string { return `(` + q(sel) + `?.getClientRects().length > 0)` }
	// caretAfter puts the caret just after the first match of text.
	caretAfter := func(text string) {
		t.Helper()
		if !eval[bool](tb, `(() => { const a = `+area+`; a.focus(); const i = a.value.indexOf(`+js(text)+`);
			if (i < 0) return false; a.setSelectionRange(i + `+strconv.Itoa(len([]rune(text)))+`, i + `+strconv.Itoa(len([]rune(text)))+`); return true; })()`) {
			t.Fatalf("no %q in the editor", text)
		}
	}
	typeKeys := func(what, keys string) {
		t.Helper()
		tb.step(what, chromedp.KeyEvent(keys))
	}

	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	if eval[bool](tb, `[...document.scripts, ...document.querySelectorAll("link")].some((e) => /editor\.(js|css)/.test(e.src || e.href))`) {
		t.Error("the page loads the editor before 编辑 is clicked")
	}

	// 编辑 opens the editor where the code was: with the pane scrolled to
	// line 20 and the page scrolled too, nothing moves.
	eval[bool](tb, `(() => { const pane = `+q(p+` .source[data-pane="go"]`)+`;
		pane.scrollTop = pane.querySelectorAll(".line")[19].offsetTop - pane.firstElementChild.offsetTop;
		window.scrollTo(0, `+q(p+" .source-bar")+`.getBoundingClientRect().top + scrollY - 200); return true; })()`)
	before := eval[[]float64](tb, `[scrollY, `+q(p+` .source[data-pane="go"]`)+`.scrollTop]`)
	// The first line in view: with the imports folded it is not the 20th
	// line's place in a file shown whole.
	firstInView := eval[int](tb, `(() => { const pane = `+q(p+` .source[data-pane="go"]`)+`; const top = pane.getBoundingClientRect().top;
		const lines = [...pane.querySelectorAll(".line")]; return lines.findIndex(l => l.getClientRects().length > 0 && l.getClientRects()[0].bottom > top + 1) + 1; })()`)
	tb.click(p + " button.edit-toggle")
	tb.waitFor("the editor to open in place of the source", shown(p+" textarea.editor-text")+` && !`+shown(p+` .source[data-pane="go"] pre.chroma`)+
		` && `+q(p+" button.edit-toggle")+`.getAttribute("aria-pressed") === "true" && document.activeElement === `+area, q(p+" .source-bar")+`.outerHTML`)
	after := eval[[]float64](tb, `[scrollY, `+q(p+` .source[data-pane="go"]`)+`.scrollTop]`)
	editorTop := eval[int](tb, `(() => { const a = `+area+`; const s = getComputedStyle(a); return Math.round((`+q(p+` .source[data-pane="go"]`)+`.scrollTop - parseFloat(s.paddingTop)) / parseFloat(s.lineHeight)) + 1; })()`)
	if before[1] < 100 || math.Abs(after[0]-before[0]) > 1 || editorTop != firstInView {
		t.Errorf("opening 编辑 moved the page or the code: page scroll %v → %v, first line in view %d → %d", before[0], after[0], firstInView, editorTop)
	}
	// The caret is on the first line in view, not at the top of the file.
	if line := eval[int](tb, area+`.value.slice(0, `+area+`.selectionStart).split("\n").length`); line != firstInView {
		t.Errorf("the caret is on line %d, want the first line in view (%d)", line, firstInView)
	}
	if got := eval[string](tb, value); got != original {
		t.Fatalf("the editor holds\n%s\nwant the demo's source\n%s", got, original)
	}
	lines := strings.Count(original, "\n") + 1
	if n := eval[int](tb, q(p+" .editor-gutter")+`.children.length`); n != lines {
		t.Errorf("the gutter numbers %d lines, the file has %d", n, lines)
	}
	// The gutter's line 40 sits level with the textarea's line 40.
	if off := eval[float64](tb, `(() => { const a = `+area+`, g = `+q(p+" .editor-gutter")+`.children[39];
		const lh = parseFloat(getComputedStyle(a).lineHeight), top = a.getBoundingClientRect().top + parseFloat(getComputedStyle(a).paddingTop);
		return Math.abs(g.getBoundingClientRect().top - (top + 39 * lh)); })()`); off > 1.5 {
		t.Errorf("gutter line 40 is %.1f px off its line of text", off)
	}
	if eval[bool](tb, shown(p+" .edit-mark")) {
		t.Error("已修改 shows before any change")
	}

	// Tab inserts a tab; Esc then Tab leaves the field.
	caretAfter("package spinner")
	typeKeys("Tab in the editor", kb.Tab)
	if got := eval[string](tb, value); !strings.HasPrefix(got, "package spinner\t\n") {
		t.Errorf("Tab did not insert a tab: %q", got[:20])
	}
	typeKeys("Esc", kb.Escape)
	typeKeys("Tab after Esc", kb.Tab)
	if eval[bool](tb, `document.activeElement === `+area) {
		t.Error("Esc then Tab left the focus in the editor")
	}
	tb.click(p + " button.edit-reset")

	// The edit: Answer: %d → Answer: %d!, typed.
	caretAfter("Answer: %d")
	typeKeys("type the edit", "!")
	edited := strings.Replace(original, "Answer: %d", "Answer: %d!", 1)
	tb.waitFor("the panel to say 已修改, and Run to run the edit", shown(p+" .edit-mark")+` && `+q(p+" .edit-mark")+`.textContent === "已修改" && `+
		q(p+" button.run")+`.textContent === "▶ 运行修改后的代码" && `+shown(p+" button.run-original"), q(p+" .source-bar")+`.outerHTML + `+q(p+" .controls")+`.outerHTML`)
	if got := eval[string](tb, value); got != edited {
		t.Fatalf("after typing, the editor holds %q", got)
	}
	tb.waitFor("the address to carry the edit", `location.search.includes("spinner-goroutine.src=")`, `location.search`)
	href := eval[string](tb, q(p+" a.share")+`.href`)
	if !strings.Contains(href, "spinner-goroutine.src=") || len(href) > 300 {
		t.Errorf("the share link %q lacks the edit, or carries more than the changed stretch", href)
	}
	// The link alone (nothing kept in this browser) brings the edit back.
	saved := eval[string](tb, `localStorage.getItem("walkthrough.edit.spinner-goroutine")`)
	// (The address carries the edit too: clear it, so that opening the link
	// loads the page afresh rather than moving to its fragment.)
	eval[bool](tb, `(localStorage.removeItem("walkthrough.edit.spinner-goroutine"), history.replaceState(null, "", location.pathname), window.samePage = true)`)
	tb.open(href)
	waitReady(tb)
	if eval[bool](tb, `window.samePage === true`) {
		t.Fatal("opening the share link did not load the page")
	}
	tb.waitFor("the link's edit to apply", shown(p+" .edit-mark")+` && `+q(p+" textarea.editor-text")+`?.value === `+js(edited), q(p+" textarea.editor-text")+`?.value`)
	if saved != edited {
		t.Errorf("this browser kept %q", saved)
	}

	// A reload brings the edit back from this browser's storage (the
	// address carries it too, so drop that first).
	eval[bool](tb, `(history.replaceState(null, "", location.pathname), true)`)
	tb.reload()
	waitReady(tb)
	tb.waitFor("the kept edit to come back", shown(p+" .edit-mark")+` && `+q(p+" textarea.editor-text")+`?.value === `+js(edited), `localStorage.getItem("walkthrough.edit.spinner-goroutine")`)

	// ▶ 运行 runs the edit, as shown: the console's first line says so,
	// the status says 编译中… until the program speaks, and the time of the
	// build (where the server reports it) is told apart from the program's.
	tb.typeInto(p+` form.params input[name="slow"]`, "200ms")
	eval[bool](tb, `(() => { const s = `+q(p+" .status")+`; window.statuses = [];
		new MutationObserver(() => statuses.push(s.textContent)).observe(s, { childList: true, characterData: true, subtree: true }); return true; })()`)
	tb.click(p + " button.run")
	tb.waitFor("the edited run to end", q(p+" .console .exit")+` !== null`, consoleText(id))
	out := eval[string](tb, consoleText(id))
	if !strings.HasPrefix(out, "— 运行修改后的代码 —\n") || !strings.Contains(out, "Answer: 42!") {
		t.Errorf("console %q: want the heading — 运行修改后的代码 — and the edit's output", out)
	}
	exitLine := eval[string](tb, q(p+" .console .exit")+`.textContent`)
	took := `( \d+\.\d\d s| · 编译 \d+\.\d\d s · 运行 \d+\.\d\d s)`
	if !regexp.MustCompile(`^✓ 完成` + took + ` · 已修改的代码$`).MatchString(exitLine) {
		t.Errorf("exit line %q", exitLine)
	}
	if s := eval[string](tb, q(p+" .status")+`.textContent`); !regexp.MustCompile(`^完成` + took + ` · 已修改的代码$`).MatchString(s) {
		t.Errorf("status %q", s)
	}
	statuses := eval[[]string](tb, `statuses`)
	if i := slices.Index(statuses, "编译中…"); i < 0 || !slices.Contains(statuses[i:], "运行中 · 已修改的代码") {
		t.Errorf("statuses during the edited run %q: want 编译中… and then 运行中", statuses)
	}

	// 运行原始代码 runs the demo as it was, and says so.
	tb.click(p + " button.run-original")
	tb.waitFor("the original run to end", q(p+" .console .exit-ok")+` !== null`, consoleText(id))
	if out := eval[string](tb, consoleText(id)); !strings.HasPrefix(out, "— 运行原始代码 —\n") || !regexp.MustCompile(`Answer: 42 *\n`).MatchString(out) {
		t.Errorf("console after 运行原始代码 %q", out)
	}
	if s := eval[string](tb, q(p+" .status")+`.textContent`); !regexp.MustCompile(`^完成 \d+\.\d\d s$`).MatchString(s) {
		t.Errorf("status after 运行原始代码 %q", s)
	}

	// One missing ")": a list of what the compiler says in the console,
	// the first in full, the rest behind 还有 N 处, each a link to its line;
	// the status names the line; no run-together message under the panel.
	if !eval[bool](tb, shown(p+" textarea.editor-text")) {
		tb.click(p + " button.edit-toggle")
		// Opened once it has the focus: it takes it after its stylesheet,
		// with a caret of its own.
		tb.waitFor("the editor", `document.activeElement === `+area, q(p+" .source-bar")+`.outerHTML`)
	}
	bad := strings.Index(edited, `answer)`) + len(`answer`)
	badLine := strings.Count(edited[:bad], "\n") + 1
	eval[bool](tb, `(() => { const a = `+area+`; a.focus(); const i = a.value.indexOf("answer)") + 6; a.setSelectionRange(i, i + 1); return true; })()`)
	typeKeys("delete a )", kb.Delete)
	tb.focus(p + " button.run")
	tb.click(p + " button.run")
	first := p + " .console .diagnostic.first button.diagnostic-jump"
	tb.waitFor("the compile errors in the console", shown(first), consoleText(id)+` + " / " + `+q(p+" .demo-error")+`.textContent`)
	if s := eval[string](tb, q(p+" .status")+`.textContent`); s != "编译错误：第 "+strconv.Itoa(badLine)+" 行" {
		t.Errorf("status %q, want 编译错误：第 %d 行", s, badLine)
	}
	if got := eval[string](tb, q(first)+`.textContent`); got != "第 "+strconv.Itoa(badLine)+" 行" {
		t.Errorf("the first error links %q, want line %d", got, badLine)
	}
	if !eval[bool](tb, q(p+" .demo-error")+`.hidden`) {
		t.Errorf("a compile error is also under the panel: %q", eval[string](tb, q(p+" .demo-error")+`.textContent`))
	}
	items := eval[int](tb, `document.querySelectorAll(`+js(p+" .console .diagnostic")+`).length`)
	if items > 1 {
		// Only the first shows until 还有 N 处 opens the rest.
		more := p + " .console button.diagnostic-more-button"
		if got, want := eval[string](tb, q(more)+`.textContent`), "还有 "+strconv.Itoa(items-1)+" 处"; got != want {
			t.Errorf("the list's button says %q, want %q", got, want)
		}
		if n := eval[int](tb, `[...document.querySelectorAll(`+js(p+" .console .diagnostic")+`)].filter(d => d.getClientRects().length).length`); n != 1 {
			t.Errorf("%d diagnostics show before 还有 N 处 is clicked", n)
		}
		tb.click(more)
		if n := eval[int](tb, `[...document.querySelectorAll(`+js(p+" .console .diagnostic")+`)].filter(d => d.getClientRects().length).length`); n != items {
			t.Errorf("%d of %d diagnostics show after 还有 N 处", n, items)
		}
	}
	marked := eval[[]int](tb, `[...`+q(p+" .editor-gutter")+`.children].flatMap((s, i) => s.classList.contains("error") ? [i + 1] : [])`)
	if len(marked) != 1 || marked[0] != badLine {
		t.Errorf("gutter marks lines %v, want [%d]", marked, badLine)
	}
	tb.focus(p + " button.run") // away from the editor, then back by the link
	tb.click(first)
	broken := strings.Replace(edited, "answer)", "answer", 1)
	start := len([]rune(strings.Join(strings.Split(broken, "\n")[:badLine-1], "\n"))) + 1
	tb.waitFor("the link to put the caret on the error's line", `document.activeElement === `+area+` && `+area+`.selectionStart === `+strconv.Itoa(start), area+`.selectionStart`)
	if items > 1 {
		// Another error's link marks its line instead.
		second := `document.querySelectorAll(` + js(p+" .console .diagnostic button.diagnostic-jump") + `)[1]`
		n := eval[int](tb, `Number(`+second+`.dataset.line)`)
		eval[bool](tb, `(`+second+`.click(), true)`)
		if marked := eval[[]int](tb, `[...`+q(p+" .editor-gutter")+`.children].flatMap((s, i) => s.classList.contains("error") ? [i + 1] : [])`); len(marked) != 1 || marked[0] != n {
			t.Errorf("after the link to line %d, the gutter marks %v", n, marked)
		}
	}

	// 重置: the original, unmarked, forgotten by the browser.
	tb.click(p + " button.edit-reset")
	if got := eval[string](tb, value); got != original {
		t.Errorf("重置 left %q", got)
	}
	if eval[bool](tb, shown(p+" .edit-mark")) || eval[bool](tb, `localStorage.getItem("walkthrough.edit.spinner-goroutine") !== null`) || eval[bool](tb, `location.search.includes(".src=")`) {
		t.Error("after 重置 the panel, the storage or the address still hold an edit")
	}
	noProblems(t, tb, "editing")
}
