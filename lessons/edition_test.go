package lessons

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The second edition's content contract, as markdown.go and highlight.go
// render and check it: answer keys, "运行前先看" notes, core lines,
// diagrams, explicit heading ids. The fixtures are small lessons of the
// tests' own; the last tests hold the real lessons to the contract.

// fixture is a lesson.md with one demo, "a-demo", and body after the
// front matter.
func fixture(body string) []byte {
	return []byte("---\nslug: x\norder: 1\ntitle: T\nsummary: S\ndemos: [a-demo]\n---\n\n" + body)
}

func renderFixture(t *testing.T, body string) document {
	t.Helper()
	doc, err := render(newMarkdown(), fixture(body), true)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return doc
}

func renderError(t *testing.T, body string, requireKeys bool) error {
	t.Helper()
	_, err := render(newMarkdown(), fixture(body), requireKeys)
	return err
}

const demoPara = "::demo a-demo\n\n"

func TestAnswerKeysRenderAsClosedDetails(t *testing.T) {
	doc := renderFixture(t, demoPara+"## 练习\n\n"+
		"1. 第一题：先猜。\n\n   ```answer\n   约 **0.30 秒**，因为……\n\n   - 一\n   - 二\n   ```\n\n"+
		"2. 第二题。\n\n   ````answer\n   输出：\n\n   ```text\n   total 3.00s\n   ```\n   ````\n")
	html := string(doc.html)
	if n := strings.Count(html, `<details class="answer"><summary>参考答案</summary>`); n != 2 {
		t.Fatalf("%d answer keys rendered, want 2:\n%s", n, html)
	}
	if strings.Contains(html, "<details class=\"answer\" open") || strings.Contains(html, "language-answer") {
		t.Errorf("a key is open by default or shown as code:\n%s", html)
	}
	for _, want := range []string{"<strong>0.30 秒</strong>", "<li>一</li>", `<pre class="chroma"><code><span class="line"><span class="cl">total 3.00s`} {
		if !strings.Contains(html, want) {
			t.Errorf("the key's Markdown is not rendered: no %s in\n%s", want, html)
		}
	}
	// The key stays where it stands: inside its exercise's list item.
	if !regexp.MustCompile(`(?s)<li>\s*<p>第一题：先猜。</p>\s*<details class="answer">`).MatchString(html) {
		t.Errorf("the first key is not inside the first exercise:\n%s", html)
	}
	if doc.keys != 2 {
		t.Errorf("keys = %d", doc.keys)
	}
}

func TestEveryExerciseNeedsExactlyOneKey(t *testing.T) {
	key := "   ```answer\n   答案。\n   ```\n\n"
	for _, c := range []struct {
		name, body  string
		requireKeys bool
		wantErr     string // "" for none
	}{
		{"every item keyed", "## 练习\n\n1. 一\n\n" + key + "2. 二\n\n" + key, true, ""},
		{"keys after the list", "## 练习\n\n1. 一\n\n```answer\n甲\n```\n\n2. 二\n\n```answer\n乙\n```\n", true, ""},
		{"subsections keyed", "## 练习\n\n### 练习 1\n\n题。\n\n```answer\n甲\n```\n\n### 练习 2\n\n题。\n\n```answer\n乙\n```\n", true, ""},
		{"no keys, not required", "## 练习\n\n1. 一\n2. 二\n", false, ""},
		{"a missing key", "## 练习\n\n1. 一\n\n" + key + "2. 二\n", true, "exercise 2"},
		{"the last key missing, keys not required but given", "## 练习\n\n1. 一\n\n" + key + "2. 二\n", false, "exercise 2"},
		{"no keys at all", "## 练习\n\n1. 一\n2. 二\n", true, "exercise 1"},
		{"two keys for one", "## 练习\n\n1. 一\n\n" + key + key + "2. 二\n\n" + key, true, "more than one"},
		{"a key before the exercises", "## 练习\n\n```answer\n甲\n```\n\n1. 一\n\n" + key, true, "before the first exercise"},
		{"a key outside 练习", "## 小结\n\n```answer\n甲\n```\n\n## 练习\n\n1. 一\n\n" + key, true, "outside ## 练习"},
		{"a subsection without its key", "## 练习\n\n### 练习 1\n\n```answer\n甲\n```\n\n### 练习 2\n\n题。\n", true, "exercise 2"},
		{"a subsection with two keys", "## 练习\n\n### 练习 1\n\n```answer\n甲\n```\n\n```answer\n乙\n```\n", true, "2 keys"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := renderError(t, demoPara+c.body, c.requireKeys)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("error %v, want one that says %q", err, c.wantErr)
			}
		})
	}
}

func TestBeforeRunNoteSitsOnItsPanel(t *testing.T) {
	doc := renderFixture(t, "前文。\n\n```before\n看 `done` 的**顺序**。\n```\n\n"+demoPara)
	html := string(doc.html)
	want := `<aside class="before-run"><p class="before-run-title">运行前先看</p>` + "\n" + `<p>看 <code>done</code> 的<strong>顺序</strong>。</p>` + "\n</aside>\n<!--demo:a-demo-->"
	if !strings.Contains(html, want) {
		t.Errorf("note not rendered right above the panel; want\n%s\nin\n%s", want, html)
	}
	prose, before := cutBefore([]byte(html[:strings.Index(html, "<!--demo:")]))
	if !strings.HasPrefix(string(before), `<aside class="before-run">`) || strings.Contains(string(prose), "before-run") {
		t.Errorf("cutBefore: prose %q, note %q", prose, before)
	}
	for _, c := range []struct{ name, body, wantErr string }{
		{"not followed by a panel", "```before\n看这里。\n```\n\n一段话。\n\n" + demoPara, "followed at once by a ::demo"},
		{"at the end", demoPara + "```before\n看这里。\n```\n", "followed at once by a ::demo"},
		{"four lines", "```before\n一\n二\n三\n四\n```\n\n" + demoPara, "one to three lines"},
		{"empty", "```before\n```\n\n" + demoPara, "one to three lines"},
	} {
		if err := renderError(t, c.body, false); err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one that says %q", c.name, err, c.wantErr)
		}
	}
}

// goodDiagram is a diagram as the contract has it.
const goodDiagram = `<figure class="diagram">
<svg role="img" aria-labelledby="fx-title" viewBox="0 0 200 100" xmlns="http://www.w3.org/2000/svg">
<title id="fx-title">一个框和一支箭头</title>
<rect class="d-fill d-line" x="10" y="10" width="80" height="40" rx="6"/>
<path class="d-accent" d="M90,30 L150,30" fill="none"/>
<text class="d-text" x="50" y="35" text-anchor="middle">任务&nbsp;A</text>
</svg>
<figcaption>说明文字。</figcaption>
</figure>
`

func TestDiagramsPassThroughOtherHTMLDoesNot(t *testing.T) {
	doc := renderFixture(t, demoPara+"前文。\n\n"+goodDiagram+"\n<div class=\"x\">别的 HTML</div>\n\n后文 <b>内联</b>。\n")
	html := string(doc.html)
	if !strings.Contains(html, strings.TrimSpace(goodDiagram)) {
		t.Errorf("the diagram did not pass through as written:\n%s", html)
	}
	if strings.Contains(html, "别的 HTML") || strings.Contains(html, "<b>") {
		t.Errorf("raw HTML other than a diagram reached the page:\n%s", html)
	}
	// Its ids count with the headings'.
	if err := renderError(t, "## fx-title\n\n"+goodDiagram+"\n"+demoPara, false); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Errorf("a diagram id equal to a heading id: error %v", err)
	}
	if err := renderError(t, goodDiagram+"\n"+goodDiagram+"\n"+demoPara, false); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Errorf("two diagrams with the same ids: error %v", err)
	}

	for _, c := range []struct{ name, from, to, wantErr string }{
		{"a style attribute", `<rect class`, `<rect style="fill:red" class`, "no inline style"},
		{"a style element", `<title id`, `<style>rect{}</style><title id`, "not allowed"},
		{"a script", `<title id`, `<script>1</script><title id`, "not allowed"},
		{"an event handler", `<rect class`, `<rect onclick="x()" class`, "no inline style or script"},
		{"a fixed width", `viewBox="0 0 200 100"`, `viewBox="0 0 200 100" width="200"`, "no width or height"},
		{"no viewBox", ` viewBox="0 0 200 100"`, ``, "viewBox"},
		{"no role", `role="img" `, ``, `role="img"`},
		{"a label that is not its title", `aria-labelledby="fx-title"`, `aria-labelledby="other"`, "not one of its <title>"},
		{"no caption", "<figcaption>说明文字。</figcaption>\n", "", "no <figcaption>"},
		{"an unclosed element", `<rect class="d-fill d-line" x="10" y="10" width="80" height="40" rx="6"/>`, `<rect class="d-fill d-line" x="10" y="10" width="80" height="40" rx="6">`, "not well-formed"},
		{"a blank line inside", "<figcaption>", "\n<figcaption>", "not well-formed"},
		{"a forged demo mark", "<figcaption>说明文字。</figcaption>", "<figcaption>说明文字。</figcaption><!--demo:a-demo-->", "demo marks"},
	} {
		bad := strings.Replace(goodDiagram, c.from, c.to, 1)
		if bad == goodDiagram {
			t.Fatalf("%s: the fixture did not change", c.name)
		}
		err := renderError(t, demoPara+bad+"\n", false)
		if c.name == "a forged demo mark" && err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one that says %q", c.name, err, c.wantErr)
		}
	}
}

func TestExplicitHeadingIDs(t *testing.T) {
	doc := renderFixture(t, demoPara+"## `@asyncio.coroutine` 装饰器 {#coroutine-decorator}\n\n文字。\n\n## 小结\n")
	if !strings.Contains(string(doc.html), `<h2 id="coroutine-decorator"><code>@asyncio.coroutine</code> 装饰器</h2>`) {
		t.Errorf("explicit id lost:\n%s", doc.html)
	}
	if doc.headings[0].ID != "coroutine-decorator" || doc.headings[0].Text != "@asyncio.coroutine 装饰器" || doc.headings[1].ID != "小结" {
		t.Errorf("headings = %+v", doc.headings)
	}
}

func TestSearchTextBySection(t *testing.T) {
	doc := renderFixture(t, "开头的话。\n\n## 事件循环\n\n第一段：事件\n循环在一个线程上转，用 `run_in_executor`\n把阻塞调用交出去。\n\n```go\ngo work()\n```\n\n"+
		"```before\n看时间线。\n```\n\n"+demoPara+"## 练习\n\n1. 预测。\n\n   ```answer\n   谜底是四十二。\n   ```\n")
	got := map[string]string{}
	for _, s := range doc.text {
		got[s.ID] = s.Heading + "|" + s.Text
	}
	if got[""] != "|开头的话。" {
		t.Errorf("intro = %q", got[""])
	}
	// A line break between two Chinese characters is no space.
	if s := got["事件循环"]; !strings.HasPrefix(s, "事件循环|第一段：事件循环在一个线程上转，用 run_in_executor 把阻塞调用交出去。") ||
		!strings.Contains(s, "go work()") || !strings.Contains(s, "看时间线。") {
		t.Errorf("section = %q", s)
	}
	if s := got["练习"]; strings.Contains(s, "四十二") || !strings.Contains(s, "预测。") {
		t.Errorf("exercises section = %q (answer keys must stay out of search)", s)
	}
	if strings.Contains(fmt.Sprint(doc.text), "::demo") {
		t.Error("a demo slot is in the search text")
	}
}

// ---- the real lessons hold to the contract ----

// lessonSources are the lesson.md files of the course by slug, with the
// demos of each.
func lessonSources(t *testing.T) map[string]unit {
	t.Helper()
	out := map[string]unit{}
	for _, u := range units() {
		src, err := fs.ReadFile(u.files, "lesson.md")
		if err != nil {
			t.Fatal(err)
		}
		doc, err := render(newMarkdown(), src, false)
		if err != nil {
			t.Fatalf("%s: %v", slugOf(src), err)
		}
		out[doc.meta.Slug] = u
	}
	return out
}

func TestEveryExerciseHasItsKey(t *testing.T) {
	for slug, u := range lessonSources(t) {
		src, _ := fs.ReadFile(u.files, "lesson.md")
		doc, err := render(newMarkdown(), src, true)
		if err != nil {
			t.Errorf("%s: %v", slug, err)
			continue
		}
		if !doc.meta.Appendix && doc.keys == 0 {
			t.Errorf("%s has no answer keys", slug)
		}
	}
}

func TestEveryDemoHasABeforeRunNote(t *testing.T) {
	c := loadCatalog(t)
	for _, l := range c.Lessons() {
		for _, s := range l.Sections {
			if s.Demo != nil && !strings.Contains(string(s.Before), "运行前先看") {
				t.Errorf("%s: demo %s has no 运行前先看 note", l.Slug, s.Demo.ID)
			}
		}
	}
}

func TestEveryDemoMarksItsCore(t *testing.T) {
	c := loadCatalog(t)
	for _, d := range c.Demos() {
		code := c.Code(d.ID)
		if !slices.Contains(code.CoreFiles, code.GoFile) {
			t.Errorf("demo %s: %s has no core lines (declare them in the lesson's Core)", d.ID, code.GoFile)
		}
	}
}

// The diagrams the second edition asks for are where it asks for them.
func TestRequiredDiagrams(t *testing.T) {
	c := loadCatalog(t)
	for _, slug := range []string{"event-loop", "callbacks", "semaphore", "blocking"} {
		l, ok := c.Lesson(slug)
		if !ok {
			t.Fatalf("no lesson %s", slug)
		}
		if !slices.ContainsFunc(l.Sections, func(s Section) bool { return strings.Contains(string(s.HTML), `<figure class="diagram">`) }) {
			t.Errorf("lesson %s has no diagram", slug)
		}
	}
}

// oldCodeIDs are the fixed anchors of the old-code page that the lessons
// link to.
var oldCodeIDs = []string{
	"coroutine-decorator", "yield-from", "asyncio-async", "ensure-future", "run-until-complete",
	"wait-coroutines", "with-yield-from-semaphore", "aiohttp-request", "session-per-request",
}

func TestOldCodeAppendix(t *testing.T) {
	c := loadCatalog(t)
	if got := c.Appendices(); len(got) != 1 || got[0].Slug != "old-code" || !got[0].Appendix || len(got[0].Demos) != 0 {
		t.Fatalf("appendices = %v", got)
	}
	a, _ := c.Lesson("old-code")
	if slices.Contains(c.Lessons(), a) {
		t.Error("the appendix is listed among the lessons")
	}
	var ids []string
	for _, h := range a.Headings {
		if h.Level == 2 {
			ids = append(ids, h.ID)
		}
	}
	if !slices.Equal(ids, oldCodeIDs) {
		t.Errorf("sections %v, want %v", ids, oldCodeIDs)
	}
	// Every link of every page to a lesson names a page that exists, and
	// a heading of it that exists.
	link := regexp.MustCompile(`href="/lessons/([a-z0-9-]+)(?:#([^"]*))?"`)
	for _, l := range append(c.Lessons(), c.Appendices()...) {
		for _, s := range l.Sections {
			for _, m := range link.FindAllStringSubmatch(string(s.HTML)+string(s.Before), -1) {
				target, ok := c.Lesson(m[1])
				if !ok {
					t.Errorf("%s links /lessons/%s, which does not exist", l.Slug, m[1])
					continue
				}
				if m[2] != "" && !slices.ContainsFunc(target.Headings, func(h Heading) bool { return h.ID == m[2] }) {
					t.Errorf("%s links /lessons/%s#%s, which has no such heading", l.Slug, m[1], m[2])
				}
			}
		}
	}
}
