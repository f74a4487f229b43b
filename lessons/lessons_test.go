package lessons

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/yuin/goldmark/ast"
	"go.uber.org/goleak"
)

// Load renders lessons on several goroutines; none may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func loadCatalog(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEveryLessonLoadsInOrder(t *testing.T) {
	c := loadCatalog(t)
	ls := c.Lessons()
	if len(ls) == 0 {
		t.Fatal("no lessons")
	}
	for i, l := range ls {
		if i > 0 && ls[i-1].Order >= l.Order {
			t.Errorf("lesson %s (order %d) after %s (order %d)", l.Slug, l.Order, ls[i-1].Slug, ls[i-1].Order)
		}
		if l.Title == "" || l.Summary == "" || len(l.Sections) == 0 {
			t.Errorf("lesson %s is missing title, summary or text", l.Slug)
		}
		if got, ok := c.Lesson(l.Slug); !ok || got != l {
			t.Errorf("lesson %s not found by slug", l.Slug)
		}
		for _, want := range []string{"注意观察", "小结", "练习"} {
			if !hasHeading(l, want) {
				t.Errorf("lesson %s has no %s section", l.Slug, want)
			}
		}
	}
	if _, ok := c.Lesson("spinner"); !ok {
		t.Error("the spinner lesson is missing")
	}
}

func hasHeading(l *Lesson, text string) bool {
	for _, h := range l.Headings {
		if strings.Contains(h.Text, text) {
			return true
		}
	}
	return false
}

// Every demo a lesson names exists, belongs to that lesson, and has its
// panel placed in the text exactly once.
func TestLessonDemosExist(t *testing.T) {
	c := loadCatalog(t)
	placed := map[string]int{}
	for _, l := range c.Lessons() {
		for _, s := range l.Sections {
			if s.Demo == nil {
				continue
			}
			placed[s.Demo.ID]++
			d, ok := c.Registry().Lookup(s.Demo.ID)
			if !ok || d.Lesson != l.Slug {
				t.Errorf("lesson %s places demo %s, which is not its own", l.Slug, s.Demo.ID)
			}
		}
	}
	for _, d := range c.Registry().All() {
		if placed[d.ID] != 1 {
			t.Errorf("demo %s is placed %d times", d.ID, placed[d.ID])
		}
	}
}

// The file a panel shows is the file the demo's Run function is compiled
// from: the runtime knows where each function was defined.
func TestShownSourceIsCompiledSource(t *testing.T) {
	c := loadCatalog(t)
	for _, d := range c.Registry().All() {
		pc := reflect.ValueOf(d.Run).Pointer()
		fn := runtime.FuncForPC(pc)
		file, _ := fn.FileLine(fn.Entry())
		if filepath.Base(file) != d.Source {
			t.Errorf("demo %s shows %s but runs %s from %s", d.ID, d.Source, fn.Name(), file)
			continue
		}
		code := c.Code(d.ID)
		// The embedded text declares that very function.
		f, err := parser.ParseFile(token.NewFileSet(), d.Source, code.GoText, 0)
		if err != nil {
			t.Errorf("demo %s: shown source does not parse: %v", d.ID, err)
			continue
		}
		// A demo that needs something from outside (the flag server's URL)
		// runs a closure: check the function that encloses it.
		full := closure.ReplaceAllString(fn.Name(), "")
		name := full[strings.LastIndex(full, ".")+1:]
		if f.Scope.Lookup(name) == nil {
			t.Errorf("demo %s: shown %s does not declare %s", d.ID, d.Source, name)
		}
		if !strings.Contains(string(code.GoHTML), `class="chroma"`) {
			t.Errorf("demo %s: source is not highlighted", d.ID)
		}
		if d.Python != "" && code.PythonHTML == "" {
			t.Errorf("demo %s: Python file %s not rendered", d.ID, d.Python)
		}
	}
}

// closure matches the suffix the runtime gives a function literal.
var closure = regexp.MustCompile(`(\.func\d+)+(\.\d+)*$`)

func TestHeadingIDsKeepChinese(t *testing.T) {
	ids := newHeadingIDs()
	for _, tc := range []struct{ in, want string }{
		{"线程与协程", "线程与协程"},
		{"Go 的 goroutine", "go-的-goroutine"},
		{"小结", "小结"},
		{"小结", "小结-1"},
		{"!!!", "section"},
	} {
		if got := string(ids.Generate([]byte(tc.in), ast.KindHeading)); got != tc.want {
			t.Errorf("id of %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRenderPlacesDemosAndHighlightsCode(t *testing.T) {
	src := "---\nslug: x\norder: 1\ntitle: T\nsummary: S\ndemos: [a-demo]\n---\n\n## 第一节\n\n文字。\n\n::demo a-demo\n\n```python\nprint('hi')\n```\n\n<!--demo:forged-->\n"
	doc, err := render(newMarkdown(), []byte(src), true)
	if err != nil {
		t.Fatal(err)
	}
	if doc.meta.Slug != "x" || doc.meta.Title != "T" {
		t.Errorf("front matter = %+v", doc.meta)
	}
	if len(doc.demos) != 1 || doc.demos[0] != "a-demo" {
		t.Errorf("demos = %v", doc.demos)
	}
	html := string(doc.html)
	if got := demoMark.FindAllString(html, -1); len(got) != 1 {
		t.Errorf("demo marks = %q (raw HTML in a lesson must not forge one)", got)
	}
	if !strings.Contains(html, `id="第一节"`) {
		t.Errorf("heading id lost its Chinese: %s", html)
	}
	if !strings.Contains(html, `class="chroma"`) {
		t.Errorf("code block not highlighted with classes: %s", html)
	}
}
