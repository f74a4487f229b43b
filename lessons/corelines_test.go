package lessons

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/lessons/lessontest"
)

// lineClasses is "number:class" for every line of highlighted source.
func lineClasses(html string) []string {
	var got []string
	for _, m := range regexp.MustCompile(`<span class="(line[^"]*)"><span class="ln">(\d+)</span>`).FindAllStringSubmatch(html, -1) {
		got = append(got, m[2]+":"+m[1])
	}
	return got
}

const coreGoSrc = `package x

import (
	"fmt"
	"sync"
)

func f() {
	setUp()
	// 为什么要起一个 goroutine
	go work()
	done <- true
	report()
	for i := range 3 {
		fmt.Println(i)
	}
	var mu sync.Mutex
	report()
}

type T struct {
	a int
	b chan struct{} // 关闭即广播
}

func (t *T) m() {
	if x := 1; x > 0 {
		report()
	}
}
`

func TestCoreLinesFromDeclarations(t *testing.T) {
	ranges := []core.Range{
		{File: "x.go", Func: "f", First: "go work()", Last: "done <- true"},
		{File: "x.go", Func: "f", First: "for i := range 3", Last: "for i"},
		{File: "x.go", Func: "T", First: "b chan"}, // an empty Last is First
		{File: "x.go", Func: "T.m", First: "if x := 1", Last: "if x := 1"},
	}
	html, hasCore, err := highlightSource("go", []byte(coreGoSrc), ranges)
	if err != nil || !hasCore {
		t.Fatalf("core = %v, err = %v", hasCore, err)
	}
	if textOf(string(html)) != coreGoSrc {
		t.Errorf("text changed: %q", textOf(string(html)))
	}
	got := lineClasses(string(html))
	want := []string{"1:line", "2:line", "3:line import", "4:line import", "5:line import", "6:line import", "7:line",
		"8:line", "9:line", "10:line core", "11:line core", "12:line core", "13:line",
		"14:line core", "15:line core", "16:line core", "17:line", "18:line", "19:line", "20:line",
		"21:line", "22:line", "23:line core", "24:line", "25:line", "26:line", "27:line core", "28:line core", "29:line core", "30:line"}
	if !slices.Equal(got, want) {
		t.Errorf("lines = %v\nwant %v", got, want)
	}

	for _, c := range []struct {
		name    string
		r       core.Range
		wantErr string
	}{
		{"splits a block", core.Range{Func: "f", First: "done <- true", Last: "fmt.Println(i)"}, "splits a block"},
		{"ambiguous", core.Range{Func: "f", First: "report()", Last: "report()"}, "matches 2 statements"},
		{"one in this method", core.Range{Func: "T.m", First: "report()", Last: "report()"}, ""},
		{"not there", core.Range{Func: "f", First: "go play()", Last: "go play()"}, "no statement"},
		{"no function", core.Range{Func: "g", First: "go work()", Last: "go work()"}, "no such function"},
		{"backwards", core.Range{Func: "f", First: "done <- true", Last: "go work()"}, "comes before"},
		{"an if's init alone", core.Range{Func: "T.m", First: "x := 1", Last: "x := 1"}, "no statement"},
	} {
		_, _, err := highlightSource("go", []byte(coreGoSrc), []core.Range{c.r})
		if c.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one that says %q", c.name, err, c.wantErr)
		}
	}
	overlap := []core.Range{ranges[0], {Func: "f", First: "done <- true", Last: "for i"}}
	if _, _, err := highlightSource("go", []byte(coreGoSrc), overlap); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("overlapping ranges: error %v", err)
	}
}

const corePySrc = `"""演示。"""
import asyncio
from itertools import cycle

async def spin(label):
    for mark in cycle("|/-\\"):
        print(mark, label,
              end="")
        # 交出控制权
        await asyncio.sleep(0.1)
    else:
        pass


class Box:
    def put(self, x):
        try:
            self.x = x
        except ValueError:
            raise
        finally:
            done()
        return x
`

func TestCoreLinesFromDeclarationsInPython(t *testing.T) {
	ranges := []core.Range{
		{File: "x.py", Func: "spin", First: "print(mark", Last: "await asyncio.sleep"},
		{File: "x.py", Func: "Box.put", First: "try:", Last: "try:"},
	}
	html, hasCore, err := highlightSource("python", []byte(corePySrc), ranges)
	if err != nil || !hasCore {
		t.Fatalf("core = %v, err = %v", hasCore, err)
	}
	got := lineClasses(string(html))
	want := []string{"1:line", "2:line import", "3:line import", "4:line", "5:line", "6:line",
		"7:line core", "8:line core", "9:line core", "10:line core", "11:line", "12:line", "13:line", "14:line", "15:line",
		"16:line", "17:line core", "18:line core", "19:line core", "20:line core", "21:line core", "22:line core", "23:line"}
	if !slices.Equal(got, want) {
		t.Errorf("lines = %v\nwant %v", got, want)
	}
	for _, c := range []struct {
		name    string
		r       core.Range
		wantErr string
	}{
		{"splits a block", core.Range{Func: "spin", First: "print(mark", Last: "pass"}, "splits a block"},
		{"starts on a clause", core.Range{Func: "Box.put", First: "except ValueError", Last: "return x"}, "continues a compound statement"},
		{"a continuation line is no statement", core.Range{Func: "spin", First: `end="")`, Last: `end="")`}, "no statement"},
		{"not a method of that class", core.Range{Func: "Other.put", First: "try:", Last: "try:"}, "no such function"},
	} {
		_, _, err := highlightSource("python", []byte(corePySrc), []core.Range{c.r})
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one that says %q", c.name, err, c.wantErr)
		}
	}
}

// The shown files carry no marker: a file that still marks its core with a
// comment is refused, so that the comment cannot reach a page.
func TestAMarkerCommentIsRefused(t *testing.T) {
	for _, c := range []struct{ lang, src string }{
		{"go", "package x\n\nfunc f() {\n\t// 核心开始\n\twork()\n\t// 核心结束\n}\n"},
		{"python", "def f():\n    #核心开始\n    work()\n"},
	} {
		if _, _, err := highlightSource(c.lang, []byte(c.src), nil); err == nil || !strings.Contains(err.Error(), "Core") {
			t.Errorf("%s: a marker comment gives error %v", c.lang, err)
		}
	}
}

// No marker comment reaches a page: not the lesson text, not a panel's
// code in any of its views (highlighted, the editor's text, the Python
// program).
func TestNoMarkerReachesAPage(t *testing.T) {
	c := loadCatalog(t)
	markers := []string{"核心开始", "核心结束", "core-mark"}
	check := func(where, text string) {
		for _, m := range markers {
			if strings.Contains(text, m) {
				t.Errorf("%s holds %q", where, m)
			}
		}
	}
	for _, l := range append(c.Lessons(), c.Appendices()...) {
		for _, s := range l.Sections {
			check(l.Slug+" prose", string(s.HTML)+string(s.Before))
		}
	}
	for _, d := range c.Demos() {
		code := c.Code(d.ID)
		check(d.ID+" Go", string(code.GoHTML)+code.GoText)
		check(d.ID+" Python", string(code.PythonHTML)+string(code.PythonText))
		for _, f := range code.Also {
			check(d.ID+" "+f.Name, string(f.HTML))
		}
		if !strings.Contains(string(code.GoHTML), `class="line core"`) {
			t.Errorf("demo %s: no core line on its Go panel", d.ID)
		}
	}
}

// A key that quotes console lines with times quotes what a learner sees on
// the real clock, so it must say how far another run may be from them: the
// tolerance its test checks (lessontest.MustTolerance).
func TestTimedExcerptsStateATolerance(t *testing.T) {
	stamp := regexp.MustCompile(`\d+\.\d+s\b`)
	for _, u := range units() {
		keys, err := lessontest.AnswerKeys(u.files)
		if err != nil {
			t.Fatal(err)
		}
		for i, key := range keys {
			timed := slices.ContainsFunc(lessontest.Excerpts(key), stamp.MatchString)
			if timed && !(strings.Contains(key, "早不过") && strings.Contains(key, "晚不过")) {
				t.Errorf("%s: key %d quotes timed console lines without a tolerance (早不过 … 晚不过 …)", slugOf(mustRead(t, u.files)), i+1)
			}
		}
	}
}

func mustRead(t *testing.T, files fs.FS) []byte {
	t.Helper()
	src, err := fs.ReadFile(files, "lesson.md")
	if err != nil {
		t.Fatal(err)
	}
	return src
}
