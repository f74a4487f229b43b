package web

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/runner/testenv"
)

// What the server says about an edited run, as the page words it: the
// editor's own functions, imported by the page that uses them, fed the
// frames of the socket's contract (architecture.md, January: failed exit
// and error with "code", compile "diagnostics", race "lines",
// "startup_ms"), including the forms an older server sends (no code, the
// diagnostics only as text). The same functions draw the console in the
// browser tests below that run real edits.
func TestBrowserEditMessagesFollowTheContract(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 800)
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)

	type diagnostic struct {
		File    string `json:"file,omitempty"`
		Line    int    `json:"line"`
		Col     int    `json:"col,omitempty"`
		Message string `json:"message"`
	}
	type explained struct {
		Code        string       `json:"code"`
		Title       string       `json:"title"`
		Status      string       `json:"status"`
		Lines       []int        `json:"lines"`
		Diagnostics []diagnostic `json:"diagnostics"`
	}
	cases := []struct {
		name  string
		frame string
		want  *explained // nil: a plain message, the panel's to show
	}{
		{"compile errors after the build",
			`{"type":"exit","ok":false,"code":"compile","error":"编译错误：第 12 行：undefined: foo（还有 2 处）","line":12,
			  "diagnostics":[{"line":12,"col":5,"message":"undefined: foo"},{"file":"demos.go","line":38,"message":"too many arguments"},{"line":0,"message":"too many errors"}]}`,
			&explained{"compile", "编译错误（3 处）", "编译错误：第 12 行", []int{12},
				[]diagnostic{{Line: 12, Col: 5, Message: "undefined: foo"}, {File: "demos.go", Line: 38, Message: "too many arguments"}, {Message: "too many errors"}}}},
		{"refused before the run (import \"C\")",
			`{"type":"error","code":"compile","error":"第 3 行：不能导入 \"C\"","line":3,"diagnostics":[{"line":3,"col":8,"message":"不能导入 \"C\""}]}`,
			&explained{"compile", "编译错误", "编译错误：第 3 行", []int{3}, []diagnostic{{Line: 3, Col: 8, Message: `不能导入 "C"`}}}},
		{"the shown file named is the learner's",
			`{"type":"exit","ok":false,"code":"compile","error":"x","line":0,"diagnostics":[{"file":"spinner_goroutine.go","line":9,"message":"m"}]}`,
			&explained{"compile", "编译错误", "编译错误：第 9 行", []int{9}, []diagnostic{{Line: 9, Message: "m"}}}},
		{"a compile error of no line",
			`{"type":"exit","ok":false,"code":"compile","error":"编译错误","diagnostics":[{"line":0,"message":"build failed"}]}`,
			&explained{"compile", "编译错误", "编译错误", []int{}, []diagnostic{{Message: "build failed"}}}},
		{"no diagnostics: the text, one a line",
			`{"type":"error","code":"compile","error":"编译错误：第 7 行：undefined: x（还有 2 处）","line":7}`,
			&explained{"compile", "编译错误", "编译错误：第 7 行", []int{7}, []diagnostic{{Line: 7, Message: "undefined: x"}}}},
		{"an older server: no code, the lines as text",
			`{"type":"error","error":"spinner_goroutine.go 第 42 行：missing ','\nspinner_goroutine.go 第 43 行：expected operand\ndemos.go 第 5 行：other","line":42}`,
			&explained{"compile", "编译错误（3 处）", "编译错误：第 42 行", []int{42, 43},
				[]diagnostic{{Line: 42, Message: "missing ','"}, {Line: 43, Message: "expected operand"}, {File: "demos.go", Line: 5, Message: "other"}}}},
		{"go's own form of a line",
			`{"type":"exit","ok":false,"code":"compile","error":"./spinner_goroutine.go:4:2: undefined: y","line":4}`,
			&explained{"compile", "编译错误", "编译错误：第 4 行", []int{4}, []diagnostic{{Line: 4, Col: 2, Message: "undefined: y"}}}},
		{"a race",
			`{"type":"exit","ok":false,"code":"race","error":"竞态检测器发现 1 处数据竞争","lines":[20,24,20],"elapsed_ms":12,"startup_ms":900}`,
			&explained{Code: "race", Title: "竞态检测器发现 1 处数据竞争", Status: "发现数据竞争：第 20、24 行", Lines: []int{20, 24}}},
		{"a race in no line of the learner's",
			`{"type":"exit","ok":false,"code":"race","error":"race"}`,
			&explained{Code: "race", Title: "发现数据竞争", Status: "发现数据竞争", Lines: []int{}}},
		{"a panic on a line",
			`{"type":"exit","ok":false,"code":"panic","error":"panic: boom（第 30 行）","line":30}`,
			&explained{Code: "panic", Title: "panic: boom（第 30 行）", Status: "panic：第 30 行", Lines: []int{30}}},
		{"memory",
			`{"type":"exit","ok":false,"code":"memory","error":"内存超过上限，程序被终止"}`,
			&explained{Code: "memory", Title: "内存超过上限，程序被终止", Status: "内存超限", Lines: []int{}}},
		{"cpu, said in English by the server",
			`{"type":"exit","ok":false,"code":"cpu","error":"cpu limit"}`,
			&explained{Code: "cpu", Title: "CPU 时间超过上限，程序被终止", Status: "CPU 时间超限", Lines: []int{}}},
		{"threads",
			`{"type":"exit","ok":false,"code":"threads","error":"线程或进程太多，程序被终止"}`,
			&explained{Code: "threads", Title: "线程或进程太多，程序被终止", Status: "线程太多", Lines: []int{}}},
		{"an older server: a failure on a line",
			`{"type":"exit","ok":false,"error":"第 8 行：出错了","line":8}`,
			&explained{Code: "line", Title: "第 8 行：出错了", Status: "出错：第 8 行", Lines: []int{8}}},
		{"diagnostics of the wrong shape",
			`{"type":"exit","ok":false,"code":"compile","error":"编译错误：第 5 行：x","line":5,"diagnostics":[null,"x",3]}`,
			&explained{"compile", "编译错误", "编译错误：第 5 行", []int{5}, []diagnostic{{Line: 5, Message: "x"}}}},
		{"a code the page does not know", `{"type":"exit","ok":false,"code":"constructor","error":"x"}`, nil},
		{"busy", `{"type":"error","code":"busy","error":"服务器正忙"}`, nil},
		{"unavailable", `{"type":"error","code":"unavailable","error":"这里不能运行修改后的代码"}`, nil},
		{"timeout", `{"type":"exit","ok":false,"code":"timeout","error":"timeout"}`, nil},
		{"stopped", `{"type":"exit","ok":false,"code":"stopped","error":"stopped"}`, nil},
		{"a demo's own error", `{"type":"exit","ok":false,"error":"下载失败"}`, nil},
	}
	frames := make([]json.RawMessage, len(cases))
	for i, c := range cases {
		frames[i] = json.RawMessage(c.frame)
	}
	all, err := json.Marshal(frames)
	if err != nil {
		t.Fatal(err)
	}
	load := `const m = await import(document.querySelector(` + js(demo("spinner-goroutine")+" .edit-toggle") + `).dataset.module);`
	got := eval[[]*explained](tb, `(async () => { `+load+` return `+string(all)+`.map((f) => m.explain(f, "spinner_goroutine.go")); })()`)
	for i, c := range cases {
		if i >= len(got) {
			t.Fatalf("the page explained %d frames of %d", len(got), len(cases))
		}
		if !reflect.DeepEqual(got[i], c.want) {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(c.want)
			t.Errorf("%s:\n got %s\nwant %s", c.name, g, w)
		}
	}

	// The list: the first in full, 还有 N 处 opens the rest; the learner's
	// lines are links, another file's line and a line-less message text;
	// the commonest compiler messages in Chinese, the original kept.
	type item struct {
		Text, Link, Title string
		Shown             bool
	}
	list := func(after string) []item {
		t.Helper()
		return eval[[]item](tb, `(async () => { `+load+`
			const diags = [{line: 12, col: 5, message: "undefined: foo"}, {file: "demos.go", line: 38, message: "x"}, {line: 0, message: "too many errors"}];
			const l = window.testList ||= document.body.appendChild(m.diagnosticList(diags, (n) => {
				const b = document.createElement("button"); b.className = "jump"; b.textContent = "第 " + n + " 行"; return b; }));
			`+after+`
			return [...l.children].map((c) => ({Text: c.textContent, Link: c.querySelector(".jump")?.textContent || "",
				Title: c.querySelector(".diagnostic-message")?.title || "", Shown: !c.hidden}));
		})()`)
	}
	before := list("")
	want := []item{
		{"第 12 行第 5 列：未定义：foo", "第 12 行", "undefined: foo", true},
		{"还有 2 处", "", "", true},
		{"demos.go 第 38 行：x", "", "", false},
		{"too many errors", "", "", false},
	}
	if !reflect.DeepEqual(before, want) {
		t.Errorf("the list\n got %+v\nwant %+v", before, want)
	}
	opened := list(`l.querySelector(".diagnostic-more-button").click();`)
	for i, it := range opened {
		if !it.Shown {
			t.Errorf("after 还有 N 处, item %d (%q) is hidden", i, it.Text)
		}
	}
	if len(opened) > 1 && opened[1].Text != "收起其余 2 处" {
		t.Errorf("the open list's button says %q", opened[1].Text)
	}

	// The output: the shown file's lines are links (with or without a
	// path, with or without a column), other files and names that merely
	// end in the file's name are not; a race report is its own block.
	out := "start\n==================\nWARNING: DATA RACE\nWrite at 0x00c by goroutine 7:\n  spinner.spinGoroutine.func1()\n      /tmp/b1/spinner_goroutine.go:20 +0x44\n\n" +
		"Previous read at 0x00c by goroutine 6:\n      spinner_goroutine.go:24:3\n==================\nFound 1 data race(s)\nsee demos.go:3, my_spinner_goroutine.go:5 and (spinner_goroutine.go:7)"
	outJSON, _ := json.Marshal(out)
	parts := eval[[]any](tb, `(async () => { `+load+` return m.outputParts(`+string(outJSON)+`, "spinner_goroutine.go"); })()`)
	wantParts := []any{
		"start\n",
		map[string]any{"race": []any{
			"==================\nWARNING: DATA RACE\nWrite at 0x00c by goroutine 7:\n  spinner.spinGoroutine.func1()\n      ",
			map[string]any{"text": "/tmp/b1/spinner_goroutine.go:20", "line": 20.0},
			" +0x44\n\nPrevious read at 0x00c by goroutine 6:\n      ",
			map[string]any{"text": "spinner_goroutine.go:24:3", "line": 24.0},
			"\n==================\n",
		}},
		"Found 1 data race(s)\nsee demos.go:3, my_spinner_goroutine.go:5 and (",
		map[string]any{"text": "spinner_goroutine.go:7", "line": 7.0},
		")",
	}
	if !reflect.DeepEqual(parts, wantParts) {
		g, _ := json.MarshalIndent(parts, "", " ")
		t.Errorf("output parts\n%s", g)
	}
	if plain := eval[[]any](tb, `(async () => { `+load+` return m.outputParts("no links here\n", "spinner_goroutine.go"); })()`); !reflect.DeepEqual(plain, []any{"no links here\n"}) {
		t.Errorf("plain output parts %v", plain)
	}

	// Build time apart from the program's, where the server says it.
	took := eval[[]string](tb, `(async () => { `+load+`
		return [m.tookText({elapsed_ms: 1020, startup_ms: 310}), m.tookText({elapsed_ms: 1020})];
	})()`)
	if want := []string{" · 编译 0.31 s · 运行 1.02 s", " 1.02 s"}; !reflect.DeepEqual(took, want) {
		t.Errorf("times %q, want %q", took, want)
	}

	noProblems(t, tb, "edit messages")
}

// clickInView brings the element to the middle of the view, then clicks
// it: typing scrolls a field to the top, under the page's sticky header,
// and a click there would land on the header.
func (tb *chromeTab) clickInView(sel string) {
	tb.t.Helper()
	eval[bool](tb, `(document.querySelector(`+js(sel)+`).scrollIntoView({ block: "center" }), true)`)
	tb.click(sel)
}

// apiDemo is a demo's entry in /api/demos, as far as editing goes.
type apiDemo struct {
	ID       string `json:"id"`
	Editable bool   `json:"editable"`
	EditNote string `json:"edit_note"`
	Race     *struct {
		Available bool   `json:"available"`
		Reason    string `json:"reason"`
	} `json:"race"`
}

func demoEntry(t *testing.T, url, id string) apiDemo {
	t.Helper()
	resp, err := http.Get(url + "/api/demos")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var list []apiDemo
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no %s in /api/demos", id)
	return apiDemo{}
}

// 检测数据竞争 sits beside 编辑, usable exactly when /api/demos says the
// race detector is, its reason the description when not; the course's note
// about edits (edit_note) shows on the panel when there is one.
func TestBrowserEditOptionsFollowTheDemoList(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	const id = "spinner-goroutine"
	entry := demoEntry(t, srv.URL, id)
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 900)
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	p := demo(id)
	q := func(sel string) string { return `document.querySelector(` + js(p+" "+sel) + `)` }
	tb.click(p + " button.edit-toggle")
	tb.waitFor("the race option to hear from the server", q(".race-option")+` && !/正在询问/.test(`+q(".race-option")+`.title)`, q(".source-bar")+`.outerHTML`)
	if !eval[bool](tb, q(".edit-toggle")+`.nextElementSibling === `+q(".race-option")) {
		t.Error("检测数据竞争 is not beside 编辑")
	}
	if got := eval[string](tb, q(".race-option")+`.textContent`); got != "检测数据竞争" {
		t.Errorf("the option reads %q", got)
	}
	disabled := eval[bool](tb, q(".race-option input")+`.disabled`)
	title := eval[string](tb, q(".race-option")+`.title`)
	switch {
	case entry.Race != nil && entry.Race.Available:
		if disabled {
			t.Error("the server offers the race detector, the checkbox is disabled")
		}
	case entry.Race != nil && entry.Race.Reason != "":
		if !disabled || title != entry.Race.Reason {
			t.Errorf("race unavailable (%q): checkbox disabled %v, title %q", entry.Race.Reason, disabled, title)
		}
	default:
		if !disabled || title == "" {
			t.Errorf("no race detector said: checkbox disabled %v, title %q", disabled, title)
		}
	}
	note := eval[string](tb, `(`+q(".edit-caution")+`?.getClientRects().length ? `+q(".edit-caution")+`.textContent : "")`)
	if note != strings.TrimSpace(entry.EditNote) {
		t.Errorf("the panel shows the note %q, /api/demos says %q", note, entry.EditNote)
	}
	noProblems(t, tb, "edit options")
}

// Compare and run ×N run the edit shown, each console saying so; a line
// of the learner's file that the program prints is a link to that line.
func TestBrowserCompareAndRepeatRunTheEdit(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	const id, file = "spinner-goroutine", "spinner_goroutine.go"
	src, err := fs.ReadFile(srv.Course.Catalog().Files(id), file)
	if err != nil {
		t.Fatal(err)
	}
	original := strings.TrimSuffix(string(src), "\n")
	edited := strings.Replace(original, `fmt.Fprintf(out, "Answer: %d\n", answer)`, `fmt.Fprintf(out, "Answer: %d! see `+file+`:12\n", answer)`, 1)
	if edited == original {
		t.Fatal("the edit did not apply")
	}
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 900)
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	p := demo(id)
	q := func(sel string) string { return `document.querySelector(` + js(p+" "+sel) + `)` }
	tb.click(p + " button.edit-toggle")
	// Opened once it has the focus (after its stylesheet, editor.toggle):
	// keys typed elsewhere before then would land in the source.
	tb.waitFor("the editor", `document.activeElement === `+q("textarea.editor-text"), q(".source-bar")+`.outerHTML`)
	editedJSON, _ := json.Marshal(edited)
	eval[bool](tb, `(() => { const a = `+q("textarea.editor-text")+`; a.value = `+string(editedJSON)+`; a.dispatchEvent(new Event("input")); return true; })()`)
	tb.typeInto(p+` form.params input[name="slow"]`, "100ms")

	// Compare: B is this demo with other values; both run the edit.
	tb.clickInView(p + " button.compare-toggle")
	eval[bool](tb, `(() => { const s = `+q(".compare-with")+`; s.value = `+js(id)+`; s.dispatchEvent(new Event("change")); return true; })()`)
	tb.typeInto(p+` form.compare input[name="slow"]`, "100ms")
	tb.clickInView(p + " button.compare-run")
	tb.waitFor("both sides to end", q(".console:not(.console-b) .exit")+` && `+q(".console-b .exit"), q(".status")+`.textContent`)
	for _, c := range []string{".console", ".console-b"} {
		out := eval[string](tb, q(c)+`.textContent`)
		if !strings.HasPrefix(out, "— 运行修改后的代码 —\n") || !strings.Contains(out, "Answer: 42! see") {
			t.Errorf("compare %s: %q, want the edit's run", c, out)
		}
	}
	tb.clickInView(p + " button.compare-toggle")

	// Run ×2: each round runs the edit.
	tb.typeInto(p+" input.repeat-n", "2")
	eval[bool](tb, `(() => { window.rounds = []; document.querySelector(`+js(p)+`).addEventListener("demo-exit", () => rounds.push(`+q(".console")+`.textContent)); return true; })()`)
	tb.clickInView(p + " button.repeat")
	tb.waitFor("two rounds", `rounds.length === 2 && /^2 \/ 2 次/.test(`+q(".status")+`.textContent)`, `rounds.length + " " + `+q(".status")+`.textContent + " / " + `+q(".demo-error")+`.textContent + " / " + `+q("input.repeat-n")+`.value`)
	for i, out := range eval[[]string](tb, `rounds`) {
		if !strings.HasPrefix(out, "— 运行修改后的代码 —\n") || !strings.Contains(out, "Answer: 42! see") {
			t.Errorf("round %d: %q, want the edit's run", i+1, out)
		}
	}
	if s := eval[string](tb, q(".status")+`.textContent`); !regexp.MustCompile(`^2 / 2 次 · 完成`).MatchString(s) {
		t.Errorf("status after run ×2: %q", s)
	}

	// Run ×3 of an edit that does not compile ends after the first round.
	eval[bool](tb, `(() => { const a = `+q("textarea.editor-text")+`; a.value = a.value.replace("answer)", "answer"); a.dispatchEvent(new Event("input")); return true; })()`)
	tb.typeInto(p+" input.repeat-n", "3")
	eval[bool](tb, `(window.starts = 0, document.querySelector(`+js(p)+`).addEventListener("demo-start", () => starts++), true)`)
	tb.clickInView(p + " button.repeat")
	tb.waitFor("the series to end", `starts > 0 && `+q("button.stop")+`.disabled`, `starts + " " + `+q(".status")+`.textContent`)
	if n, s := eval[int](tb, `starts`), eval[string](tb, q(".status")+`.textContent`); n != 1 || !strings.Contains(s, "编译错误：第 ") {
		t.Errorf("run ×3 of a broken edit: %d rounds, status %q; want 1 round and the compile error", n, s)
	}
	eval[bool](tb, `(() => { const a = `+q("textarea.editor-text")+`; a.value = `+string(editedJSON)+`; a.dispatchEvent(new Event("input")); return true; })()`)
	tb.clickInView(p + " button.run")
	tb.waitFor("the edit's run to end", q(".console:not(.console-b) .exit")+` !== null`, q(".status")+`.textContent`)

	// The printed file.go:12 is a link: the editor shows line 12, flashed.
	link := p + " .console button.source-ref"
	tb.waitFor("the printed line to be a link", q(".console button.source-ref")+` !== null`, q(".console")+`.innerHTML`)
	if got := eval[string](tb, q(".console button.source-ref")+`.textContent`); got != file+":12" {
		t.Errorf("link text %q", got)
	}
	tb.clickInView(link)
	a := q("textarea.editor-text")
	start := len([]rune(strings.Join(strings.Split(edited, "\n")[:11], "\n"))) + 1
	tb.waitFor("the editor on line 12", `document.activeElement === `+a+` && `+a+`.selectionStart === `+strconv.Itoa(start)+
		` && `+q(".editor-gutter")+`.children[11].classList.contains("flash")`, a+`.selectionStart`)
	noProblems(t, tb, "compare and repeat an edit")
}

// The race detector on an edit: a racy counter, 检测数据竞争 ticked, and the
// report is set off in the console with the learner's lines as links, the
// exit line and the status naming them. Needs a server that builds edits
// with -race (issue 18's; /api/demos says "race": {"available": true}).
func TestBrowserRaceReport(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	const id, file = "spinner-goroutine", "spinner_goroutine.go"
	switch e := demoEntry(t, srv.URL, id); {
	case e.Race == nil:
		t.Skip("needs a server of the January contract (issue 18): /api/demos says nothing of the race detector")
	case !e.Race.Available:
		testenv.Missing(t, "the race detector is unavailable here: %s", e.Race.Reason)
	}
	src, err := fs.ReadFile(srv.Course.Catalog().Files(id), file)
	if err != nil {
		t.Fatal(err)
	}
	original := strings.TrimSuffix(string(src), "\n")
	// Two goroutines add to one counter, unsynchronised.
	racy := "\tcount := 0\n\traced := make(chan bool)\n\tgo func() { count++; raced <- true }()\n\tcount++\n\t<-raced\n\t_ = count\n"
	at := strings.Index(original, "\tev.Start(\"slow call\")")
	edited := original[:at] + racy + original[at:]
	first := strings.Count(original[:at], "\n") + 1 // the line of count := 0
	racyLines := []int{first + 2, first + 3}
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 900)
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	p := demo(id)
	q := func(sel string) string { return `document.querySelector(` + js(p+" "+sel) + `)` }
	tb.click(p + " button.edit-toggle")
	tb.waitFor("the editor", `document.activeElement === `+q("textarea.editor-text"), q(".source-bar")+`.outerHTML`)
	tb.waitFor("the race option", q(".race-option input")+` && !`+q(".race-option input")+`.disabled`, q(".race-option")+`?.title`)
	editedJSON, _ := json.Marshal(edited)
	eval[bool](tb, `(() => { const a = `+q("textarea.editor-text")+`; a.value = `+string(editedJSON)+`; a.dispatchEvent(new Event("input")); return true; })()`)
	tb.clickInView(p + " .race-option input")
	tb.typeInto(p+` form.params input[name="slow"]`, "100ms")
	tb.clickInView(p + " button.run")
	tb.waitFor("the run to end", q(".console .exit")+` !== null`, q(".console")+`.textContent`)
	out := eval[string](tb, q(".console")+`.textContent`)
	if !strings.HasPrefix(out, "— 运行修改后的代码 · 检测数据竞争 —\n") {
		t.Errorf("console %q: want the heading of a race run", out)
	}
	links := eval[[]int](tb, `[...`+q(".console .race-report")+`?.querySelectorAll("button.source-ref") ?? []].map((b) => Number(b.dataset.line))`)
	for _, n := range racyLines {
		if !slices.Contains(links, n) {
			t.Errorf("the race report links lines %v, want %d among them; console:\n%s", links, n, out)
		}
	}
	status := eval[string](tb, q(".status")+`.textContent`)
	if !regexp.MustCompile(`^发现数据竞争：第 \d+(、\d+)* 行$`).MatchString(status) {
		t.Errorf("status %q", status)
	}
	exitLinks := eval[[]int](tb, `[...`+q(".console .exit")+`.querySelectorAll("button.exit-line")].map((b) => Number(b.dataset.line))`)
	if len(exitLinks) == 0 || !slices.Contains(racyLines, exitLinks[0]) {
		t.Errorf("the exit line links %v, want the racy lines %v", exitLinks, racyLines)
	}
	noProblems(t, tb, "race report")
}

// A panic in an edit names the learner's line: the exit line's link and
// the status say it, and the gutter marks it. Needs issue 18's server.
func TestBrowserPanicNamesItsLine(t *testing.T) {
	execPath := requireChromium(t)
	srv := serveCourse(t, "127.0.0.1:0", CourseConfig{})
	const id, file = "spinner-goroutine", "spinner_goroutine.go"
	src, err := fs.ReadFile(srv.Course.Catalog().Files(id), file)
	if err != nil {
		t.Fatal(err)
	}
	if demoEntry(t, srv.URL, id).Race == nil {
		// The interpreter's server says where the function begins, not
		// the line; issue 18's server (the January contract: race in
		// /api/demos, code and line on the exit) says the line.
		t.Skip("needs a server of the January contract (issue 18): this one sends no line with a panic")
	}
	original := strings.TrimSuffix(string(src), "\n")
	at := strings.Index(original, "\tev.Start(\"slow call\")")
	edited := original[:at] + "\tpanic(\"故意的\")\n" + original[at:]
	line := strings.Count(original[:at], "\n") + 1
	b := startChrome(t, execPath)
	tb := b.newTab(t, 1280, 900)
	tb.open(srv.URL + "/lessons/spinner")
	waitReady(tb)
	p := demo(id)
	q := func(sel string) string { return `document.querySelector(` + js(p+" "+sel) + `)` }
	tb.click(p + " button.edit-toggle")
	// Opened once it has the focus (after its stylesheet, editor.toggle):
	// keys typed elsewhere before then would land in the source.
	tb.waitFor("the editor", `document.activeElement === `+q("textarea.editor-text"), q(".source-bar")+`.outerHTML`)
	editedJSON, _ := json.Marshal(edited)
	eval[bool](tb, `(() => { const a = `+q("textarea.editor-text")+`; a.value = `+string(editedJSON)+`; a.dispatchEvent(new Event("input")); return true; })()`)
	tb.clickInView(p + " button.run")
	tb.waitFor("the run to end", q(".console .exit")+` !== null`, q(".console")+`.textContent`)
	n := strconv.Itoa(line)
	if s := eval[string](tb, q(".status")+`.textContent`); !regexp.MustCompile(`^(panic|出错)：第 ` + n + ` 行$`).MatchString(s) {
		t.Errorf("status %q, want the panic on line %s; console:\n%s", s, n, eval[string](tb, q(".console")+`.textContent`))
	}
	if got := eval[[]string](tb, `[...`+q(".console .exit")+`.querySelectorAll("button.exit-line")].map((b) => b.dataset.line)`); !reflect.DeepEqual(got, []string{n}) {
		t.Errorf("the exit line %q links lines %v, want [%s]", eval[string](tb, q(".console .exit")+`.textContent`), got, n)
	}
	marked := eval[[]int](tb, `[...`+q(".editor-gutter")+`.children].flatMap((s, i) => s.classList.contains("error") ? [i + 1] : [])`)
	if !reflect.DeepEqual(marked, []int{line}) {
		t.Errorf("the gutter marks %v, want [%d]", marked, line)
	}
	noProblems(t, tb, "a panic")
}
