package interp

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strings"
)

// The generic functions of slices, maps and cmp that edited code can
// call. yaegi runs generic code only in part (slices.Insert on a struct
// type fails to compile), so lower.go turns each call into a call of a
// helper written out for the call's own types, from the template here.
// The type checker sees the same functions as stubs (stubSource), so a
// function left out here is "undefined" before the program runs, on the
// learner's line, rather than a failure inside the interpreter.
//
// A template is a generic function: its signature is the standard
// library's (type parameters in the same order, iter.Seq written as the
// function type it stands for) and its body is plain code that yaegi runs.
var genericFuncs = map[string]map[string]string{
	"slices": {
		"Equal": `[S ~[]E, E comparable](s1, s2 S) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			return false
		}
	}
	return true
}`,
		"Index": `[S ~[]E, E comparable](s S, v E) int {
	for i := range s {
		if v == s[i] {
			return i
		}
	}
	return -1
}`,
		"IndexFunc": `[S ~[]E, E any](s S, f func(E) bool) int {
	for i := range s {
		if f(s[i]) {
			return i
		}
	}
	return -1
}`,
		"Contains": `[S ~[]E, E comparable](s S, v E) bool {
	for i := range s {
		if v == s[i] {
			return true
		}
	}
	return false
}`,
		"ContainsFunc": `[S ~[]E, E any](s S, f func(E) bool) bool {
	for i := range s {
		if f(s[i]) {
			return true
		}
	}
	return false
}`,
		"Insert": `[S ~[]E, E any](s S, i int, v ...E) S {
	if i < 0 || i > len(s) {
		panic("slices.Insert: index out of range")
	}
	r := make(S, 0, len(s)+len(v))
	r = append(r, s[:i]...)
	r = append(r, v...)
	return append(r, s[i:]...)
}`,
		"Delete": `[S ~[]E, E any](s S, i, j int) S {
	_ = s[i:j:len(s)]
	if i == j {
		return s
	}
	n := copy(s[i:], s[j:])
	var zero E
	for k := i + n; k < len(s); k++ {
		s[k] = zero
	}
	return s[:i+n]
}`,
		"DeleteFunc": `[S ~[]E, E any](s S, del func(E) bool) S {
	n := 0
	for i := range s {
		if !del(s[i]) {
			s[n] = s[i]
			n++
		}
	}
	var zero E
	for k := n; k < len(s); k++ {
		s[k] = zero
	}
	return s[:n]
}`,
		"Clone": `[S ~[]E, E any](s S) S {
	if s == nil {
		return nil
	}
	return append(S{}, s...)
}`,
		"Concat": `[S ~[]E, E any](ss ...S) S {
	var r S
	for _, s := range ss {
		r = append(r, s...)
	}
	return r
}`,
		"Compact": `[S ~[]E, E comparable](s S) S {
	if len(s) < 2 {
		return s
	}
	n := 1
	for k := 1; k < len(s); k++ {
		if s[k] != s[n-1] {
			s[n] = s[k]
			n++
		}
	}
	return s[:n]
}`,
		"Reverse": `[S ~[]E, E any](s S) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}`,
		"Max": `[S ~[]E, E cmp.Ordered](x S) E {
	if len(x) < 1 {
		panic("slices.Max: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if x[i] > m || x[i] != x[i] {
			m = x[i]
		}
	}
	return m
}`,
		"Min": `[S ~[]E, E cmp.Ordered](x S) E {
	if len(x) < 1 {
		panic("slices.Min: empty list")
	}
	m := x[0]
	for i := 1; i < len(x); i++ {
		if x[i] < m || x[i] != x[i] {
			m = x[i]
		}
	}
	return m
}`,
		"BinarySearch": `[S ~[]E, E cmp.Ordered](x S, target E) (int, bool) {
	lo, hi := 0, len(x)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if x[m] < target {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(x) && x[lo] == target
}`,
		"Sort":           `[S ~[]E, E cmp.Ordered](x S) {` + mergeSort("a < b") + `}`,
		"SortFunc":       `[S ~[]E, E any](x S, cmp func(a, b E) int) {` + mergeSort("cmp(a, b) < 0") + `}`,
		"SortStableFunc": `[S ~[]E, E any](x S, cmp func(a, b E) int) {` + mergeSort("cmp(a, b) < 0") + `}`,
		"Sorted": `[E cmp.Ordered](seq func(yield func(E) bool)) []E {
	var x []E
	seq(func(v E) bool {
		x = append(x, v)
		return true
	})
` + mergeSort("a < b") + `
	return x
}`,
		"Collect": `[E any](seq func(yield func(E) bool)) []E {
	var x []E
	seq(func(v E) bool {
		x = append(x, v)
		return true
	})
	return x
}`,
		"Values": `[Slice ~[]E, E any](s Slice) func(yield func(E) bool) {
	return func(yield func(E) bool) {
		for i := range s {
			if !yield(s[i]) {
				return
			}
		}
	}
}`,
		"All": `[Slice ~[]E, E any](s Slice) func(yield func(int, E) bool) {
	return func(yield func(int, E) bool) {
		for i := range s {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}`,
	},
	"maps": {
		"Keys": `[Map ~map[K]V, K comparable, V any](m Map) func(yield func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}`,
		"Values": `[Map ~map[K]V, K comparable, V any](m Map) func(yield func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}`,
		"All": `[Map ~map[K]V, K comparable, V any](m Map) func(yield func(K, V) bool) {
	return func(yield func(K, V) bool) {
		for k, v := range m {
			if !yield(k, v) {
				return
			}
		}
	}
}`,
		"Clone": `[M ~map[K]V, K comparable, V any](m M) M {
	if m == nil {
		return nil
	}
	r := make(M, len(m))
	for k, v := range m {
		r[k] = v
	}
	return r
}`,
		"Copy": `[M1 ~map[K]V, M2 ~map[K]V, K comparable, V any](dst M1, src M2) {
	for k, v := range src {
		dst[k] = v
	}
}`,
		"DeleteFunc": `[M ~map[K]V, K comparable, V any](m M, del func(K, V) bool) {
	for k, v := range m {
		if del(k, v) {
			delete(m, k)
		}
	}
}`,
		"Equal": `[M1, M2 ~map[K]V, K, V comparable](m1 M1, m2 M2) bool {
	if len(m1) != len(m2) {
		return false
	}
	for k, v1 := range m1 {
		if v2, ok := m2[k]; !ok || v1 != v2 {
			return false
		}
	}
	return true
}`,
		"Collect": `[K comparable, V any](seq func(yield func(K, V) bool)) map[K]V {
	m := map[K]V{}
	seq(func(k K, v V) bool {
		m[k] = v
		return true
	})
	return m
}`,
	},
	"cmp": {
		"Compare": `[T Ordered](x, y T) int {
	xNaN := x != x
	yNaN := y != y
	if xNaN {
		if yNaN {
			return 0
		}
		return -1
	}
	if yNaN {
		return +1
	}
	if x < y {
		return -1
	}
	if x > y {
		return +1
	}
	return 0
}`,
		"Less": `[T Ordered](x, y T) bool {
	return (x != x && y == y) || x < y
}`,
		"Or": `[T comparable](vals ...T) T {
	var zero T
	for _, v := range vals {
		if v != zero {
			return v
		}
	}
	return zero
}`,
	},
}

// mergeSort is a stable sort of the slice x by less (an expression in a
// and b), in plain code.
func mergeSort(less string) string {
	return `
	if len(x) > 1 {
		buf := make([]E, len(x))
		for width := 1; width < len(x); width *= 2 {
			for lo := 0; lo < len(x); lo += 2 * width {
				mid, hi := min(lo+width, len(x)), min(lo+2*width, len(x))
				i, j, k := lo, mid, lo
				for i < mid && j < hi {
					a, b := x[j], x[i]
					if ` + less + ` {
						buf[k] = x[j]
						j++
					} else {
						buf[k] = x[i]
						i++
					}
					k++
				}
				k += copy(buf[k:], x[i:mid])
				copy(buf[k:], x[j:hi])
			}
			copy(x, buf)
		}
	}
`
}

// stubSource is package pkg as the type checker sees it: the templates'
// signatures, bodies left out.
func stubSource(pkg string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "package %s\n\n", pkg)
	uses := false
	for _, tmpl := range genericFuncs[pkg] {
		uses = uses || strings.Contains(signatureOf(tmpl), "cmp.")
	}
	if uses {
		sb.WriteString("import \"cmp\"\n\n")
	}
	if pkg == "cmp" {
		sb.WriteString(`type Ordered interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr | ~float32 | ~float64 | ~string
}

`)
	}
	for _, name := range slices.Sorted(maps.Keys(genericFuncs[pkg])) {
		fmt.Fprintf(&sb, "func %s%s{ panic(0) }\n\n", name, signatureOf(genericFuncs[pkg][name]))
	}
	return sb.String()
}

// signatureOf cuts a template at its body: the signature ends at the
// first "{" that is not inside parentheses or brackets.
func signatureOf(tmpl string) string {
	depth := 0
	for i, r := range tmpl {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case '{':
			if depth == 0 {
				return tmpl[:i]
			}
		}
	}
	return tmpl
}

// instantiate writes template tmpl as a function called name with the
// type parameters replaced by args (type expressions valid in the helper
// file).
func instantiate(name, tmpl string, args []string) (string, error) {
	src := "package p\n\nfunc " + name + tmpl + "\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.SkipObjectResolution)
	if err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	fn := f.Decls[0].(*ast.FuncDecl)
	tparams := fn.Type.TypeParams
	var names []string
	for _, field := range tparams.List {
		for _, n := range field.Names {
			names = append(names, n.Name)
		}
	}
	if len(names) != len(args) {
		return "", fmt.Errorf("template %s: %d type arguments for %d parameters", name, len(args), len(names))
	}
	subst := map[string]string{}
	for i, n := range names {
		subst[n] = args[i]
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	edits := []edit{{from: off(tparams.Opening), to: off(tparams.Closing) + 1}}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FieldList:
			if n == tparams {
				return false
			}
		case *ast.SelectorExpr:
			ast.Inspect(n.X, visit)
			return false
		case *ast.KeyValueExpr:
			ast.Inspect(n.Value, visit)
			return false
		case *ast.Ident:
			if t, ok := subst[n.Name]; ok {
				edits = append(edits, edit{from: off(n.Pos()), to: off(n.End()), text: t})
			}
		}
		return true
	}
	ast.Inspect(fn, visit)
	out := apply(src, edits)
	return strings.TrimPrefix(out, "package p\n\n"), nil
}
