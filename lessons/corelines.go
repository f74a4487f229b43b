package lessons

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strings"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
)

// A demo's core lines are declared beside its demos (core.Range), never
// marked in the shown file: what the page shows is exactly the file that
// runs, without a comment that is there only for the page. This file turns
// a declaration into line numbers and refuses one that could mislead: a
// first or last statement found in two places, or a run that starts in one
// block and ends in another (the folded view would show an unbalanced
// fragment).

// lineSpan is a run of lines, 1-based and inclusive.
type lineSpan struct{ from, to int }

// markerComment is a comment line that marks core lines in the shown text
// itself, as the course once did: the catalog refuses a file with one.
var markerComment = regexp.MustCompile(`(?m)^\s*(?://|#)\s*核心(?:开始|结束)\s*$`)

// coreSpans resolves the ranges declared for one file.
func coreSpans(lang string, src []byte, ranges []core.Range) ([]lineSpan, error) {
	if loc := markerComment.FindIndex(src); loc != nil {
		return nil, fmt.Errorf("line %d marks core lines with a comment; declare them in the lesson's Core instead", 1+strings.Count(string(src[:loc[0]]), "\n"))
	}
	if len(ranges) == 0 {
		return nil, nil
	}
	var resolve func(core.Range) (lineSpan, error)
	switch lang {
	case "go":
		f, fset, err := parseGo(src)
		if err != nil {
			return nil, err
		}
		resolve = func(r core.Range) (lineSpan, error) { return goSpan(f, fset, src, r) }
	case "python":
		lines, phys := pythonLogicalLines(src), strings.Split(string(src), "\n")
		resolve = func(r core.Range) (lineSpan, error) { return pythonSpan(lines, phys, r) }
	default:
		return nil, fmt.Errorf("core lines declared in a %s file", lang)
	}
	var spans []lineSpan
	for _, r := range ranges {
		if r.Last == "" {
			r.Last = r.First
		}
		s, err := resolve(r)
		if err != nil {
			return nil, fmt.Errorf("core range in %s (first %q): %w", "func "+r.Func, r.First, err)
		}
		for _, o := range spans {
			if s.from <= o.to && o.from <= s.to {
				return nil, fmt.Errorf("core range in %s (first %q) overlaps another (lines %d–%d)", "func "+r.Func, r.First, o.from, o.to)
			}
		}
		spans = append(spans, s)
	}
	slices.SortFunc(spans, func(a, b lineSpan) int { return a.from - b.from })
	return spans, nil
}

func parseGo(src []byte) (*ast.File, *token.FileSet, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil, nil, fmt.Errorf("parse: %w", err)
	}
	return f, fset, nil
}

// goImportLines is the span of a Go file's import declarations, or a zero
// span when it has none.
func goImportLines(src []byte) lineSpan {
	f, fset, err := parseGo(src)
	if err != nil || len(f.Imports) == 0 {
		return lineSpan{}
	}
	var s lineSpan
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			if s.from == 0 {
				s.from = fset.Position(g.Pos()).Line
			}
			s.to = fset.Position(g.End()).Line
		}
	}
	return s
}

// element is a statement of a block (or of a case or select clause), a
// field of a struct, or an element of a composite literal: the things a
// run can begin or end with. list tells the lists apart.
type element struct {
	node ast.Node
	list int
}

func goSpan(f *ast.File, fset *token.FileSet, src []byte, r core.Range) (lineSpan, error) {
	// The scope: a function, a method, or a type declaration.
	var scope ast.Node
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if goFuncName(d) == r.Func && d.Body != nil {
				scope = d
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if t, ok := spec.(*ast.TypeSpec); ok && t.Name.Name == r.Func {
					scope = d
				}
			}
		}
	}
	if scope == nil {
		return lineSpan{}, errors.New("no such function or type in the file")
	}
	line := func(p token.Pos) int { return fset.Position(p).Line }
	if r.First == "" && r.Last == "" {
		from := line(scope.Pos())
		switch d := scope.(type) {
		case *ast.FuncDecl:
			if d.Doc != nil {
				from = line(d.Doc.Pos())
			}
		case *ast.GenDecl:
			if d.Doc != nil {
				from = line(d.Doc.Pos())
			}
		}
		return lineSpan{from, line(scope.End())}, nil
	}

	var elems []element
	lists := 0
	ast.Inspect(scope, func(n ast.Node) bool {
		var list []ast.Node
		switch n := n.(type) {
		case *ast.BlockStmt:
			for _, s := range n.List {
				list = append(list, s)
			}
		case *ast.CaseClause:
			for _, s := range n.Body {
				list = append(list, s)
			}
		case *ast.CommClause:
			for _, s := range n.Body {
				list = append(list, s)
			}
		case *ast.StructType:
			for _, s := range n.Fields.List {
				list = append(list, s)
			}
		case *ast.CompositeLit:
			for _, s := range n.Elts {
				list = append(list, s)
			}
		}
		lists++
		for _, s := range list {
			elems = append(elems, element{s, lists})
		}
		return true
	})
	// The text an element starts with: from its first token to the end of
	// that line.
	startText := func(n ast.Node) string {
		pos := n.Pos()
		if f, ok := n.(*ast.Field); ok && f.Doc != nil && len(f.Names) > 0 {
			pos = f.Names[0].Pos()
		}
		off := fset.Position(pos).Offset
		rest := string(src[off:])
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[:i]
		}
		return strings.TrimSpace(rest)
	}
	find := func(text string) (element, error) {
		var found []element
		for _, e := range elems {
			if strings.HasPrefix(startText(e.node), text) {
				found = append(found, e)
			}
		}
		switch len(found) {
		case 0:
			return element{}, fmt.Errorf("no statement of %s starts with %q", r.Func, text)
		case 1:
			return found[0], nil
		}
		var at []string
		for _, e := range found {
			at = append(at, fmt.Sprint(line(e.node.Pos())))
		}
		return element{}, fmt.Errorf("%q matches %d statements (lines %s); it must name one", text, len(found), strings.Join(at, ", "))
	}
	first, err := find(r.First)
	if err != nil {
		return lineSpan{}, err
	}
	last, err := find(r.Last)
	if err != nil {
		return lineSpan{}, err
	}
	if first.list != last.list {
		return lineSpan{}, fmt.Errorf("the run splits a block: its first statement (line %d) and its last (line %d) are not in the same block", line(first.node.Pos()), line(last.node.Pos()))
	}
	if last.node.Pos() < first.node.Pos() {
		return lineSpan{}, fmt.Errorf("the last statement (line %d) comes before the first (line %d)", line(last.node.Pos()), line(first.node.Pos()))
	}
	from := line(first.node.Pos())
	// The comment right above the first statement says why it is there:
	// it belongs to the run.
	for _, g := range f.Comments {
		start := fset.Position(g.Pos())
		ownLine := strings.TrimSpace(string(src[start.Offset-start.Column+1:start.Offset])) == ""
		if ownLine && line(g.End()) == from-1 && g.Pos() > scope.Pos() {
			from = line(g.Pos())
		}
	}
	return lineSpan{from, line(last.node.End())}, nil
}

// goFuncName is "name", or "Type.name" for a method.
func goFuncName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + d.Name.Name
	}
	return d.Name.Name
}

// ---- Python ----

// pyLine is one logical line of a Python file: a statement's own line,
// with the physical lines that continue it (open brackets, a string over
// several lines, a backslash).
type pyLine struct {
	from, to int    // physical lines, 1-based
	indent   int    // columns before the first token
	text     string // the first physical line, trimmed
}

// pythonLogicalLines cuts a Python file into logical lines, leaving out
// blank lines and comment-only lines.
func pythonLogicalLines(src []byte) []pyLine {
	phys := strings.Split(string(src), "\n")
	var out []pyLine
	depth, inString := 0, ""
	var cur *pyLine
	for i, l := range phys {
		n := i + 1
		if cur == nil {
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			out = append(out, pyLine{from: n, to: n, indent: len(l) - len(strings.TrimLeft(l, " \t")), text: t})
			cur = &out[len(out)-1]
		}
		cur.to = n
		continued := false
		for j := 0; j < len(l); j++ {
			c := l[j]
			if inString != "" {
				switch {
				case c == '\\':
					j++
				case strings.HasPrefix(l[j:], inString):
					j += len(inString) - 1
					inString = ""
				}
				continue
			}
			switch c {
			case '#':
				j = len(l)
			case '"', '\'':
				q := string(c)
				if strings.HasPrefix(l[j:], q+q+q) {
					q += q + q
				}
				inString = q
				j += len(q) - 1
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth--
			case '\\':
				if j == len(l)-1 {
					continued = true
				}
			}
		}
		// A one-quote string ends with its line, closed or not.
		if len(inString) == 1 {
			inString = ""
		}
		if depth <= 0 && inString == "" && !continued {
			depth, cur = 0, nil
		}
	}
	return out
}

// pyClause reports a line that continues the compound statement before
// it rather than starting one.
func pyClause(text string) bool {
	for _, kw := range []string{"elif", "else", "except", "finally"} {
		if rest, ok := strings.CutPrefix(text, kw); ok && (rest == "" || strings.ContainsAny(rest[:1], " :(")) {
			return true
		}
	}
	return false
}

var pyDef = regexp.MustCompile(`^(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)`)

func pythonSpan(lines []pyLine, phys []string, r core.Range) (lineSpan, error) {
	// The function: a def (inside its class for "Class.name").
	path := strings.Split(r.Func, ".")
	lo, hi := 0, len(lines) // the logical lines to look in
	def := -1
	for k, name := range path {
		def = -1
		for i := lo; i < hi; i++ {
			m := pyDef.FindStringSubmatch(lines[i].text)
			if m == nil || m[2] != name || (k < len(path)-1) != (m[1] == "class") {
				continue
			}
			if def >= 0 {
				return lineSpan{}, fmt.Errorf("%s is defined twice", name)
			}
			def = i
		}
		if def < 0 {
			return lineSpan{}, errors.New("no such function in the file")
		}
		lo, hi = def+1, pyBlockEnd(lines, def)
	}
	if r.First == "" && r.Last == "" {
		from := lines[def].from
		for from > 1 && def > 0 && lines[def-1].to == from-1 && strings.HasPrefix(lines[def-1].text, "@") {
			def--
			from = lines[def].from
		}
		return lineSpan{from, lines[hi-1].to}, nil
	}
	find := func(text string) (int, error) {
		var found []int
		for i := lo; i < hi; i++ {
			if strings.HasPrefix(lines[i].text, text) {
				found = append(found, i)
			}
		}
		switch len(found) {
		case 0:
			return 0, fmt.Errorf("no statement of the function starts with %q", text)
		case 1:
			if pyClause(text) {
				return 0, fmt.Errorf("%q continues a compound statement: a run cannot start or end there", text)
			}
			return found[0], nil
		}
		var at []string
		for _, i := range found {
			at = append(at, fmt.Sprint(lines[i].from))
		}
		return 0, fmt.Errorf("%q matches %d statements (lines %s); it must name one", text, len(found), strings.Join(at, ", "))
	}
	first, err := find(r.First)
	if err != nil {
		return lineSpan{}, err
	}
	last, err := find(r.Last)
	if err != nil {
		return lineSpan{}, err
	}
	if last < first {
		return lineSpan{}, fmt.Errorf("the last statement (line %d) comes before the first (line %d)", lines[last].from, lines[first].from)
	}
	for i := first; i <= last; i++ {
		if lines[i].indent < lines[first].indent || lines[last].indent != lines[first].indent {
			return lineSpan{}, fmt.Errorf("the run splits a block: its first statement (line %d) and its last (line %d) are not in the same block", lines[first].from, lines[last].from)
		}
	}
	return lineSpan{pyCommentAbove(lines, phys, first), lines[pyStmtEnd(lines, last, hi)-1].to}, nil
}

// pyBlockEnd is the index after the last logical line of the suite of the
// header at i.
func pyBlockEnd(lines []pyLine, i int) int {
	j := i + 1
	for j < len(lines) && lines[j].indent > lines[i].indent {
		j++
	}
	return j
}

// pyStmtEnd is the index after the last logical line of the statement at
// i: its suite and the clauses (elif, else, except, finally) that go on
// with it, within hi.
func pyStmtEnd(lines []pyLine, i, hi int) int {
	j := min(pyBlockEnd(lines, i), hi)
	for j < hi && lines[j].indent == lines[i].indent && pyClause(lines[j].text) {
		j = min(pyBlockEnd(lines, j), hi)
	}
	return j
}

// pyCommentAbove is the first physical line of the run that starts with
// the statement at i: the comment lines right above it belong to it.
func pyCommentAbove(lines []pyLine, phys []string, i int) int {
	from := lines[i].from
	floor := 0 // the previous statement's last line
	if i > 0 {
		floor = lines[i-1].to
	}
	for from-1 > floor && strings.HasPrefix(strings.TrimSpace(phys[from-2]), "#") {
		from--
	}
	return from
}

// pythonImportLines is the span of the import statements at the top of a
// Python file, or a zero span when it starts with none.
func pythonImportLines(src []byte) lineSpan {
	var s lineSpan
	for i, l := range pythonLogicalLines(src) {
		isImport := l.indent == 0 && (strings.HasPrefix(l.text, "import ") || strings.HasPrefix(l.text, "from "))
		switch {
		case isImport:
			if s.from == 0 {
				s.from = l.from
			}
			s.to = l.to
		case i == 0 && (strings.HasPrefix(l.text, `"""`) || strings.HasPrefix(l.text, `'''`)):
			// the module's docstring
		default:
			return s
		}
	}
	return s
}
