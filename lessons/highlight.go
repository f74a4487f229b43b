package lessons

import (
	"go/scanner"
	"go/token"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bingfa-manyou/walkthrough/lessons/core"
)

// The course highlights its two languages itself, with the same markup and
// class names as chroma, so chroma's generated stylesheet styles them. Go is
// tokenised by the standard library's go/scanner (exact); Python by a small
// scanner below. Both are hundreds of times faster than chroma's regular
// expressions, which made start-up slow and left a clock goroutine behind.

// piece is a run of source text and its chroma class ("" for plain).
type piece struct{ class, text string }

// highlight renders code in lang ("go", "python"; anything else is shown
// plain), with line numbers when numbered.
func highlight(lang string, code []byte, numbered bool) template.HTML {
	return renderLines(pieces(lang, code), numbered, nil)
}

// highlightSource renders a demo's shown file: numbered, with the core
// lines that ranges declare marked (see corelines.go) and its imports
// marked for folding. hasCore reports whether the file has core lines.
func highlightSource(lang string, code []byte, ranges []core.Range) (html template.HTML, hasCore bool, err error) {
	spans, err := coreSpans(lang, code, ranges)
	if err != nil {
		return "", false, err
	}
	roles := make([]lineRole, strings.Count(string(code), "\n")+1)
	imports := lineSpan{}
	switch lang {
	case "go":
		imports = goImportLines(code)
	case "python":
		imports = pythonImportLines(code)
	}
	for l := imports.from; l > 0 && l <= imports.to; l++ {
		roles[l-1] = importLine
	}
	for _, s := range spans {
		for l := s.from; l <= s.to; l++ {
			roles[l-1] = coreLine
		}
	}
	return renderLines(pieces(lang, code), true, roles), len(spans) > 0, nil
}

func pieces(lang string, code []byte) []piece {
	switch lang {
	case "go":
		return goPieces(code)
	case "python", "py":
		return pythonPieces(string(code))
	}
	return []piece{{"", string(code)}}
}

// lineRole is what a line of a shown file is to the idea of its demo.
type lineRole uint8

const (
	plumbing   lineRole = iota // the rest: events, output, set-up
	coreLine                   // the lines that carry the idea
	importLine                 // an import, folded when the panel opens
)

// renderLines writes chroma's structure: one span.line per line, the line
// number in span.ln, the code in span.cl. A piece that spans several lines
// (a raw string, a docstring) is closed and reopened at each line break.
// roles, when given, adds "core" or "import" to the class of a line.
func renderLines(pieces []piece, numbered bool, roles []lineRole) template.HTML {
	var b strings.Builder
	b.WriteString(`<pre class="chroma"><code>`)
	line := 1
	open := func() {
		class := "line"
		if line-1 < len(roles) {
			switch roles[line-1] {
			case coreLine:
				class = "line core"
			case importLine:
				class = "line import"
			}
		}
		b.WriteString(`<span class="` + class + `">`)
		if numbered {
			b.WriteString(`<span class="ln">` + strconv.Itoa(line) + `</span>`)
		}
		b.WriteString(`<span class="cl">`)
	}
	atLineStart := true
	for _, p := range pieces {
		for i, part := range strings.Split(p.text, "\n") {
			if i > 0 {
				if atLineStart {
					open() // an empty line still gets its number
				}
				b.WriteString("\n</span></span>")
				line++
				atLineStart = true
			}
			if part == "" {
				continue
			}
			if atLineStart {
				open()
				atLineStart = false
			}
			if p.class == "" {
				b.WriteString(html.EscapeString(part))
			} else {
				b.WriteString(`<span class="` + p.class + `">` + html.EscapeString(part) + `</span>`)
			}
		}
	}
	if !atLineStart {
		b.WriteString("</span></span>")
	}
	b.WriteString("</code></pre>")
	return template.HTML(b.String())
}

// goPieces tokenises Go source with go/scanner.
func goPieces(src []byte) []piece {
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	s.Init(file, src, nil, scanner.ScanComments)

	var pieces []piece
	last := 0
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.SEMICOLON && lit == "\n" {
			continue // inserted by the scanner, not in the source
		}
		off := file.Offset(pos)
		if off > last {
			pieces = append(pieces, piece{"", string(src[last:off])})
		}
		text := lit
		if text == "" {
			text = tok.String()
		}
		// A name right before "(" is a function being declared or called.
		if tok == token.LPAREN && len(pieces) > 0 && pieces[len(pieces)-1].class == "nx" {
			pieces[len(pieces)-1].class = "nf"
		}
		pieces = append(pieces, piece{goClass(tok, text), text})
		last = off + len(text)
	}
	if last < len(src) {
		pieces = append(pieces, piece{"", string(src[last:])})
	}
	return pieces
}

// goClass maps a Go token to chroma's class names.
func goClass(tok token.Token, text string) string {
	switch {
	case tok == token.COMMENT:
		if strings.HasPrefix(text, "/*") {
			return "cm"
		}
		return "c1"
	case tok == token.STRING:
		return "s"
	case tok == token.CHAR:
		return "sc"
	case tok == token.INT:
		return "mi"
	case tok == token.FLOAT || tok == token.IMAG:
		return "mf"
	case tok == token.PACKAGE || tok == token.IMPORT:
		return "kn"
	case tok == token.FUNC || tok == token.VAR || tok == token.CONST || tok == token.TYPE:
		return "kd"
	case tok.IsKeyword():
		return "k"
	case tok == token.IDENT:
		switch text {
		case "bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int", "int8",
			"int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64",
			"uintptr", "any", "comparable":
			return "kt"
		case "true", "false", "nil", "iota":
			return "kc"
		case "append", "cap", "clear", "close", "complex", "copy", "delete", "imag", "len", "make",
			"max", "min", "new", "panic", "print", "println", "real", "recover":
			return "nb"
		}
		return "nx"
	case tok == token.LPAREN || tok == token.RPAREN || tok == token.LBRACK || tok == token.RBRACK ||
		tok == token.LBRACE || tok == token.RBRACE || tok == token.COMMA || tok == token.SEMICOLON ||
		tok == token.PERIOD || tok == token.COLON:
		return "p"
	case tok.IsOperator():
		return "o"
	}
	return ""
}

// pythonToken matches one Python token at the start of the input; the
// groups say which kind. Strings come first so that "#" or keywords inside
// them are not taken for what they are not.
var pythonToken = regexp.MustCompile(`^(?:` +
	`(?P<str>(?i:[rbuf]{0,2})(?:"""(?s:.*?)"""|'''(?s:.*?)'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'))` +
	`|(?P<comment>#[^\n]*)` +
	`|(?P<deco>@[A-Za-z_][\w.]*)` +
	`|(?P<num>0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?j?|\.\d+(?:[eE][+-]?\d+)?)` +
	`|(?P<name>[A-Za-z_]\w*)` +
	`|(?P<op>\*\*=?|//=?|->|:=|[-+*/%&|^<>=!]=?|[~@])` +
	`|(?P<punct>[()\[\]{},:;.])` +
	`|(?P<space>\s+)` +
	`)`)

// pythonKeyword reports a reserved word of Python.
func pythonKeyword(w string) bool {
	switch w {
	case "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
		"else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
		"match", "case", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield":
		return true
	}
	return false
}

// pythonBuiltin reports a built-in name the lessons' snippets use.
func pythonBuiltin(w string) bool {
	switch w {
	case "print", "len", "range", "list", "dict", "set", "tuple", "str", "int", "float", "bool", "type",
		"isinstance", "super", "open", "sorted", "enumerate", "zip", "map", "filter", "sum", "min", "max",
		"any", "all", "iter", "next", "repr", "abs", "round", "Exception", "ValueError", "TimeoutError",
		"KeyError", "RuntimeError", "StopIteration":
		return true
	}
	return false
}

// pythonPieces tokenises Python source well enough to colour it.
func pythonPieces(src string) []piece {
	names := pythonToken.SubexpNames()
	var pieces []piece
	prevWord := ""
	for len(src) > 0 {
		m := pythonToken.FindStringSubmatchIndex(src)
		if m == nil || m[1] == 0 {
			// Not a token we know (a stray character): pass it through.
			_, size := utf8.DecodeRuneInString(src)
			pieces = append(pieces, piece{"", src[:size]})
			src = src[size:]
			continue
		}
		kind := ""
		for g := 1; g < len(names); g++ {
			if m[2*g] >= 0 {
				kind = names[g]
				break
			}
		}
		text := src[:m[1]]
		class := ""
		switch kind {
		case "str":
			class = "s"
			if strings.HasPrefix(text, `"""`) || strings.HasPrefix(text, `'''`) {
				class = "sd"
			}
		case "comment":
			class = "c1"
		case "deco":
			class = "nd"
		case "num":
			class = "mi"
			if strings.ContainsAny(text, ".eE") && !strings.HasPrefix(text, "0x") {
				class = "mf"
			}
		case "name":
			switch {
			case prevWord == "def":
				class = "nf"
			case prevWord == "class":
				class = "nc"
			case text == "import" || text == "from":
				class = "kn"
			case text == "def" || text == "class":
				class = "kd"
			case text == "True" || text == "False" || text == "None":
				class = "kc"
			case pythonKeyword(text):
				class = "k"
			case pythonBuiltin(text):
				class = "nb"
			case text == "self":
				class = "bp"
			default:
				class = "n"
			}
		case "op":
			class = "o"
		case "punct":
			class = "p"
		}
		if kind != "space" {
			prevWord = ""
			if kind == "name" {
				prevWord = text
			}
		}
		pieces = append(pieces, piece{class, text})
		src = src[m[1]:]
	}
	return pieces
}
