package web

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/bingfa-manyou/walkthrough/lessons"
	"github.com/bingfa-manyou/walkthrough/static"
)

// The view models: plain values the templates print, built from the catalog
// by the handler, so that templates hold no logic beyond loops and ifs.

// The assets every page loads. theme.js is separate: a classic script that
// must run in <head> before the first paint. The page's other scripts are
// ES modules: pageScripts are the entries the page loads, and the modules
// they import are listed for the browser to fetch at once.
var (
	pageStyles  = []string{"course.css", "chroma.css", "timeline.css"}
	pageScripts = []string{"course.js"}
	// The editor is loaded on the first click of 编辑, never with the page:
	// its module is an entry of its own, named on the button, as search.js
	// is on the search form (editor.js links editor.css itself).
	editModule = "editor.js"
	// The scheduler view likewise, on the first tick of 调度视图
	// (schedview.js links schedview.css itself).
	schedModule = "schedview.js"
)

type assetURLs struct {
	Styles  []string
	Theme   string
	Scripts []string // entry modules
	// Modules are every module the entries import, directly or not, at the
	// very URLs their imports ask for: <link rel="modulepreload"> lets the
	// browser fetch them all at once instead of one level of imports at a
	// time.
	Modules []string
}

type navItem struct {
	Slug, Title, URL, Number string
	Current                  bool
}

type pageView struct {
	Title       string
	Description string
	Position    string // "第 1 课 / 共 11 课" on lesson pages
	Assets      assetURLs
	Nav         []navItem
	// Appendices are listed after the lessons, unnumbered.
	Appendices []navItem
	// SearchModule and SearchIndex are the URLs of the search's script and
	// index, both fetched the first time the box is used (searchbox.js).
	SearchModule, SearchIndex string
}

type indexView struct {
	Page       pageView
	Lessons    []lessonCard
	Appendices []lessonCard
}

type lessonCard struct {
	Slug, URL, Number, Title, Summary string
	DemoCount                         int
}

type lessonView struct {
	Page                         pageView
	Appendix                     bool // an appendix: no number, no demos, no progress
	Slug, Number, Title, Summary string
	Sections                     []sectionView
	Contents                     []headingView // the lesson's sections, for a contents list
	Prev, Next                   *navItem
}

type headingView struct {
	ID, Text string
}

type sectionView struct {
	HTML   string
	Demo   *demoView
	Before string // the demo's "运行前先看" note, right above its panel
}

type demoView struct {
	ID, Title              string
	GoFile, GoHTML         string
	PythonFile, PythonHTML string
	// Python says whether the Python program can run on this server; when
	// it cannot, PythonWhy says why and what to install, and PythonWhyParts
	// is the same with the install commands set apart as code.
	Python         bool
	PythonWhy      string
	PythonWhyParts []textPart
	// Editable says whether the learner may edit the Go source and run
	// the edit here; when not, EditWhy says why.
	Editable bool
	EditWhy  string
	// EditModule is the address of the editor's module, fetched on first
	// use.
	EditModule string
	// Traceable says whether a run can show the scheduler view (调度视图);
	// SchedModule is its module's address, fetched on the first tick.
	Traceable   bool
	SchedModule string
	Also        []fileView // further Go files, each on its own tab
	ShowsFlags  bool
	// Core says that some shown file marks its core lines, so the panel
	// offers to fold the rest away.
	Core   bool
	Params []paramView
	// Partners are the other demos of the same lesson: the natural second
	// configuration to compare this one with (sequential vs concurrent).
	Partners []partnerView
}

type partnerView struct{ ID, Title string }

// textPart is a run of text, or of code when Code is set.
type textPart struct {
	Text string
	Code bool
}

type fileView struct {
	Name, HTML, TabID, PaneID string
}

type paramView struct {
	Name, InputID, Kind, Default, Min, Max, Help, Limits, InputMode string
	// Label names the knob in words (the help's first clause); the
	// identifier, which the address and the code use, stands beside it.
	Label   string
	Choices []string

	// InputType is "number" for ints and floats (with Step), else "text".
	InputType, Step string
	// Hint says how to write the value, for the kinds that have units.
	Hint string
	// MaxItems is how many values a durations list may hold ("" = the
	// server's general bound), checked by the page as by the server.
	MaxItems string
	// Slider, when set, is a range control beside the field (knobs.go).
	Slider *sliderView
}

// site builds view models from the catalog.
type site struct {
	catalog                   *lessons.Catalog
	python                    func(demoID string) (bool, string) // nil: nowhere
	editable                  func(demoID string) (bool, string) // nil: nowhere
	assets                    assetURLs
	searchModule, searchIndex string
	editModule                string
	schedModule               string
}

func newSite(c *lessons.Catalog, a *static.Assets, python, editable func(string) (bool, string)) (*site, error) {
	var urls assetURLs
	var err error
	if urls.Theme, err = a.URL("theme.js"); err != nil {
		return nil, err
	}
	editJS, err := a.URL(editModule)
	if err != nil {
		return nil, err
	}
	schedJS, err := a.URL(schedModule)
	if err != nil {
		return nil, err
	}
	index, err := a.URL(searchIndexName)
	if err != nil {
		return nil, err
	}
	module, err := a.URL(searchModule)
	if err != nil {
		return nil, err
	}
	for _, name := range pageStyles {
		u, err := a.URL(name)
		if err != nil {
			return nil, err
		}
		urls.Styles = append(urls.Styles, u)
	}
	for _, name := range pageScripts {
		u, err := a.URL(name)
		if err != nil {
			return nil, err
		}
		urls.Scripts = append(urls.Scripts, u)
		imports, err := a.Imports(name)
		if err != nil {
			return nil, err
		}
		for _, m := range imports {
			if !slices.Contains(urls.Modules, m) {
				urls.Modules = append(urls.Modules, m)
			}
		}
	}
	return &site{
		catalog: c, python: python, editable: editable, assets: urls,
		searchModule: module, searchIndex: index, editModule: editJS, schedModule: schedJS,
	}, nil
}

func lessonURL(slug string) string { return "/lessons/" + slug }

func (s *site) pageView(title, description, current string) pageView {
	p := pageView{Title: title, Description: description, Assets: s.assets, SearchModule: s.searchModule, SearchIndex: s.searchIndex}
	all := s.catalog.Lessons()
	for _, l := range all {
		item := navItem{Slug: l.Slug, Title: l.Title, URL: lessonURL(l.Slug), Number: lessonNumber(l.Order), Current: l.Slug == current}
		if item.Current {
			p.Position = fmt.Sprintf("第 %s 课 · 共 %d 课", item.Number, len(all))
		}
		p.Nav = append(p.Nav, item)
	}
	for _, a := range s.catalog.Appendices() {
		item := navItem{Slug: a.Slug, Title: a.Title, URL: lessonURL(a.Slug), Current: a.Slug == current}
		if item.Current {
			p.Position = "附录"
		}
		p.Appendices = append(p.Appendices, item)
	}
	return p
}

func (s *site) indexView() indexView {
	v := indexView{Page: s.pageView("并发漫游 · 看得见的并发课程", "跟着 asyncio 笔记学并发，每一课都有在服务器上实时运行的 Go 演示。", "")}
	for _, l := range s.catalog.Lessons() {
		v.Lessons = append(v.Lessons, lessonCard{
			Slug: l.Slug, URL: lessonURL(l.Slug), Number: lessonNumber(l.Order),
			Title: l.Title, Summary: l.Summary, DemoCount: len(l.Demos),
		})
	}
	for _, a := range s.catalog.Appendices() {
		v.Appendices = append(v.Appendices, lessonCard{Slug: a.Slug, URL: lessonURL(a.Slug), Title: a.Title, Summary: a.Summary})
	}
	return v
}

func (s *site) lessonView(l *lessons.Lesson) lessonView {
	v := lessonView{
		Page:     s.pageView(l.Title+" · 并发漫游", l.Summary, l.Slug),
		Appendix: l.Appendix, Slug: l.Slug, Title: l.Title, Summary: l.Summary,
	}
	if !l.Appendix {
		v.Number = lessonNumber(l.Order)
	}
	for _, h := range l.Headings {
		if h.Level == 2 {
			v.Contents = append(v.Contents, headingView{ID: h.ID, Text: h.Text})
		}
	}
	for _, sec := range l.Sections {
		if sec.Demo == nil {
			v.Sections = append(v.Sections, sectionView{HTML: string(sec.HTML)})
			continue
		}
		d := sec.Demo
		code := s.catalog.Code(d.ID)
		dv := &demoView{
			ID: d.ID, Title: d.Title, ShowsFlags: d.ShowsFlags,
			GoFile: code.GoFile, GoHTML: string(code.GoHTML),
			PythonFile: code.PythonFile, PythonHTML: string(code.PythonHTML),
			Core: len(code.CoreFiles) > 0,
		}
		if dv.PythonFile != "" {
			why := noPythonHere
			if s.python != nil {
				dv.Python, why = s.python(d.ID)
			}
			if !dv.Python {
				dv.PythonWhy, dv.PythonWhyParts = why, markCommands(why)
			}
		}
		dv.EditWhy = noEditHere
		if s.editable != nil {
			dv.Editable, dv.EditWhy = s.editable(d.ID)
		}
		if dv.Editable {
			dv.EditWhy, dv.EditModule = "", s.editModule
		}
		// A traced run goes the way an edited one does (a sandboxed child).
		if dv.Traceable = dv.Editable; dv.Traceable {
			dv.SchedModule = s.schedModule
		}
		for i, f := range code.Also {
			dv.Also = append(dv.Also, fileView{
				Name: f.Name, HTML: string(f.HTML),
				TabID: fmt.Sprintf("%s-tab-also%d", d.ID, i), PaneID: fmt.Sprintf("%s-pane-also%d", d.ID, i),
			})
		}
		for _, p := range d.Params {
			dv.Params = append(dv.Params, newParamView(d.ID, p))
		}
		for _, other := range l.Demos {
			if other.ID != d.ID {
				dv.Partners = append(dv.Partners, partnerView{ID: other.ID, Title: other.Title})
			}
		}
		v.Sections = append(v.Sections, sectionView{Demo: dv, Before: string(sec.Before)})
	}
	prev, next := s.neighbours(l)
	if prev != nil {
		v.Prev = &navItem{Slug: prev.Slug, Title: prev.Title, URL: lessonURL(prev.Slug)}
	}
	if next != nil {
		v.Next = &navItem{Slug: next.Slug, Title: next.Title, URL: lessonURL(next.Slug)}
	}
	return v
}

// noPythonHere is the reason given when the server has no way to run Python
// programs at all (no handler config for it), as /api/demos says it.
const noPythonHere = "这台服务器不运行 Python 程序"

// noEditHere is the reason given when the server has no way to run edited
// code at all (no handler config for it).
const noEditHere = "这台服务器不运行修改后的代码"

// installCommand finds what a reason tells the reader to type.
var installCommand = regexp.MustCompile(`(?:apt-get|apt|pip3?) install [A-Za-z0-9][A-Za-z0-9 ._-]*[A-Za-z0-9]`)

// markCommands splits a reason into text and the install commands in it,
// so that the page can set the commands as code, ready to copy.
func markCommands(reason string) []textPart {
	var parts []textPart
	last := 0
	for _, m := range installCommand.FindAllStringIndex(reason, -1) {
		if m[0] > last {
			parts = append(parts, textPart{Text: reason[last:m[0]]})
		}
		parts = append(parts, textPart{Text: reason[m[0]:m[1]], Code: true})
		last = m[1]
	}
	if last < len(reason) {
		parts = append(parts, textPart{Text: reason[last:]})
	}
	return parts
}

// neighbours are the pages before and after l in reading order: the
// lessons, then the appendices.
func (s *site) neighbours(l *lessons.Lesson) (prev, next *lessons.Lesson) {
	order := append(s.catalog.Lessons(), s.catalog.Appendices()...)
	i := slices.Index(order, l)
	if i > 0 {
		prev = order[i-1]
	}
	if i >= 0 && i+1 < len(order) {
		next = order[i+1]
	}
	return prev, next
}
