package lessons

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.abhg.dev/goldmark/frontmatter"
)

// frontMatter is the YAML block at the top of every lesson.md.
type frontMatter struct {
	Slug    string   `yaml:"slug"`
	Order   int      `yaml:"order"`
	Title   string   `yaml:"title"`
	Summary string   `yaml:"summary"`
	Demos   []string `yaml:"demos"`
	// Appendix marks a page that is read beside the lessons, not one of
	// them: it is not numbered, runs no demos and has no exercises.
	Appendix bool `yaml:"appendix"`
}

// Heading is a section of a lesson page, for its table of contents.
type Heading struct {
	ID    string
	Text  string
	Level int
}

// TextSection is the plain text of a lesson from one heading to the next,
// for the course's search. ID and Heading are empty for the text before
// the first heading. Answer keys are left out: a search should not give
// away what the learner is asked to predict.
type TextSection struct {
	ID      string
	Heading string
	Text    string
}

// document is one lesson.md after rendering.
type document struct {
	meta     frontMatter
	html     []byte   // demo panels are marked with demoMark comments
	demos    []string // demo ids in the order the text places them
	headings []Heading
	text     []TextSection
	keys     int // answer keys
}

// A paragraph that is exactly "::demo some-id" places that demo's panel.
var demoLine = regexp.MustCompile(`^::demo\s+([a-z0-9-]+)$`)

// demoMark is what a demo slot renders to; lessons.go splits the page on it.
// Raw HTML in lessons is not rendered (goldmark's safe mode) except for
// diagrams, which are checked, so the text of a lesson cannot forge one;
// render counts the marks to make sure.
var demoMark = regexp.MustCompile(`<!--demo:([a-z0-9-]+)-->\n?`)

// The fenced blocks whose info string is one of these words are not code:
// their content is Markdown that the page shows in a frame of its own.
const (
	answerInfo = "answer" // an exercise's key, closed until the learner opens it
	beforeInfo = "before" // what to watch, right above a demo panel
)

// beforeOpen starts a "before you run" note as rendered.
const beforeOpen = `<aside class="before-run">`

// exercisesHeading starts the section of a lesson whose exercises need
// keys.
const exercisesHeading = "练习"

// newMarkdown builds the course's one goldmark instance: GFM, CJK line
// breaking, code blocks highlighted with chroma's CSS classes (so light and
// dark themes are pure CSS), front matter, heading ids (explicit ones with
// {#id}), demo slots, answer keys, "before you run" notes and diagrams.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.GFM,
			extension.CJK,
			&frontmatter.Extender{},
		),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(), parser.WithAttribute()),
		goldmark.WithRendererOptions(
			renderer.WithNodeRenderers(
				util.Prioritized(demoSlotRenderer{}, 100),
				util.Prioritized(codeBlockRenderer{}, 100),
				util.Prioritized(trustedHTMLRenderer{}, 100),
			),
		),
	)
}

// render converts one lesson.md. requireKeys says whether every exercise
// must have its key; without it only a lesson that has some keys must have
// them all.
func render(md goldmark.Markdown, src []byte, requireKeys bool) (document, error) {
	ids := newHeadingIDs()
	ctx := parser.NewContext(parser.WithIDs(ids))
	root := md.Parser().Parse(text.NewReader(src), parser.WithContext(ctx))

	var doc document
	fm := frontmatter.Get(ctx)
	if fm == nil {
		return doc, fmt.Errorf("no front matter")
	}
	if err := fm.Decode(&doc.meta); err != nil {
		return doc, fmt.Errorf("front matter: %w", err)
	}

	// Collect first, then change the tree: replacing nodes during the walk
	// would cut it short.
	var (
		slots    []*ast.Paragraph
		answers  []*ast.FencedCodeBlock
		befores  []*ast.FencedCodeBlock
		diagrams []*ast.HTMLBlock
	)
	err := ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Paragraph:
			if isDemoSlot(n, src) {
				slots = append(slots, n)
			}
			return ast.WalkSkipChildren, nil
		case *ast.Heading:
			id, _ := n.AttributeString("id")
			idText, _ := id.([]byte)
			doc.headings = append(doc.headings, Heading{ID: string(idText), Text: plainText(n, src), Level: n.Level})
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock:
			switch string(n.Language(src)) {
			case answerInfo:
				answers = append(answers, n)
			case beforeInfo:
				befores = append(befores, n)
			}
		case *ast.HTMLBlock:
			if diagramStart.Match(blockText(n, src)) {
				diagrams = append(diagrams, n)
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return doc, err
	}
	doc.keys = len(answers)
	if err := checkExercises(root, src, answers, requireKeys || len(answers) > 0); err != nil {
		return doc, err
	}
	for _, b := range befores {
		next, ok := b.NextSibling().(*ast.Paragraph)
		if !ok || !isDemoSlot(next, src) {
			return doc, fmt.Errorf("a ```before block must be followed at once by a ::demo paragraph (line %d)", lineOf(b, src))
		}
		if n := nonBlankLines(fencedText(b, src)); n < 1 || n > 3 {
			return doc, fmt.Errorf("a ```before block holds one to three lines, not %d (line %d)", n, lineOf(b, src))
		}
	}
	doc.text = searchText(root, src)

	// Now change the tree: keys and notes become their frames, diagrams
	// pass through, demo paragraphs become slots.
	inner := func(b *ast.FencedCodeBlock) ([]byte, error) {
		var buf bytes.Buffer
		sub := []byte(fencedText(b, src))
		subCtx := parser.NewContext(parser.WithIDs(ids))
		if err := md.Renderer().Render(&buf, sub, md.Parser().Parse(text.NewReader(sub), parser.WithContext(subCtx))); err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
		return buf.Bytes(), nil
	}
	for _, b := range answers {
		body, err := inner(b)
		if err != nil {
			return doc, err
		}
		html := "<details class=\"answer\"><summary>参考答案</summary>\n<div class=\"answer-body\">\n" + string(body) + "</div>\n</details>\n"
		b.Parent().ReplaceChild(b.Parent(), b, &trustedHTML{HTML: []byte(html)})
	}
	for _, b := range befores {
		body, err := inner(b)
		if err != nil {
			return doc, err
		}
		html := beforeOpen + "<p class=\"before-run-title\">运行前先看</p>\n" + string(body) + "</aside>\n"
		b.Parent().ReplaceChild(b.Parent(), b, &trustedHTML{HTML: []byte(html)})
	}
	for _, d := range diagrams {
		raw := blockText(d, src)
		figIDs, err := checkDiagram(raw)
		if err != nil {
			return doc, fmt.Errorf("diagram at line %d: %w", lineOf(d, src), err)
		}
		for _, id := range figIDs {
			if ids.used[id] {
				return doc, fmt.Errorf("diagram at line %d: id %q is used twice on the page", lineOf(d, src), id)
			}
			ids.used[id] = true
		}
		d.Parent().ReplaceChild(d.Parent(), d, &trustedHTML{HTML: raw})
	}
	for _, p := range slots {
		id := demoLine.FindSubmatch(bytes.TrimSpace(p.Lines().Value(src)))[1]
		doc.demos = append(doc.demos, string(id))
		p.Parent().ReplaceChild(p.Parent(), p, &demoSlot{ID: string(id)})
	}

	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, root); err != nil {
		return doc, fmt.Errorf("render: %w", err)
	}
	doc.html = buf.Bytes()
	if n := len(demoMark.FindAll(doc.html, -1)); n != len(doc.demos) {
		return doc, fmt.Errorf("the page has %d demo marks for %d demo paragraphs: raw HTML may not write one", n, len(doc.demos))
	}
	return doc, nil
}

func isDemoSlot(p *ast.Paragraph, src []byte) bool {
	return demoLine.Match(bytes.TrimSpace(p.Lines().Value(src)))
}

// fencedText is the content of a fenced block, its indentation (inside a
// list item) removed.
func fencedText(b *ast.FencedCodeBlock, src []byte) string {
	var s strings.Builder
	lines := b.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		s.Write(seg.Value(src))
	}
	return s.String()
}

// blockText is the raw text of an HTML block.
func blockText(b *ast.HTMLBlock, src []byte) []byte {
	var s bytes.Buffer
	lines := b.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		s.Write(seg.Value(src))
	}
	if b.HasClosure() {
		s.Write(b.ClosureLine.Value(src))
	}
	return s.Bytes()
}

func nonBlankLines(s string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n
}

// lineOf is the line of the source where a block starts, for messages.
func lineOf(n ast.Node, src []byte) int {
	lines := n.Lines()
	if lines == nil || lines.Len() == 0 {
		if fc := n.FirstChild(); fc != nil && fc.Type() == ast.TypeBlock {
			return lineOf(fc, src)
		}
		return 0
	}
	return bytes.Count(src[:lines.At(0).Start], []byte("\n")) + 1
}

// plainText is the text of a node without its markup.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
		case *ast.String:
			b.Write(c.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// ---- exercises and their keys ----

// checkExercises makes sure that every answer key sits under ## 练习 and,
// when keys are required, that each exercise there has exactly one: the
// exercises are the items of the section's numbered lists, each followed
// (inside the item or right after the list) by its key; or, in a lesson
// that gives each exercise a ### heading, the subsections.
func checkExercises(root ast.Node, src []byte, answers []*ast.FencedCodeBlock, requireKeys bool) error {
	inExercises := map[ast.Node]bool{} // top-level nodes under ## 练习
	var sections [][]ast.Node
	var current []ast.Node
	collecting := false
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && h.Level <= 2 {
			if collecting {
				sections = append(sections, current)
			}
			collecting = h.Level == 2 && strings.HasPrefix(strings.TrimSpace(plainText(h, src)), exercisesHeading)
			current = nil
			continue
		}
		if collecting {
			inExercises[n] = true
			current = append(current, n)
		}
	}
	if collecting {
		sections = append(sections, current)
	}
	for _, a := range answers {
		top := ast.Node(a)
		for top.Parent() != root {
			top = top.Parent()
		}
		if !inExercises[top] {
			return fmt.Errorf("an ```answer block outside ## %s (line %d)", exercisesHeading, lineOf(a, src))
		}
	}
	isAnswer := func(n ast.Node) bool {
		b, ok := n.(*ast.FencedCodeBlock)
		return ok && string(b.Language(src)) == answerInfo
	}
	keysIn := func(n ast.Node) int {
		count := 0
		_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
			if entering && isAnswer(c) {
				count++
			}
			return ast.WalkContinue, nil
		})
		return count
	}
	for _, sec := range sections {
		if err := checkSection(sec, src, keysIn, isAnswer, requireKeys); err != nil {
			return err
		}
	}
	return nil
}

func checkSection(sec []ast.Node, src []byte, keysIn func(ast.Node) int, isAnswer func(ast.Node) bool, requireKeys bool) error {
	if slices.ContainsFunc(sec, func(n ast.Node) bool { h, ok := n.(*ast.Heading); return ok && h.Level == 3 }) {
		// One exercise per ### subsection.
		exercise, keys := 0, 0
		var heading ast.Node
		done := func() error {
			switch {
			case heading == nil && keys > 0:
				return fmt.Errorf("an ```answer block before the first exercise (line %d)", lineOf(sec[0], src))
			case heading != nil && keys > 1:
				return fmt.Errorf("exercise %d (line %d) has %d keys, not one", exercise, lineOf(heading, src), keys)
			case heading != nil && keys == 0 && requireKeys:
				return fmt.Errorf("exercise %d (line %d) has no ```answer key", exercise, lineOf(heading, src))
			}
			return nil
		}
		for _, n := range sec {
			if h, ok := n.(*ast.Heading); ok && h.Level == 3 {
				if err := done(); err != nil {
					return err
				}
				exercise, keys, heading = exercise+1, 0, h
				continue
			}
			keys += keysIn(n)
		}
		return done()
	}

	// Exercises as numbered list items: the items and keys, in order,
	// must alternate, one key after each item.
	type event struct {
		key  bool
		node ast.Node
	}
	var events []event
	for _, n := range sec {
		switch {
		case isAnswer(n):
			events = append(events, event{true, n})
		default:
			list, ok := n.(*ast.List)
			if !ok || !list.IsOrdered() {
				if k := keysIn(n); k > 0 {
					return fmt.Errorf("an ```answer block (line %d) that follows no numbered exercise", lineOf(n, src))
				}
				continue
			}
			for item := list.FirstChild(); item != nil; item = item.NextSibling() {
				events = append(events, event{false, item})
				for range keysIn(item) {
					events = append(events, event{true, item})
				}
			}
		}
	}
	exercise := 0
	for i, e := range events {
		if !e.key {
			exercise++
			if requireKeys && (i+1 == len(events) || !events[i+1].key) {
				return fmt.Errorf("exercise %d (line %d) has no ```answer key", exercise, lineOf(e.node, src))
			}
			continue
		}
		if i == 0 || events[i-1].key {
			if exercise == 0 {
				return fmt.Errorf("an ```answer block before the first exercise (line %d)", lineOf(e.node, src))
			}
			return fmt.Errorf("exercise %d has more than one ```answer key (line %d)", exercise, lineOf(e.node, src))
		}
	}
	return nil
}

// ---- plain text for search ----

// searchText cuts the lesson into sections at its ## and ### headings and
// keeps each one's plain text: prose, lists, tables, code blocks and the
// "before you run" notes, but not the answer keys, demo slots or raw HTML.
func searchText(root ast.Node, src []byte) []TextSection {
	sections := []TextSection{{}}
	var w spacedText
	flush := func() {
		sections[len(sections)-1].Text = w.String()
		w = spacedText{}
	}
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && h.Level <= 3 {
			flush()
			id, _ := h.AttributeString("id")
			idText, _ := id.([]byte)
			sections = append(sections, TextSection{ID: string(idText), Heading: plainText(h, src)})
			continue
		}
		_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				if c.Type() == ast.TypeBlock {
					w.Break()
				}
				return ast.WalkContinue, nil
			}
			switch c := c.(type) {
			case *ast.Paragraph:
				if isDemoSlot(c, src) {
					return ast.WalkSkipChildren, nil
				}
			case *ast.FencedCodeBlock:
				if string(c.Language(src)) != answerInfo {
					w.Add(fencedText(c, src))
				}
				w.Break()
				return ast.WalkSkipChildren, nil
			case *ast.CodeBlock:
				w.Add(string(c.Lines().Value(src)))
				w.Break()
				return ast.WalkSkipChildren, nil
			case *ast.HTMLBlock, *ast.RawHTML:
				return ast.WalkSkipChildren, nil
			case *ast.Text:
				w.Add(string(c.Segment.Value(src)))
				if c.SoftLineBreak() || c.HardLineBreak() {
					w.Break()
				}
			case *ast.String:
				w.Add(string(c.Value))
			}
			return ast.WalkContinue, nil
		})
	}
	flush()
	if sections[0].Text == "" {
		sections = sections[1:]
	}
	return sections
}

// spacedText joins pieces of text the way a reader sees them: a line
// break between two Chinese characters is no space at all (that is how
// the CJK extension renders it), anywhere else it is one space; runs of
// white space become one space.
type spacedText struct{ b strings.Builder }

// Break ends a line or a block.
func (s *spacedText) Break() { s.b.WriteByte('\n') }

func (s *spacedText) Add(t string) { s.b.WriteString(t) }

func (s *spacedText) String() string {
	var out strings.Builder
	var prev rune
	const (
		none = iota
		lineBreak
		space
	)
	gap := none
	for _, r := range s.b.String() {
		switch {
		case r == '\n':
			gap = max(gap, lineBreak)
			continue
		case unicode.IsSpace(r):
			gap = space
			continue
		}
		if out.Len() > 0 && (gap == space || gap == lineBreak && !(wide(prev) && wide(r))) {
			out.WriteByte(' ')
		}
		gap = none
		out.WriteRune(r)
		prev = r
	}
	return out.String()
}

// wide reports a character written without spaces around it: Chinese and
// its punctuation.
func wide(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// ---- diagrams ----

// diagramStart recognises an HTML block that is a diagram; every other
// raw HTML block is left out of the page, as goldmark's safe mode does.
var diagramStart = regexp.MustCompile(`^\s*<figure\s[^>]*\bclass="[^"]*\bdiagram\b`)

// checkDiagram makes sure a diagram is the one kind of raw HTML a lesson
// may hold: one well-formed <figure class="diagram"> with an SVG that
// names itself (role="img", aria-labelledby a <title> inside it), scales
// (a viewBox, no fixed width), carries no style or script (the page's CSP
// would refuse them: colours come from the d-* classes of course.css),
// and a <figcaption>. Well-formed XML, because in HTML an unclosed SVG
// element swallows the ones after it and the picture silently breaks. It
// returns the ids the figure defines.
func checkDiagram(raw []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	var (
		ids, stack []string
		captions   int
		svgs       []svgCheck
		ended      bool
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed (a diagram may hold no blank line, and every element must be closed): %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if ended {
				return nil, fmt.Errorf("<%s> after the </figure>", name)
			}
			if len(stack) == 0 && (name != "figure" || !slices.Contains(strings.Fields(attr(t, "class")), "diagram")) {
				return nil, fmt.Errorf("starts with <%s>, not <figure class=\"diagram\">", name)
			}
			switch strings.ToLower(name) {
			case "script", "style", "foreignobject", "iframe", "object", "embed":
				return nil, fmt.Errorf("<%s> is not allowed in a diagram", name)
			case "figcaption":
				captions++
			case "svg":
				if attr(t, "role") != "img" || attr(t, "aria-labelledby") == "" {
					return nil, errors.New(`an <svg> needs role="img" and aria-labelledby naming its <title>`)
				}
				if attr(t, "viewBox") == "" || attr(t, "width") != "" || attr(t, "height") != "" {
					return nil, errors.New("an <svg> scales with its viewBox: give it one, and no width or height")
				}
				svgs = append(svgs, svgCheck{labels: strings.Fields(attr(t, "aria-labelledby"))})
			case "title":
				if id := attr(t, "id"); id != "" {
					for i := range svgs {
						svgs[i].titles = append(svgs[i].titles, id)
					}
				}
			}
			for _, a := range t.Attr {
				n := strings.ToLower(a.Name.Local)
				if n == "style" || strings.HasPrefix(n, "on") {
					return nil, fmt.Errorf("attribute %s on <%s>: no inline style or script (use the d-* classes)", a.Name.Local, name)
				}
				if n == "id" {
					if slices.Contains(ids, a.Value) {
						return nil, fmt.Errorf("id %q twice", a.Value)
					}
					ids = append(ids, a.Value)
				}
			}
			stack = append(stack, name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if t.Name.Local == "svg" {
				s := svgs[len(svgs)-1]
				for _, l := range s.labels {
					if !slices.Contains(s.titles, l) {
						return nil, fmt.Errorf("an <svg> is labelled by %q, which is not one of its <title> elements", l)
					}
				}
				svgs = svgs[:len(svgs)-1]
			}
			if len(stack) == 0 {
				ended = true
			}
		case xml.CharData:
			if ended && len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("text after the </figure>: %q", bytes.TrimSpace(t))
			}
		}
	}
	if !ended {
		return nil, errors.New("no </figure>")
	}
	if captions == 0 {
		return nil, errors.New("no <figcaption>")
	}
	return ids, nil
}

type svgCheck struct{ labels, titles []string }

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// ---- nodes and renderers ----

// kindDemoSlot is the node a "::demo id" paragraph becomes.
var kindDemoSlot = ast.NewNodeKind("DemoSlot")

type demoSlot struct {
	ast.BaseBlock
	ID string
}

func (n *demoSlot) Kind() ast.NodeKind { return kindDemoSlot }

func (n *demoSlot) Dump(src []byte, level int) {
	ast.DumpHelper(n, src, level, map[string]string{"ID": n.ID}, nil)
}

type demoSlotRenderer struct{}

func (demoSlotRenderer) RegisterFuncs(r renderer.NodeRendererFuncRegisterer) {
	r.Register(kindDemoSlot, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			fmt.Fprintf(w, "<!--demo:%s-->\n", n.(*demoSlot).ID)
		}
		return ast.WalkContinue, nil
	})
}

// kindTrustedHTML is HTML made or checked by render: an answer key or a
// "before you run" note rendered from its Markdown, or a checked diagram.
var kindTrustedHTML = ast.NewNodeKind("TrustedHTML")

type trustedHTML struct {
	ast.BaseBlock
	HTML []byte
}

func (n *trustedHTML) Kind() ast.NodeKind { return kindTrustedHTML }

func (n *trustedHTML) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }

type trustedHTMLRenderer struct{}

func (trustedHTMLRenderer) RegisterFuncs(r renderer.NodeRendererFuncRegisterer) {
	r.Register(kindTrustedHTML, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			w.Write(n.(*trustedHTML).HTML)
			if !bytes.HasSuffix(n.(*trustedHTML).HTML, []byte("\n")) {
				w.WriteByte('\n')
			}
		}
		return ast.WalkSkipChildren, nil
	})
}

// headingIDs makes ids from heading text, keeping Chinese characters (the
// default generator drops every non-ASCII letter, which would leave a
// Chinese page with ids "heading", "heading-1", ...).
type headingIDs struct{ used map[string]bool }

func newHeadingIDs() *headingIDs { return &headingIDs{used: map[string]bool{}} }

func (h *headingIDs) Generate(value []byte, kind ast.NodeKind) []byte {
	var b strings.Builder
	for _, r := range strings.TrimSpace(string(value)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == ' ' || r == '-' || r == '_':
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "section"
	}
	id := base
	for i := 1; h.used[id]; i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	h.used[id] = true
	return []byte(id)
}

func (h *headingIDs) Put(value []byte) { h.used[string(value)] = true }

// codeBlockRenderer highlights fenced code blocks with the course's own
// highlighters (see highlight.go), without line numbers.
type codeBlockRenderer struct{}

func (codeBlockRenderer) RegisterFuncs(r renderer.NodeRendererFuncRegisterer) {
	r.Register(ast.KindFencedCodeBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		block := n.(*ast.FencedCodeBlock)
		w.WriteString(string(highlight(string(block.Language(src)), []byte(fencedText(block, src)), false)))
		w.WriteByte('\n')
		return ast.WalkSkipChildren, nil
	})
}
