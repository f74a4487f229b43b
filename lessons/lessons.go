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
	"runtime"
	"slices"
	"sync"

	"github.com/yuin/goldmark"

	"github.com/bingfa-manyou/walkthrough/lessons/blocking"
	"github.com/bingfa-manyou/walkthrough/lessons/callbacks"
	"github.com/bingfa-manyou/walkthrough/lessons/eventloop"
	"github.com/bingfa-manyou/walkthrough/lessons/flags"
	"github.com/bingfa-manyou/walkthrough/lessons/futures"
	"github.com/bingfa-manyou/walkthrough/lessons/httpclients"
	"github.com/bingfa-manyou/walkthrough/lessons/multireq"
	"github.com/bingfa-manyou/walkthrough/lessons/rawconn"
	"github.com/bingfa-manyou/walkthrough/lessons/semaphore"
	"github.com/bingfa-manyou/walkthrough/lessons/spinner"
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
}

// Section is a run of prose or, where the text places one, a demo panel.
type Section struct {
	HTML template.HTML // set for prose
	Demo *runner.Demo  // set for a demo panel
}

// Code is a demo's source as the page shows it.
type Code struct {
	GoFile     string
	GoHTML     template.HTML
	GoText     string
	PythonFile string
	PythonHTML template.HTML
	Also       []File // further Go files the demo uses
}

// File is one highlighted source file.
type File struct {
	Name string
	HTML template.HTML
}

// Catalog is the whole course.
type Catalog struct {
	lessons  []*Lesson
	bySlug   map[string]*Lesson
	code     map[string]Code
	registry *runner.Registry
}

// unit is one lesson folder: its embedded files and its demos.
type unit struct {
	files fs.FS
	demos []runner.Demo
}

// units lists every lesson folder of the course. Order here does not matter:
// lessons are sorted by the order in their front matter.
func units() []unit {
	return []unit{
		{files: eventloop.Files, demos: eventloop.Demos()},
		{files: futures.Files, demos: futures.Demos()},
		{files: spinner.Files, demos: spinner.Demos()},
		{files: callbacks.Files, demos: callbacks.Demos()},
		{files: blocking.Files, demos: blocking.Demos()},
		{files: flags.Files, demos: flags.Demos()},
		{files: semaphore.Files, demos: semaphore.Demos()},
		{files: rawconn.Files, demos: rawconn.Demos()},
		{files: yieldfrom.Files, demos: yieldfrom.Demos()},
		{files: multireq.Files, demos: multireq.Demos()},
		{files: httpclients.Files, demos: httpclients.Demos()},
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
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		l := r.lesson
		maps.Copy(c.code, r.code)
		if _, dup := c.bySlug[l.Slug]; dup {
			return nil, fmt.Errorf("lessons: slug %q used twice", l.Slug)
		}
		c.bySlug[l.Slug] = l
		c.lessons = append(c.lessons, l)
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
	doc, err := render(md, src)
	if err != nil {
		return nil, nil, fmt.Errorf("lessons: %w", err)
	}
	m := doc.meta
	where := "lesson " + m.Slug
	if m.Slug == "" || m.Title == "" || m.Summary == "" {
		return nil, nil, fmt.Errorf("lessons: a lesson.md lacks slug, title or summary (%q)", m.Slug)
	}
	if !slices.Equal(m.Demos, doc.demos) {
		return nil, nil, fmt.Errorf("lessons: %s: front matter lists demos %v but the text places %v", where, m.Demos, doc.demos)
	}
	if len(u.demos) != len(m.Demos) {
		return nil, nil, fmt.Errorf("lessons: %s: the package defines %d demos, the text places %d", where, len(u.demos), len(m.Demos))
	}
	codes := map[string]Code{}
	l := &Lesson{Slug: m.Slug, Order: m.Order, Title: m.Title, Summary: m.Summary, Headings: doc.headings}
	for _, id := range m.Demos {
		d, ok := reg.Lookup(id)
		if !ok || d.Lesson != m.Slug {
			return nil, nil, fmt.Errorf("lessons: %s places demo %q, which it does not define", where, id)
		}
		code, err := loadCode(u.files, d)
		if err != nil {
			return nil, nil, fmt.Errorf("lessons: %s: %w", where, err)
		}
		codes[d.ID] = code
		l.Demos = append(l.Demos, d)
	}

	// Cut the page at each demo mark: prose, panel, prose, ...
	html, from := doc.html, 0
	for _, loc := range demoMark.FindAllSubmatchIndex(html, -1) {
		if prose := html[from:loc[0]]; len(bytes.TrimSpace(prose)) > 0 {
			l.Sections = append(l.Sections, Section{HTML: template.HTML(prose)})
		}
		d, _ := reg.Lookup(string(html[loc[2]:loc[3]]))
		l.Sections = append(l.Sections, Section{Demo: d})
		from = loc[1]
	}
	if rest := html[from:]; len(bytes.TrimSpace(rest)) > 0 {
		l.Sections = append(l.Sections, Section{HTML: template.HTML(rest)})
	}
	return l, codes, nil
}

// loadCode highlights the files a demo's panel shows.
func loadCode(files fs.FS, d *runner.Demo) (Code, error) {
	goSrc, err := fs.ReadFile(files, d.Source)
	if err != nil {
		return Code{}, fmt.Errorf("demo %s: %w", d.ID, err)
	}
	code := Code{GoFile: d.Source, GoText: string(goSrc)}
	code.GoHTML = highlight(sourceLang(d.Source), goSrc, true)
	for _, name := range d.Also {
		src, err := fs.ReadFile(files, name)
		if err != nil {
			return Code{}, fmt.Errorf("demo %s: %w", d.ID, err)
		}
		code.Also = append(code.Also, File{Name: name, HTML: highlight(sourceLang(name), src, true)})
	}
	if d.Python != "" {
		pySrc, err := fs.ReadFile(files, d.Python)
		if err != nil {
			return Code{}, fmt.Errorf("demo %s: %w", d.ID, err)
		}
		code.PythonFile = d.Python
		code.PythonHTML = highlight(sourceLang(d.Python), pySrc, true)
	}
	return code, nil
}

// Lessons lists the lessons in course order.
func (c *Catalog) Lessons() []*Lesson { return slices.Clone(c.lessons) }

// Lesson finds a lesson by slug.
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
