package lessons

import (
	"go/scanner"
	"go/token"
	"html"
	"html/template"
	"strconv"
	"strings"
)

// highlightGo renders Go source with the same markup and classes as chroma
// (so one stylesheet serves both), but tokenises with the standard
// library's go/scanner: exact for Go, and about a hundred times faster
// than chroma's regular expressions, which keeps start-up short.
func highlightGo(src []byte) template.HTML {
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	s.Init(file, src, nil, scanner.ScanComments)

	type piece struct{ class, text string }
	var pieces []piece
	last := 0
	prevIdent := -1 // index in pieces of the last identifier, to spot calls
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
		class := goClass(tok, text)
		if tok == token.LPAREN && prevIdent == len(pieces)-1 && prevIdent >= 0 && pieces[prevIdent].class == "nx" {
			pieces[prevIdent].class = "nf"
		}
		pieces = append(pieces, piece{class, text})
		if tok == token.IDENT {
			prevIdent = len(pieces) - 1
		}
		last = off + len(text)
	}
	if last < len(src) {
		pieces = append(pieces, piece{"", string(src[last:])})
	}

	// Split into lines, closing and reopening a token that spans several
	// (a raw string, a block comment).
	var b strings.Builder
	b.WriteString(`<pre class="chroma"><code>`)
	line := 1
	open := func() {
		b.WriteString(`<span class="line"><span class="ln">` + strconv.Itoa(line) + `</span><span class="cl">`)
	}
	atLineStart := true
	for _, p := range pieces {
		parts := strings.Split(p.text, "\n")
		for i, part := range parts {
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

// goClass maps a token to chroma's class names.
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
