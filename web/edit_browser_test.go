package web

import (
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A learner edits a demo in the page: 编辑 turns the source into an editor
// (loaded then, not with the page), typing marks the panel 已修改, the edit
// survives a reload (this browser's storage) and rides in the share link,
// 运行修改后的代码 runs it and the console says so, a syntax error names its
// line, marks it in the gutter and jumps to it, and 重置 brings the
// original back. Tab inserts a tab; Esc then Tab leaves the field.
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

	tb.click(p + " button.edit-toggle")
	tb.waitFor("the editor to open in place of the source", shown(p+" textarea.editor-text")+` && !`+shown(p+` .source[data-pane="go"] pre.chroma`)+
		` && `+q(p+" button.edit-toggle")+`.getAttribute("aria-pressed") === "true" && document.activeElement === `+area, q(p+" .source-bar")+`.outerHTML`)
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
	tb.waitFor("the panel to say 已修改", shown(p+" .edit-mark")+` && `+q(p+" .edit-mark")+`.textContent === "已修改" && `+shown(p+" button.run-edited"), q(p+" .source-bar")+`.outerHTML`)
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

	// Run the edit: the server runs it, and the console's last line says
	// the output came from edited code.
	tb.typeInto(p+` form.params input[name="slow"]`, "200ms")
	tb.click(p + " button.run-edited")
	tb.waitFor("the edited run to end", q(p+" .console .exit")+` !== null`, consoleText(id))
	exitLine := eval[string](tb, q(p+" .console .exit")+`.textContent`)
	if !strings.HasSuffix(exitLine, " · 已修改的代码") {
		t.Errorf("exit line %q does not say the code was edited", exitLine)
	}
	if eval[bool](tb, q(p+" .console .exit-ok")+` !== null`) {
		if out := eval[string](tb, consoleText(id)); !strings.Contains(out, "Answer: 42!") {
			t.Errorf("console %q lacks the edited output", out)
		}
		if s := eval[string](tb, q(p+" .status")+`.textContent`); !regexp.MustCompile(`^完成 \d+\.\d\d s · 已修改的代码$`).MatchString(s) {
			t.Errorf("status %q", s)
		}
	} else {
		// The interpreter could not run this demo in the child: the
		// failure must still be shown, on its line when it names one.
		t.Logf("the edited run failed in the interpreter (checked as an error instead): %s", exitLine)
		if eval[bool](tb, q(p+" .demo-error")+`.hidden`) && eval[bool](tb, q(p+" .console .exit-error")+` === null`) {
			t.Error("a failed edited run shows no error")
		}
	}

	// A syntax error: its line is named, marked, and one click away.
	if !eval[bool](tb, shown(p+" textarea.editor-text")) {
		tb.click(p + " button.edit-toggle")
	}
	bad := strings.Index(edited, "func spinGoroutine")
	badLine := strings.Count(edited[:bad], "\n") + 1
	eval[bool](tb, `(() => { const a = `+area+`; a.focus(); const i = a.value.indexOf("func spinGoroutine"); a.setSelectionRange(i, i); return true; })()`)
	typeKeys("type a stray brace", "}")
	tb.click(p + " button.run-edited")
	jump := p + " .demo-error button.error-line"
	tb.waitFor("the error to name its line", shown(jump), q(p+" .demo-error")+`.textContent + " / " + `+consoleText(id))
	if msg := eval[string](tb, q(jump)+`.textContent`); !strings.Contains(msg, "第 "+strconv.Itoa(badLine)+" 行") {
		t.Errorf("error %q does not name line %d", msg, badLine)
	}
	marked := eval[[]int](tb, `[...`+q(p+" .editor-gutter")+`.children].flatMap((s, i) => s.classList.contains("error") ? [i + 1] : [])`)
	if len(marked) != 1 || marked[0] != badLine {
		t.Errorf("gutter marks lines %v, want [%d]", marked, badLine)
	}
	tb.focus(p + " button.run") // away from the editor, then jump back
	tb.click(jump)
	start := len([]rune(strings.Join(strings.Split(edited, "\n")[:badLine-1], "\n"))) + 1
	tb.waitFor("the jump to the error's line", `document.activeElement === `+area+` && `+area+`.selectionStart === `+strconv.Itoa(start), area+`.selectionStart`)

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
