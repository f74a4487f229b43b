// Package lessons is the course: every lesson's text, its demos, and the
// sources those demos run from, loaded and rendered once at start-up.
package lessons

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"runtime"
	"slices"
	"sync"

	"github.com/yuin/goldmark"

	"github.com/bingfa-manyou/walkthrough/lessons/blocking"
	"github.com/bingfa-manyou/walkthrough/lessons/callbacks"
	"github.com/bingfa-manyou/walkthrough/lessons/core"
	"github.com/bingfa-manyou/walkthrough/lessons/eventloop"
	"github.com/bingfa-manyou/walkthrough/lessons/flags"
	"github.com/bingfa-manyou/walkthrough/lessons/futures"
	"github.com/bingfa-manyou/walkthrough/lessons/httpclients"
	"github.com/bingfa-manyou/walkthrough/lessons/multireq"
	"github.com/bingfa-manyou/walkthrough/lessons/oldcode"
	"github.com/bingfa-manyou/walkthrough/lessons/rawconn"
	"github.com/bingfa-manyou/walkthrough/lessons/semaphore"
	"github.com/bingfa-manyou/walkthrough/lessons/spinner"
	"github.com/bingfa-manyou/walkthrough/lessons/structured"
	"github.com/bingfa-manyou/walkthrough/lessons/yieldfrom"
	"github.com/bingfa-manyou/walkthrough/runner"
)

// Lesson is one rendered lesson.
type Lesson struct {
	Slug     string
	Order    int
	Title    string
	Summary  string
	Demos    []*runner.Demo // in the order the text places them
	Sections []Section      // the page, top to bottom
	Headings []Heading
	// Text is the lesson's plain text by section, for search.
	Text []TextSection
	// Appendix marks a page read beside the lessons (the old code forms of
	// the notes): not numbered, no demos, listed after the lessons.
	Appendix bool
}

// Section is a run of prose or, where the text places one, a demo panel.
type Section struct {
	HTML template.HTML // set for prose
	Demo *runner.Demo  // set for a demo panel
	// Before is the panel's "运行前先看" note (an <aside class="before-run">),
	// shown right above it; empty when the text gives none.
	Before template.HTML
}

// Code is a demo's source as the page shows it.
type Code struct {
	GoFile     string
	GoHTML     template.HTML
	GoText     string
	PythonFile string
	PythonHTML template.HTML
	// PythonText is the asyncio program itself: the file the page shows
	// is the file that runs when a learner picks Python.
	PythonText []byte
	Also       []File // further Go files the demo uses
	// CoreFiles names the shown files that have core lines (declared in
	// the lesson's Core, see corelines.go).
	CoreFiles []string
}

// File is one highlighted source file.
type File struct {
	Name string
	HTML template.HTML
}

// Catalog is the whole course.
type Catalog struct {
	lessons    []*Lesson
	appendices []*Lesson
	bySlug     map[string]*Lesson
	code       map[string]Code
	files      map[string]fs.FS // demo id → its lesson's embedded files
	registry   *runner.Registry
}

// unit is one lesson folder: its embedded files, its demos and the core
// lines of their shown files.
type unit struct {
	files fs.FS
	demos []runner.Demo
	core  []core.Range
}

// units lists every lesson folder of the course. Order here does not matter:
// lessons are sorted by the order in their front matter.
func units() []unit {
	return []unit{
		{files: eventloop.Files, demos: eventloop.Demos(), core: eventloop.Core()},
		{files: futures.Files, demos: futures.Demos(), core: futures.Core()},
		{files: spinner.Files, demos: spinner.Demos(), core: spinner.Core()},
		{files: callbacks.Files, demos: callbacks.Demos(), core: callbacks.Core()},
		{files: blocking.Files, demos: blocking.Demos(), core: blocking.Core()},
		{files: flags.Files, demos: flags.Demos(), core: flags.Core()},
		{files: semaphore.Files, demos: semaphore.Demos(), core: semaphore.Core()},
		{files: rawconn.Files, demos: rawconn.Demos(), core: rawconn.Core()},
		{files: yieldfrom.Files, demos: yieldfrom.Demos(), core: yieldfrom.Core()},
		{files: multireq.Files, demos: multireq.Demos(), core: multireq.Core()},
		{files: httpclients.Files, demos: httpclients.Demos(), core: httpclients.Core()},
		{files: structured.Files, demos: structured.Demos(), core: structured.Core()},
		{files: oldcode.Files},
	}
}

// Load reads, checks and renders every lesson. The catalog is pure
// content: what a run needs from its surroundings (the flag site's URL) is
// handed to runner.Execute at run time, so one catalog serves every server,
// test and command in a process.
func Load() (*Catalog, error) {
	us := units()
	var all []runner.Demo
	for _, u := range us {
		all = append(all, u.demos...)
	}
	reg, err := runner.NewRegistry(all...)
	if err != nil {
		return nil, fmt.Errorf("lessons: %w", err)
	}
	c := &Catalog{bySlug: map[string]*Lesson{}, code: map[string]Code{}, registry: reg}
	md := newMarkdown()

	// Lessons render independently; highlighting dominates start-up, so
	// spread it over the cores.
	type loaded struct {
		lesson *Lesson
		code   map[string]Code
		err    error
	}
	results := make([]loaded, len(us))
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, u := range us {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			l, code, err := load(md, reg, u)
			results[i] = loaded{l, code, err}
		})
	}
	wg.Wait()
	c.files = map[string]fs.FS{}
	for i, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		l := r.lesson
		maps.Copy(c.code, r.code)
		for id := range r.code {
			c.files[id] = us[i].files
		}
		if _, dup := c.bySlug[l.Slug]; dup {
			return nil, fmt.Errorf("lessons: slug %q used twice", l.Slug)
		}
		c.bySlug[l.Slug] = l
		if l.Appendix {
			c.appendices = append(c.appendices, l)
		} else {
			c.lessons = append(c.lessons, l)
		}
	}
	slices.SortFunc(c.lessons, func(a, b *Lesson) int { return cmp.Compare(a.Order, b.Order) })
	return c, nil
}

// load renders one lesson folder and checks that its text, its front
// matter and its demos agree with each other.
func load(md goldmark.Markdown, reg *runner.Registry, u unit) (*Lesson, map[string]Code, error) {
	src, err := fs.ReadFile(u.files, "lesson.md")
	if err != nil {
		return nil, nil, fmt.Errorf("lessons: %w", err)
	}
	// Every exercise of every lesson has its answer key (checkExercises).
	doc, err := render(md, src, true)
	if err != nil {
		return nil, nil, fmt.Errorf("lessons: %s: %w", slugOf(src), err)
	}
	m := doc.meta
	where := "lesson " + m.Slug
	if m.Slug == "" || m.Title == "" || m.Summary == "" {
		return nil, nil, fmt.Errorf("lessons: a lesson.md lacks slug, title or summary (%q)", m.Slug)
	}
	if m.Appendix && (len(m.Demos) > 0 || len(u.demos) > 0 || doc.keys > 0) {
		return nil, nil, fmt.Errorf("lessons: %s is an appendix: it places no demos and has no exercises", where)
	}
	if !slices.Equal(m.Demos, doc.demos) {
		return nil, nil, fmt.Errorf("lessons: %s: front matter lists demos %v but the text places %v", where, m.Demos, doc.demos)
	}
	if len(u.demos) != len(m.Demos) {
		return nil, nil, fmt.Errorf("lessons: %s: the package defines %d demos, the text places %d", where, len(u.demos), len(m.Demos))
	}
	codes := map[string]Code{}
	l := &Lesson{
		Slug: m.Slug, Order: m.Order, Title: m.Title, Summary: m.Summary,
		Headings: doc.headings, Text: doc.text, Appendix: m.Appendix,
	}
	if err := checkCoreFiles(u); err != nil {
		return nil, nil, fmt.Errorf("lessons: %s: %w", where, err)
	}
	for _, id := range m.Demos {
		d, ok := reg.Lookup(id)
		if !ok || d.Lesson != m.Slug {
			return nil, nil, fmt.Errorf("lessons: %s places demo %q, which it does not define", where, id)
		}
		code, err := loadCode(u.files, d, u.core)
		if err != nil {
			return nil, nil, fmt.Errorf("lessons: %s: %w", where, err)
		}
		codes[d.ID] = code
		l.Demos = append(l.Demos, d)
	}

	// Cut the page at each demo mark: prose, panel, prose, ...
	html, from := doc.html, 0
	for _, loc := range demoMark.FindAllSubmatchIndex(html, -1) {
		prose, before := cutBefore(html[from:loc[0]])
		if len(bytes.TrimSpace(prose)) > 0 {
			l.Sections = append(l.Sections, Section{HTML: template.HTML(prose)})
		}
		d, _ := reg.Lookup(string(html[loc[2]:loc[3]]))
		l.Sections = append(l.Sections, Section{Demo: d, Before: template.HTML(before)})
		from = loc[1]
	}
	if rest := html[from:]; len(bytes.TrimSpace(rest)) > 0 {
		l.Sections = append(l.Sections, Section{HTML: template.HTML(rest)})
	}
	return l, codes, nil
}

// cutBefore takes the "运行前先看" note off the end of the prose before a
// panel, so that the page can attach it to the panel. render has made
// sure that a note is always followed at once by its panel.
func cutBefore(prose []byte) (rest, before []byte) {
	i := bytes.LastIndex(prose, []byte(beforeOpen))
	if i < 0 || !bytes.HasSuffix(bytes.TrimSpace(prose[i:]), []byte("</aside>")) {
		return prose, nil
	}
	return prose[:i], bytes.TrimSpace(prose[i:])
}

// checkCoreFiles refuses core lines declared for a file that no demo of
// the lesson shows: they would mark nothing.
func checkCoreFiles(u unit) error {
	shown := map[string]bool{}
	for _, d := range u.demos {
		shown[d.Source], shown[d.Python] = true, true
		for _, a := range d.Also {
			shown[a] = true
		}
	}
	for _, r := range u.core {
		if !shown[r.File] {
			return fmt.Errorf("core lines declared for %s, which no demo shows", r.File)
		}
	}
	return nil
}

// loadCode highlights the files a demo's panel shows, with the core lines
// ranges declares for them.
func loadCode(files fs.FS, d *runner.Demo, ranges []core.Range) (Code, error) {
	code := Code{GoFile: d.Source}
	show := func(name string) (template.HTML, []byte, error) {
		src, err := fs.ReadFile(files, name)
		if err != nil {
			return "", nil, fmt.Errorf("demo %s: %w", d.ID, err)
		}
		var mine []core.Range
		for _, r := range ranges {
			if r.File == name {
				mine = append(mine, r)
			}
		}
		html, hasCore, err := highlightSource(sourceLang(name), src, mine)
		if err != nil {
			return "", nil, fmt.Errorf("demo %s: %s: %w", d.ID, name, err)
		}
		if hasCore {
			code.CoreFiles = append(code.CoreFiles, name)
		}
		return html, src, nil
	}
	var goSrc []byte
	var err error
	if code.GoHTML, goSrc, err = show(d.Source); err != nil {
		return Code{}, err
	}
	code.GoText = string(goSrc)
	for _, name := range d.Also {
		html, _, err := show(name)
		if err != nil {
			return Code{}, err
		}
		code.Also = append(code.Also, File{Name: name, HTML: html})
	}
	if d.Python != "" {
		if code.PythonHTML, code.PythonText, err = show(d.Python); err != nil {
			return Code{}, err
		}
		code.PythonFile = d.Python
	}
	return code, nil
}

// slugOf finds the slug in a lesson.md that did not load, for the message.
func slugOf(src []byte) string {
	if m := slugLine.FindSubmatch(src); m != nil {
		return "lesson " + string(m[1])
	}
	return "a lesson"
}

var slugLine = regexp.MustCompile(`(?m)^slug:\s*(\S+)`)

// Lessons lists the lessons in course order.
func (c *Catalog) Lessons() []*Lesson { return slices.Clone(c.lessons) }

// Appendices lists the pages read beside the lessons, after them.
func (c *Catalog) Appendices() []*Lesson { return slices.Clone(c.appendices) }

// Lesson finds a lesson, or an appendix, by slug.
func (c *Catalog) Lesson(slug string) (*Lesson, bool) {
	l, ok := c.bySlug[slug]
	return l, ok
}

// Demos lists every demo in course order: by lesson, then as the text
// places them.
func (c *Catalog) Demos() []*runner.Demo {
	var all []*runner.Demo
	for _, l := range c.lessons {
		all = append(all, l.Demos...)
	}
	return all
}

// Registry is every demo of the course.
func (c *Catalog) Registry() *runner.Registry { return c.registry }

// Code is the source a demo's panel shows.
func (c *Catalog) Code(demoID string) Code { return c.code[demoID] }

// Files are the embedded files of a demo's lesson: its sources, for code
// that runs a learner's edit of them beside the rest.
func (c *Catalog) Files(demoID string) fs.FS { return c.files[demoID] }

// Neighbours returns the lessons before and after l, either may be nil.
func (c *Catalog) Neighbours(l *Lesson) (prev, next *Lesson) {
	i := slices.Index(c.lessons, l)
	if i > 0 {
		prev = c.lessons[i-1]
	}
	if i >= 0 && i+1 < len(c.lessons) {
		next = c.lessons[i+1]
	}
	return prev, next
}

// sourceLang maps a file to its highlighter.
func sourceLang(name string) string {
	switch path.Ext(name) {
	case ".go":
		return "go"
	case ".py":
		return "python"
	}
	return "text"
}
