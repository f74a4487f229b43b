package interp

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Lowering: yaegi v0.16.1 runs the Go of early 2024, and has bugs that
// concurrent programs meet at once. Before a program is interpreted, the
// forms yaegi lacks or gets wrong are rewritten into forms it runs, with
// the help of the type checker's answers:
//
//   - min and max: a call of the builtin becomes a call of a helper for
//     the call's type (or its value, when the call is constant);
//   - for i := range n over an integer: a three-clause loop;
//   - range over a function (an iterator): a loop over a pull-style next
//     function, run by a helper on a goroutine, with its stop deferred;
//   - package iter: iter.Seq[V] and iter.Seq2[K, V] become the function
//     types they stand for, iter.Pull and iter.Pull2 the pull helper;
//   - the generic functions of slices, maps and cmp: a helper written out
//     for the call's types (generic.go);
//   - loop variables captured by a closure get one variable per
//     iteration (Go 1.22's rule; yaegi shares one across iterations);
//   - a function literal handed straight to compiled code (wg.Go(func…))
//     passes through an interpreted identity function first: yaegi would
//     run it with its enclosing frame as it is when it is called;
//   - a method value of a compiled type (tr.CloseIdleConnections) becomes
//     a closure yaegi can hand on;
//   - return <-ch becomes a receive into a variable, then the return;
//   - select becomes a switch on the case a compiled select picked: yaegi
//     shares one list of cases between all goroutines running a select;
//   - the methods of a generic type move, callees first, to the end of the
//     file: yaegi cannot find a method declared after its caller.
//
// Every rewrite keeps each line on its line: edits replace text within a
// line, and where the text they replace spans lines, the line breaks are
// put back at a place where they cannot end a statement (after an opening
// parenthesis or brace). A moved method keeps its lines through a //line
// comment. So a message from the interpreter points at the learner's
// line. The helpers go in a file of their own, walkthrough_lowered.go,
// which the learner never sees. Forms inside generic code (whose types
// are type parameters) are left to the interpreter.

// loweredFile is the name of the file that holds the helpers.
const loweredFile = "walkthrough_lowered.go"

// edit replaces the bytes [from, to) of one file with text.
type edit struct {
	from, to int
	text     string
	// parts, when set, is the new text instead: strings, and spans of
	// the file ([2]int) written with the edits inside them (the select
	// rewrite moves a channel expression, with its own rewrites, up).
	parts []any
}

type lowerer struct {
	c     *checked
	src   map[string][]byte
	edits map[string][]edit
	h     *helpers
	n     int               // numbers the variables a rewrite introduces
	moves map[string][]span // declarations that go to the end of their file
}

// lower rewrites the checked program for yaegi: the files by name, the
// helper file among them when one is needed.
func (c *checked) lower(p *program) map[string]string {
	l := &lowerer{c: c, src: map[string][]byte{}, edits: map[string][]edit{},
		h: newHelpers(c.pkg), moves: map[string][]span{}}
	for name, text := range p.Files {
		l.src[name] = []byte(text)
	}
	for _, f := range c.files {
		l.file(f)
	}
	out := map[string]string{}
	for name, text := range p.Files {
		out[name] = applyMoving(text, l.edits[name], l.moves[name], name)
	}
	if h := l.h.file(); h != "" {
		out[loweredFile] = h
	}
	return out
}

func (l *lowerer) pos(p token.Pos) (string, int) {
	pos := l.c.fset.Position(p)
	return pos.Filename, pos.Offset
}

// replace records an edit of [from, to). pad puts back the line breaks of
// the replaced text at the end of the new text, which must end where a
// line break is harmless.
func (l *lowerer) replace(from, to token.Pos, text string, pad bool) {
	name, a := l.pos(from)
	_, b := l.pos(to)
	if pad {
		text += strings.Repeat("\n", strings.Count(string(l.src[name][a:b]), "\n"))
	}
	l.edits[name] = append(l.edits[name], edit{from: a, to: b, text: text})
}

func (l *lowerer) text(n ast.Node) string {
	name, a := l.pos(n.Pos())
	_, b := l.pos(n.End())
	return string(l.src[name][a:b])
}

func (l *lowerer) fresh(prefix string) string {
	l.n++
	return fmt.Sprintf("__wt%s%d", prefix, l.n)
}

// applyMoving applies the edits and moves each span, with the edits
// inside it, to the end of the text, behind a //line comment that gives
// it back its lines; the span's old place keeps its line breaks.
func applyMoving(text string, edits []edit, moves []span, name string) string {
	if len(moves) == 0 {
		return apply(text, edits)
	}
	var tail strings.Builder
	for _, m := range moves {
		var inside []edit
		edits = slices.DeleteFunc(edits, func(e edit) bool {
			if e.from >= m.from && e.to <= m.to {
				moved := edit{from: e.from - m.from, to: e.to - m.from, text: e.text}
				for _, p := range e.parts {
					if sp, ok := p.([2]int); ok {
						p = [2]int{sp[0] - m.from, sp[1] - m.from}
					}
					moved.parts = append(moved.parts, p)
				}
				inside = append(inside, moved)
				return true
			}
			return false
		})
		fmt.Fprintf(&tail, "\n//line %s:%d:%d\n%s\n", name, m.line, m.col, apply(text[m.from:m.to], inside))
		edits = append(edits, edit{from: m.from, to: m.to, text: strings.Repeat("\n", strings.Count(text[m.from:m.to], "\n"))})
	}
	return apply(text, edits) + tail.String()
}

// apply makes the edits, outermost first: an edit inside one already made
// (a min inside a constant min) is dropped with it.
func apply(text string, edits []edit) string {
	slices.SortStableFunc(edits, func(a, b edit) int {
		if c := cmp.Compare(a.from, b.from); c != 0 {
			return c
		}
		if za, zb := a.from == a.to, b.from == b.to; za != zb {
			if za {
				return -1 // an insertion before the replacement that starts there
			}
			return 1
		}
		return cmp.Compare(b.to, a.to)
	})
	return applyRange(text, edits, 0, len(text))
}

// applyRange writes text[a:b] with the edits (sorted) that lie inside it.
func applyRange(text string, edits []edit, a, b int) string {
	var sb strings.Builder
	at := a
	for _, e := range edits {
		if e.from < at || e.to > b {
			continue // outside, or inside an edit already made
		}
		sb.WriteString(text[at:e.from])
		if e.parts == nil {
			sb.WriteString(e.text)
		}
		for _, p := range e.parts {
			switch p := p.(type) {
			case string:
				sb.WriteString(p)
			case [2]int:
				sb.WriteString(applyRange(text, edits, p[0], p[1]))
			}
		}
		at = e.to
	}
	sb.WriteString(text[at:b])
	return sb.String()
}

func (l *lowerer) file(f *ast.File) {
	labels := map[ast.Stmt]*ast.LabeledStmt{}
	called := map[ast.Expr]bool{}
	l.genericMethods(f)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if !called[n] {
				l.methodValue(n)
			}
		case *ast.ReturnStmt:
			l.returnRecv(n)
		case *ast.LabeledStmt:
			labels[n.Stmt] = n
		case *ast.CallExpr:
			called[ast.Unparen(n.Fun)] = true
			l.call(f, n)
			for _, arg := range n.Args {
				l.keep(arg)
			}
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					e = kv.Value
				}
				l.keep(e)
			}
		case *ast.IndexExpr:
			l.seqType(n.X, n.Lbrack, n.Rbrack)
		case *ast.IndexListExpr:
			l.seqType(n.X, n.Lbrack, n.Rbrack)
		case *ast.RangeStmt:
			l.rangeStmt(n, labels[n])
		case *ast.ForStmt:
			l.forStmt(n)
		case *ast.SelectStmt:
			l.selectStmt(n)
		}
		return true
	})
}

// iterObject says whether id names the object name of package iter.
func (l *lowerer) iterObject(e ast.Expr, names ...string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	obj := l.c.info.Uses[sel.Sel]
	return obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == "iter" && slices.Contains(names, obj.Name())
}

// seqType rewrites iter.Seq[V] into func(yield func(V) bool), and
// iter.Seq2[K, V] into func(yield func(K, V) bool), leaving the type
// arguments' own text (and their own rewrites) in place.
func (l *lowerer) seqType(x ast.Expr, lbrack, rbrack token.Pos) {
	if !l.iterObject(x, "Seq", "Seq2") {
		return
	}
	l.replace(x.Pos(), lbrack+1, "func(yield func(", true)
	l.replace(rbrack, rbrack+1, ") bool)", false)
}

func (l *lowerer) call(f *ast.File, call *ast.CallExpr) {
	fun := ast.Unparen(call.Fun)
	if ix, ok := fun.(*ast.IndexExpr); ok { // iter.Pull[int](seq)
		fun = ix.X
	}
	if id, ok := fun.(*ast.Ident); ok {
		if b, ok := l.c.info.Uses[id].(*types.Builtin); ok && (b.Name() == "min" || b.Name() == "max") {
			l.minMax(f, call, b.Name())
		}
		return
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	fn, ok := l.c.info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil {
		return
	}
	inst := l.c.info.Instances[sel.Sel]
	var targs []types.Type
	if inst.TypeArgs != nil {
		for i := range inst.TypeArgs.Len() {
			targs = append(targs, inst.TypeArgs.At(i))
		}
	}
	if !concrete(targs...) {
		return
	}
	pkg := fn.Pkg().Path()
	switch {
	case pkg == "iter" && (fn.Name() == "Pull" || fn.Name() == "Pull2"):
		l.replace(call.Fun.Pos(), call.Fun.End(), l.h.pull(targs), false)
	case genericFuncs[pkg][fn.Name()] != "" && len(targs) > 0:
		l.replace(call.Fun.Pos(), call.Fun.End(), l.h.generic(pkg, fn.Name(), targs), false)
	}
}

// keep routes a function literal handed straight to a call or a composite
// literal through an interpreted identity function. yaegi gives a literal
// passed straight to a compiled function (wg.Go, a struct field of a
// compiled type) the enclosing frame as it is when the function is
// called, not as it was when the literal was made; a literal that has
// passed through an interpreted call keeps its own.
func (l *lowerer) keep(e ast.Expr) {
	lit, ok := ast.Unparen(e).(*ast.FuncLit)
	if !ok {
		return
	}
	t := l.c.info.Types[lit].Type
	if !concrete(t) {
		return
	}
	name := l.h.keep(t)
	l.replace(lit.Pos(), lit.Pos(), name+"(", false)
	l.replace(lit.End(), lit.End(), ")", false)
}

// minMax rewrites a call of the builtin min or max: a constant call into
// its value, any other into a call of a helper of the call's type.
func (l *lowerer) minMax(f *ast.File, call *ast.CallExpr, which string) {
	tv := l.c.info.Types[call]
	if !concrete(tv.Type) {
		return
	}
	if tv.Value != nil {
		if lit, ok := l.literal(f, tv); ok {
			l.replace(call.Pos(), call.End(), "("+strings.Repeat("\n", strings.Count(l.text(call), "\n"))+lit+")", false)
			return
		}
	}
	l.replace(call.Fun.Pos(), call.Fun.End(), l.h.minMax(which, tv.Type), false)
}

// literal writes a constant as Go source in file f: 3, 2.5, "a", or
// time.Duration(5) for a typed one.
func (l *lowerer) literal(f *ast.File, tv types.TypeAndValue) (string, bool) {
	var lit string
	switch v := tv.Value; v.Kind() {
	case constant.Int:
		lit = v.ExactString()
	case constant.Float:
		x, _ := constant.Float64Val(v)
		lit = strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(lit, ".eE") {
			lit += ".0"
		}
	case constant.String:
		lit = strconv.Quote(constant.StringVal(v))
	default:
		return "", false
	}
	if b, ok := tv.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		return lit, true
	}
	ok := true
	name := types.TypeString(tv.Type, func(p *types.Package) string {
		if p == l.c.pkg {
			return ""
		}
		for _, spec := range f.Imports {
			if pn, _ := l.c.info.Defs[spec.Name].(*types.PkgName); pn != nil && pn.Imported() == p {
				return pn.Name()
			}
			if path, _ := strconv.Unquote(spec.Path.Value); path == p.Path() && spec.Name == nil {
				return p.Name()
			}
		}
		ok = false
		return ""
	})
	return name + "(" + lit + ")", ok
}

func (l *lowerer) rangeStmt(rs *ast.RangeStmt, label *ast.LabeledStmt) {
	tv := l.c.info.Types[rs.X]
	if tv.Type == nil {
		return
	}
	switch under := tv.Type.Underlying().(type) {
	case *types.Basic:
		if under.Info()&types.IsInteger != 0 && concrete(tv.Type) {
			l.rangeInt(rs, types.Default(tv.Type))
			return
		}
	case *types.Signature:
		if concrete(under) {
			l.rangeFunc(rs, under, label)
		}
		return
	}
	if rs.Tok != token.DEFINE {
		return
	}
	// A range over a slice, map, string or channel: a captured variable
	// gets a fresh name in the range clause and is declared, as the
	// learner named it, at the top of the body.
	var names, fresh []string
	for _, v := range []ast.Expr{rs.Key, rs.Value} {
		id, ok := v.(*ast.Ident)
		if !ok || id.Name == "_" || !l.captured(rs.Body, id) {
			continue
		}
		f := l.fresh("Loop")
		l.replace(id.Pos(), id.End(), f, false)
		names, fresh = append(names, id.Name), append(fresh, f)
	}
	l.declare(rs.Body, names, fresh)
}

// declare inserts `a, b := x, y;` at the top of body.
func (l *lowerer) declare(body *ast.BlockStmt, names, values []string) {
	if len(names) == 0 {
		return
	}
	l.replace(body.Lbrace+1, body.Lbrace+1,
		" "+strings.Join(names, ", ")+" := "+strings.Join(values, ", ")+";", false)
}

// rangeInt: for i := range n { … } → for j, end := count(n); j < end; j++ { i := j; … }
// The learner's i is declared in the body, so each iteration has its own.
func (l *lowerer) rangeInt(rs *ast.RangeStmt, t types.Type) {
	end, i := l.fresh("End"), l.fresh("I")
	count := l.h.count(t)
	body := ""
	if rs.Key != nil && !isBlank(rs.Key) {
		switch {
		case rs.Tok == token.ASSIGN:
			body = " " + l.text(rs.Key) + " = " + i + ";"
		case l.used(rs.Body, rs.Key.(*ast.Ident)):
			body = " " + l.text(rs.Key) + " := " + i + ";"
		}
	}
	l.replace(rs.For, rs.X.Pos(), "for "+i+", "+end+" := "+count+"(", true)
	l.replace(rs.X.End(), rs.Body.Lbrace+1, "); "+i+" < "+end+"; "+i+"++ {"+body, true)
}

// used says whether body uses the variable v declares.
func (l *lowerer) used(body *ast.BlockStmt, v *ast.Ident) bool {
	obj := l.c.info.Defs[v]
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && obj != nil && l.c.info.Uses[id] == obj {
			found = true
		}
		return !found
	})
	return found
}

// rangeFunc: for k, v := range seq { … } →
//
//	if next, stop := pull(seq); true { defer stop(); for { k, v, ok := next(); if !ok { break }; … }; stop() }
//
// break, continue and return in the body keep their meaning, because the
// body is still the body of a for statement in the same function.
func (l *lowerer) rangeFunc(rs *ast.RangeStmt, seq *types.Signature, label *ast.LabeledStmt) {
	yield := seq.Params().At(0).Type().Underlying().(*types.Signature)
	var elems []types.Type
	for i := range yield.Params().Len() {
		elems = append(elems, yield.Params().At(i).Type())
	}
	next, stop, ok := l.fresh("Next"), l.fresh("Stop"), l.fresh("Ok")
	vars := []ast.Expr{rs.Key, rs.Value}[:len(elems)]
	lhs := make([]string, len(elems))
	var assignTo, assignFrom []string
	for i, v := range vars {
		switch {
		case v == nil || isBlank(v):
			lhs[i] = "_"
		case rs.Tok == token.DEFINE:
			lhs[i] = l.text(v)
		default:
			lhs[i] = l.fresh("V")
			assignTo, assignFrom = append(assignTo, l.text(v)), append(assignFrom, lhs[i])
		}
	}
	lhs = append(lhs, ok)
	step := strings.Join(lhs, ", ") + " := " + next + "(); if !" + ok + " { break };"
	if len(assignTo) > 0 {
		step += " " + strings.Join(assignTo, ", ") + " = " + strings.Join(assignFrom, ", ") + ";"
	}
	start := rs.For
	loop := "for {"
	if label != nil {
		start = label.Pos()
		loop = label.Label.Name + ": for {"
	}
	l.replace(start, rs.X.Pos(), "if "+next+", "+stop+" := "+l.h.pull(elems)+"(", true)
	l.replace(rs.X.End(), rs.Body.Lbrace+1, "); true { defer "+stop+"(); "+loop+" "+step, true)
	l.replace(rs.Body.Rbrace, rs.Body.Rbrace+1, "}; "+stop+"() }", false)
}

// methodValue turns x.M, a method of a compiled type taken as a value,
// into a call of a helper that returns a closure calling x.M: yaegi
// cannot hand a compiled method value on as a function value of its own.
func (l *lowerer) methodValue(sel *ast.SelectorExpr) {
	s := l.c.info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		return
	}
	fn := s.Obj().(*types.Func)
	if fn.Pkg() == nil || fn.Pkg() == l.c.pkg {
		return
	}
	sig := fn.Type().(*types.Signature)
	recv := s.Recv()
	if !concrete(recv, sig) {
		return
	}
	open, closing := "(", ")"
	if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
		if _, isPtr := recv.Underlying().(*types.Pointer); !isPtr {
			if _, isIface := recv.Underlying().(*types.Interface); !isIface {
				recv = types.NewPointer(recv)
				open, closing = "(&(", "))"
			}
		}
	}
	name := l.h.method(recv, fn.Name(), sig)
	l.replace(sel.Pos(), sel.Pos(), name+open, false)
	l.replace(sel.X.End(), sel.End(), closing, false)
}

// returnRecv: return <-ch → { __r := <-ch; return __r }. yaegi fails to
// return a receive straight from a closure run on another goroutine.
func (l *lowerer) returnRecv(rs *ast.ReturnStmt) {
	if len(rs.Results) != 1 {
		return
	}
	u, ok := ast.Unparen(rs.Results[0]).(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return
	}
	r := l.fresh("R")
	l.replace(rs.Return, rs.Results[0].Pos(), "{ "+r+" := ", false)
	l.replace(rs.Results[0].End(), rs.Results[0].End(), "; return "+r+" }", false)
}

// genericMethods moves the methods of a file's generic types, where one
// calls another declared after it, to the end of the file, the callees
// first: yaegi sets up a generic type's methods in order and cannot find
// one declared later. A //line comment before each moved method keeps its
// lines its own; its old place keeps its line breaks.
func (l *lowerer) genericMethods(f *ast.File) {
	name := l.c.fset.Position(f.Pos()).Filename
	byType := map[*types.TypeName][]*ast.FuncDecl{}
	var order []*types.TypeName
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || fd.Body == nil {
			continue
		}
		obj, ok := l.c.info.Defs[fd.Name].(*types.Func)
		if !ok {
			continue
		}
		tn := receiverType(obj)
		if tn == nil || tn.Type().(*types.Named).TypeParams().Len() == 0 {
			continue
		}
		if byType[tn] == nil {
			order = append(order, tn)
		}
		byType[tn] = append(byType[tn], fd)
	}
	for _, tn := range order {
		decls := byType[tn]
		sorted := l.calleesFirst(tn, decls)
		if slices.Equal(sorted, decls) {
			continue
		}
		for _, fd := range sorted {
			l.move(name, fd)
		}
	}
}

func receiverType(fn *types.Func) *types.TypeName {
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return nil
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Origin().Obj()
	}
	return nil
}

// calleesFirst orders the methods of tn so that a method comes after the
// methods of tn it calls (as far as a cycle allows).
func (l *lowerer) calleesFirst(tn *types.TypeName, decls []*ast.FuncDecl) []*ast.FuncDecl {
	byName := map[string]*ast.FuncDecl{}
	for _, fd := range decls {
		byName[fd.Name.Name] = fd
	}
	var out []*ast.FuncDecl
	state := map[*ast.FuncDecl]int{} // 1: visiting, 2: done
	var visit func(fd *ast.FuncDecl)
	visit = func(fd *ast.FuncDecl) {
		if state[fd] != 0 {
			return
		}
		state[fd] = 1
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if s := l.c.info.Selections[sel]; s != nil {
				if m, ok := s.Obj().(*types.Func); ok && receiverType(m) == tn {
					if callee := byName[m.Name()]; callee != nil {
						visit(callee)
					}
				}
			}
			return true
		})
		state[fd] = 2
		out = append(out, fd)
	}
	for _, fd := range decls {
		visit(fd)
	}
	return out
}

// move records that declaration fd goes to the end of its file.
func (l *lowerer) move(file string, fd *ast.FuncDecl) {
	start := fd.Pos()
	if fd.Doc != nil {
		start = fd.Doc.Pos()
	}
	pos := l.c.fset.Position(start)
	_, a := l.pos(start)
	_, b := l.pos(fd.End())
	l.moves[file] = append(l.moves[file], span{a, b, pos.Line, pos.Column})
}

// span is a declaration to move: its bytes and where it starts.
type span struct {
	from, to  int
	line, col int
}

// concrete says whether none of ts involves a type parameter: a helper is
// written for concrete types only, so a form inside generic code is left
// to the interpreter.
func concrete(ts ...types.Type) bool {
	seen := map[types.Type]bool{}
	var has func(t types.Type) bool
	has = func(t types.Type) bool {
		if t == nil || seen[t] {
			return false
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.TypeParam:
			return true
		case *types.Pointer:
			return has(t.Elem())
		case *types.Slice:
			return has(t.Elem())
		case *types.Array:
			return has(t.Elem())
		case *types.Chan:
			return has(t.Elem())
		case *types.Map:
			return has(t.Key()) || has(t.Elem())
		case *types.Tuple:
			for i := range t.Len() {
				if has(t.At(i).Type()) {
					return true
				}
			}
		case *types.Signature:
			return has(t.Params()) || has(t.Results())
		case *types.Struct:
			for i := range t.NumFields() {
				if has(t.Field(i).Type()) {
					return true
				}
			}
		case *types.Named:
			for i := range t.TypeArgs().Len() {
				if has(t.TypeArgs().At(i)) {
					return true
				}
			}
		}
		return false
	}
	return !slices.ContainsFunc(ts, has)
}

// selectStmt rewrites a select statement into a switch on the case that a
// compiled select (selectCases, symbols.go) picked. yaegi keeps one list
// of cases per select statement and fills it on every run, so two
// goroutines running the same select (a helper called from several
// tasks) wait on each other's channels. The channels and the values to
// send are evaluated on entry, in order, as Go does; their text moves up
// to the select's line, each case keeps its own line:
//
//	select {                 switch __wtS, __wtV, __wtOk := sel([]int{1, 2}, []any{a, b}, []any{nil, any(x)}); __wtS {
//	case v := <-a:      →    case 0: v := recv(__wtV);
//	case b <- x:             case 1:
//	}                        }
func (l *lowerer) selectStmt(s *ast.SelectStmt) {
	type comm struct {
		dir     int      // 1 receive, 2 send, 3 default
		ch, val ast.Expr // the channel and the value sent
		elem    types.Type
		lhs     []ast.Expr // what a receive assigns, if anything
		tok     token.Token
		clause  *ast.CommClause
	}
	var comms []comm
	for _, st := range s.Body.List {
		cc := st.(*ast.CommClause)
		c := comm{clause: cc}
		switch st := cc.Comm.(type) {
		case nil:
			c.dir = 3
		case *ast.SendStmt:
			c.dir, c.ch, c.val = 2, st.Chan, st.Value
		case *ast.ExprStmt:
			c.dir, c.ch = 1, ast.Unparen(st.X).(*ast.UnaryExpr).X
		case *ast.AssignStmt:
			c.dir, c.ch, c.lhs, c.tok = 1, ast.Unparen(st.Rhs[0]).(*ast.UnaryExpr).X, st.Lhs, st.Tok
		default:
			return
		}
		if c.ch != nil {
			ct, ok := l.c.info.Types[c.ch].Type.Underlying().(*types.Chan)
			if !ok || !concrete(ct.Elem()) {
				return
			}
			c.elem = ct.Elem()
			for _, e := range []ast.Expr{c.ch, c.val} {
				if e != nil && l.multiline(e) {
					return // its text cannot move to one line
				}
			}
		}
		comms = append(comms, c)
	}
	sel, v, ok := l.fresh("S"), l.fresh("V"), l.fresh("Ok")
	parts := []any{"switch " + sel + ", " + v + ", " + ok + " := " + l.h.selectCases() + "([]int{"}
	for i, c := range comms {
		if i > 0 {
			parts = append(parts, ", ")
		}
		parts = append(parts, strconv.Itoa(c.dir))
	}
	parts = append(parts, "}, []any{")
	for i, c := range comms {
		if i > 0 {
			parts = append(parts, ", ")
		}
		if c.ch == nil {
			parts = append(parts, "nil")
		} else {
			parts = append(parts, l.span(c.ch))
		}
	}
	parts = append(parts, "}, []any{")
	for i, c := range comms {
		if i > 0 {
			parts = append(parts, ", ")
		}
		if c.val == nil {
			parts = append(parts, "nil")
		} else {
			parts = append(parts, l.h.toAny(c.elem)+"(", l.span(c.val), ")")
		}
	}
	parts = append(parts, "}); "+sel+" {")
	l.replaceParts(s.Select, s.Body.Lbrace+1, parts, true)
	for i, c := range comms {
		head := []any{"case " + strconv.Itoa(i) + ":"}
		if len(c.lhs) > 0 && !isBlank(c.lhs[0]) || len(c.lhs) > 1 && !isBlank(c.lhs[1]) {
			var lhs, rhs []any
			values := []string{l.h.fromAny(c.elem) + "(" + v + ")", ok}
			for j, e := range c.lhs {
				if j > 0 {
					lhs, rhs = append(lhs, ", "), append(rhs, ", ")
				}
				lhs, rhs = append(lhs, l.span(e)), append(rhs, values[j])
			}
			head = append(head, " ")
			head = append(head, lhs...)
			head = append(head, " "+c.tok.String()+" ")
			head = append(head, rhs...)
			head = append(head, ";")
		}
		l.replaceParts(c.clause.Case, c.clause.Colon+1, head, true)
	}
}

// multiline says whether an expression spans lines or holds a comment.
func (l *lowerer) multiline(e ast.Expr) bool {
	text := l.text(e)
	return strings.ContainsAny(text, "\n") || strings.Contains(text, "//") || strings.Contains(text, "/*")
}

// span is the text of n, with the edits inside it, as a part of an edit.
func (l *lowerer) span(n ast.Node) [2]int {
	_, a := l.pos(n.Pos())
	_, b := l.pos(n.End())
	return [2]int{a, b}
}

// replaceParts is replace with a text made of parts (strings and spans).
func (l *lowerer) replaceParts(from, to token.Pos, parts []any, pad bool) {
	name, a := l.pos(from)
	_, b := l.pos(to)
	if pad {
		parts = append(parts, strings.Repeat("\n", strings.Count(string(l.src[name][a:b]), "\n")))
	}
	l.edits[name] = append(l.edits[name], edit{from: a, to: b, parts: parts})
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// forStmt gives a three-clause loop's variables a copy per iteration when
// a closure captures them, as Go 1.22 does: the loop runs on fresh names,
// the body declares the learner's names from them. Not when the body
// changes a variable: the change must reach the loop's condition.
func (l *lowerer) forStmt(fs *ast.ForStmt) {
	init, ok := fs.Init.(*ast.AssignStmt)
	if !ok || init.Tok != token.DEFINE {
		return
	}
	var names, fresh []string
	for _, v := range init.Lhs {
		id, ok := v.(*ast.Ident)
		if !ok || id.Name == "_" || !l.captured(fs.Body, id) || l.changed(fs.Body, id) {
			continue
		}
		obj := l.c.info.Defs[id]
		f := l.fresh("Loop")
		l.replace(id.Pos(), id.End(), f, false)
		for _, part := range []ast.Node{fs.Cond, fs.Post} {
			if part == nil {
				continue
			}
			ast.Inspect(part, func(n ast.Node) bool {
				if use, ok := n.(*ast.Ident); ok && l.c.info.Uses[use] == obj {
					l.replace(use.Pos(), use.End(), f, false)
				}
				return true
			})
		}
		names, fresh = append(names, id.Name), append(fresh, f)
	}
	l.declare(fs.Body, names, fresh)
}

// captured says whether a function literal in body uses the variable v
// declares.
func (l *lowerer) captured(body *ast.BlockStmt, v ast.Expr) bool {
	id, ok := v.(*ast.Ident)
	if !ok {
		return false
	}
	obj := l.c.info.Defs[id]
	if obj == nil {
		return false
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		lit, ok := n.(*ast.FuncLit)
		if !ok || found {
			return !found
		}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if use, ok := n.(*ast.Ident); ok && l.c.info.Uses[use] == obj {
				found = true
			}
			return !found
		})
		return false
	})
	return found
}

// changed says whether body assigns to v, steps it or takes its address.
func (l *lowerer) changed(body *ast.BlockStmt, v *ast.Ident) bool {
	obj := l.c.info.Defs[v]
	is := func(e ast.Expr) bool {
		id, ok := ast.Unparen(e).(*ast.Ident)
		return ok && l.c.info.Uses[id] == obj
	}
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			found = found || slices.ContainsFunc(n.Lhs, is)
		case *ast.IncDecStmt:
			found = found || is(n.X)
		case *ast.UnaryExpr:
			found = found || n.Op == token.AND && is(n.X)
		}
		return !found
	})
	return found
}

// ---- helpers ----------------------------------------------------------

// helpers is the file of helper functions, one per form and type, each
// written for its concrete type: yaegi runs generic code only in part.
type helpers struct {
	self    *types.Package
	imports map[string]string // import path → name in the helper file
	funcs   []string
	byKey   map[string]string
}

func newHelpers(self *types.Package) *helpers {
	return &helpers{self: self, imports: map[string]string{}, byKey: map[string]string{}}
}

func (h *helpers) typ(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == h.self {
			return ""
		}
		name, ok := h.imports[p.Path()]
		if !ok {
			name = fmt.Sprintf("__wtpkg%d", len(h.imports))
			h.imports[p.Path()] = name
		}
		return name
	})
}

// add returns the helper for key, writing it with body (which gets the
// helper's name) the first time.
func (h *helpers) add(key string, body func(name string) string) string {
	if name, ok := h.byKey[key]; ok {
		return name
	}
	name := fmt.Sprintf("__wtHelper%d", len(h.byKey))
	h.byKey[key] = name
	h.funcs = append(h.funcs, body(name))
	return name
}

func (h *helpers) minMax(which string, t types.Type) string {
	ts := h.typ(t)
	op := "<"
	if which == "max" {
		op = ">"
	}
	return h.add(which+" "+ts, func(name string) string {
		// y != y: a NaN wins, as with the builtin.
		return fmt.Sprintf(`// %[1]s is the builtin %[2]s for %[3]s.
func %[1]s(x %[3]s, ys ...%[3]s) %[3]s {
	for _, y := range ys {
		if y %[4]s x || y != y {
			x = y
		}
	}
	return x
}
`, name, which, ts, op)
	})
}

func (h *helpers) count(t types.Type) string {
	ts := h.typ(t)
	return h.add("count "+ts, func(name string) string {
		return fmt.Sprintf(`// %[1]s starts a loop over 0..n-1 of type %[2]s.
func %[1]s(n %[2]s) (%[2]s, %[2]s) { return 0, n }
`, name, ts)
	})
}

// pull is iter.Pull for one list of element types (none, one or two): the
// sequence runs on a goroutine of its own, one step per call of next. The
// values travel on channels, one per element, after a word on more (true:
// a value follows; closed: the sequence ended), so that no variable is
// shared between the two goroutines and no select is needed. (yaegi
// fails on "return <-ask" in the yield function, hence the variable.)
func (h *helpers) pull(elems []types.Type) string {
	ts := make([]string, len(elems))
	for i, e := range elems {
		ts[i] = h.typ(e)
	}
	return h.add("pull "+strings.Join(ts, ", "), func(name string) string {
		var params, makes, sends, zeros, recvs, takes []string
		for i, t := range ts {
			params = append(params, fmt.Sprintf("a%d %s", i, t))
			makes = append(makes, fmt.Sprintf("c%d := make(chan %s)", i, t))
			sends = append(sends, fmt.Sprintf("c%d <- a%d", i, i))
			zeros = append(zeros, fmt.Sprintf("var z%d %s", i, t))
			recvs = append(recvs, fmt.Sprintf("x%d := <-c%d", i, i))
			takes = append(takes, fmt.Sprintf("x%d", i))
		}
		results := strings.Join(append(slices.Clone(ts), "bool"), ", ")
		zero := strings.Join(append(zerosNames(len(ts)), "false"), ", ")
		return fmt.Sprintf(`// %[1]s is iter.Pull for func(yield func(%[2]s) bool).
func %[1]s(seq func(yield func(%[2]s) bool)) (func() (%[3]s), func()) {
	ask := make(chan bool)
	more := make(chan bool)
	%[4]s
	started, done := false, false
	run := func() {
		defer close(more)
		if !<-ask {
			return
		}
		seq(func(%[5]s) bool {
			more <- true
			%[6]s
			again := <-ask
			return again
		})
	}
	next := func() (%[3]s) {
		%[7]s
		if done {
			return %[8]s
		}
		if !started {
			started = true
			go run()
		}
		ask <- true
		if m := <-more; !m {
			done = true
			return %[8]s
		}
		%[9]s
		return %[10]s
	}
	stop := func() {
		if done {
			return
		}
		done = true
		if !started {
			return
		}
		ask <- false
		for range more {
		}
	}
	return next, stop
}
`, name, strings.Join(ts, ", "), results, strings.Join(makes, "\n\t"), strings.Join(params, ", "),
			strings.Join(sends, "\n\t\t\t"), strings.Join(zeros, "\n\t\t"), zero,
			strings.Join(recvs, "\n\t\t"), strings.Join(append(takes, "true"), ", "))
	})
}

func zerosNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("z%d", i)
	}
	return out
}

// selectCases is the compiled select (see lowerer.selectStmt), imported
// by the helper file.
func (h *helpers) selectCases() string {
	h.imports[loweredPath] = "__wtlowered"
	return h.add("select", func(name string) string {
		return fmt.Sprintf("// %[1]s is a select statement (see selectCases).\n"+
			"func %[1]s(dirs []int, chans, sends []any) (int, any, bool) {\n"+
			"\treturn __wtlowered.Select(dirs, chans, sends)\n}\n", name)
	})
}

// toAny hands a value to the compiled select as a value of the channel's
// element type t, converted (and, for an interface type, wrapped) by the
// interpreter.
func (h *helpers) toAny(t types.Type) string {
	ts := h.typ(t)
	return h.add("toAny "+ts, func(name string) string {
		return fmt.Sprintf("// %[1]s sends a %[2]s through the compiled select.\nfunc %[1]s(x__ %[2]s) any { return x__ }\n", name, ts)
	})
}

// fromAny takes a value received by the compiled select back as a t.
func (h *helpers) fromAny(t types.Type) string {
	ts := h.typ(t)
	return h.add("fromAny "+ts, func(name string) string {
		return fmt.Sprintf("// %[1]s receives a %[2]s from the compiled select.\nfunc %[1]s(x__ any) %[2]s {\n\ty__, _ := x__.(%[2]s)\n\treturn y__\n}\n", name, ts)
	})
}

// keep is the identity function for the function type t (see
// lowerer.keep).
func (h *helpers) keep(t types.Type) string {
	ts := h.typ(t)
	return h.add("keep "+ts, func(name string) string {
		return fmt.Sprintf(`// %[1]s hands on a function literal with its own frame.
func %[1]s(f %[2]s) %[2]s { return f }
`, name, ts)
	})
}

// method returns a helper that makes the method value r.name of the
// receiver type recv as a closure.
func (h *helpers) method(recv types.Type, name string, sig *types.Signature) string {
	rs := h.typ(recv)
	var params, args, results []string
	for i := range sig.Params().Len() {
		t := h.typ(sig.Params().At(i).Type())
		arg := fmt.Sprintf("a%d", i)
		if sig.Variadic() && i == sig.Params().Len()-1 {
			t = "..." + strings.TrimPrefix(t, "[]")
			arg += "..."
		}
		params = append(params, fmt.Sprintf("a%d %s", i, t))
		args = append(args, arg)
	}
	for i := range sig.Results().Len() {
		results = append(results, h.typ(sig.Results().At(i).Type()))
	}
	fsig := "func(" + strings.Join(params, ", ") + ")"
	if len(results) > 0 {
		fsig += " (" + strings.Join(results, ", ") + ")"
	}
	call := "r." + name + "(" + strings.Join(args, ", ") + ")"
	if len(results) > 0 {
		call = "return " + call
	}
	return h.add("method "+rs+"."+name, func(hn string) string {
		return fmt.Sprintf(`// %[1]s is the method value r.%[2]s.
func %[1]s(r %[3]s) %[4]s {
	return %[4]s { %[5]s }
}
`, hn, name, rs, fsig, call)
	})
}

// generic is the template of pkg.fn (generic.go) written out for targs.
func (h *helpers) generic(pkg, fn string, targs []types.Type) string {
	args := make([]string, len(targs))
	for i, t := range targs {
		args[i] = h.typ(t)
	}
	return h.add(pkg+"."+fn+" "+strings.Join(args, ", "), func(name string) string {
		text, err := instantiate(name, genericFuncs[pkg][fn], args)
		if err != nil {
			// The templates are the course's own and tested; this is a
			// bug, shown where it happens.
			return fmt.Sprintf("// %s: %v\n", name, err)
		}
		return fmt.Sprintf("// %s is %s.%s[%s].\n%s", name, pkg, fn, strings.Join(args, ", "), text)
	})
}

// file writes the helper file, or "" when no helper is needed.
func (h *helpers) file() string {
	if len(h.funcs) == 0 {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "package %s\n\n", h.self.Name())
	if len(h.imports) > 0 {
		sb.WriteString("import (\n")
		for _, path := range slices.Sorted(maps.Keys(h.imports)) {
			fmt.Fprintf(&sb, "\t%s %q\n", h.imports[path], path)
		}
		sb.WriteString(")\n\n")
	}
	for _, f := range h.funcs {
		sb.WriteString(f)
		sb.WriteString("\n")
	}
	return sb.String()
}
