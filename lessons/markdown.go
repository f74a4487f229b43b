package lessons

import (
	"bytes"
	"fmt"
	"regexp"
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
}

// Heading is a section of a lesson page, for its table of contents.
type Heading struct {
	ID    string
	Text  string
	Level int
}

// document is one lesson.md after rendering.
type document struct {
	meta     frontMatter
	html     []byte   // demo panels are marked with demoMark comments
	demos    []string // demo ids in the order the text places them
	headings []Heading
}

// A paragraph that is exactly "::demo some-id" places that demo's panel.
var demoLine = regexp.MustCompile(`^::demo\s+([a-z0-9-]+)$`)

// demoMark is what a demo slot renders to; lessons.go splits the page on it.
// Raw HTML in lessons is not rendered (goldmark's safe mode), so the text of
// a lesson can never forge one.
var demoMark = regexp.MustCompile(`<!--demo:([a-z0-9-]+)-->\n?`)

// newMarkdown builds the course's one goldmark instance: GFM, CJK line
// breaking, code blocks highlighted with chroma's CSS classes (so light and
// dark themes are pure CSS), front matter, heading ids, and demo slots.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.GFM,
			extension.CJK,
			&frontmatter.Extender{},
		),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(
			renderer.WithNodeRenderers(
				util.Prioritized(demoSlotRenderer{}, 100),
				util.Prioritized(codeBlockRenderer{}, 100),
			),
		),
	)
}

// render converts one lesson.md.
func render(md goldmark.Markdown, src []byte) (document, error) {
	ctx := parser.NewContext(parser.WithIDs(newHeadingIDs()))
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
	var slots []*ast.Paragraph
	err := ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Paragraph:
			if demoLine.Match(bytes.TrimSpace(n.Lines().Value(src))) {
				slots = append(slots, n)
			}
			return ast.WalkSkipChildren, nil
		case *ast.Heading:
			id, _ := n.AttributeString("id")
			idText, _ := id.([]byte)
			doc.headings = append(doc.headings, Heading{ID: string(idText), Text: plainText(n, src), Level: n.Level})
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return doc, err
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
	return doc, nil
}

// plainText is the text of a heading without its markup.
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
		var code bytes.Buffer
		lines := block.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			code.Write(seg.Value(src))
		}
		w.WriteString(string(highlight(string(block.Language(src)), code.Bytes(), false)))
		w.WriteByte('\n')
		return ast.WalkSkipChildren, nil
	})
}
