package interp

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"reflect"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"
)

// importer gives go/types the packages of the symbol table, so that edited
// code is type-checked against exactly what the interpreter will offer:
// a compiled package's types are rebuilt from reflection on its symbols,
// a source package (slices, maps, cmp, iter) is checked from its source.
// An import outside the table fails, and the checker reports it on the
// learner's line.
type importer struct {
	fset    *token.FileSet
	exports yaegi.Exports
	sources map[string]string // import path → source of a source package

	pkgs  map[string]*types.Package
	named map[reflect.Type]*types.Named
	// where says, for types the table exposes under another package's
	// name (the guarded http.Transport), where they live for the checker.
	where map[reflect.Type][2]string
}

func newImporter(fset *token.FileSet, ex yaegi.Exports) *importer {
	imp := &importer{
		fset: fset, exports: ex,
		sources: map[string]string{"iter": iterSource, "slices": stubSource("slices"),
			"maps": stubSource("maps"), "cmp": stubSource("cmp")},
		pkgs: map[string]*types.Package{}, named: map[reflect.Type]*types.Named{},
		where: map[reflect.Type][2]string{},
	}
	for key, syms := range ex {
		if key == "." {
			continue
		}
		p := path.Dir(key)
		for name, v := range syms {
			if isTypeSymbol(name, v) {
				imp.where[v.Type().Elem()] = [2]string{p, name}
			}
		}
	}
	return imp
}

// errNotAvailable marks an import outside the table.
type errNotAvailable struct{ path string }

func (e *errNotAvailable) Error() string {
	return fmt.Sprintf("package %q is not available here", e.path)
}

func (imp *importer) Import(p string) (*types.Package, error) {
	if pkg, ok := imp.pkgs[p]; ok && pkg.Complete() {
		return pkg, nil
	}
	if src, ok := imp.sources[p]; ok {
		return imp.fromSource(p, src)
	}
	syms, ok := imp.exports[p+"/"+pkgName(p)]
	if !ok {
		return nil, &errNotAvailable{p}
	}
	pkg := imp.pkg(p)
	for name, v := range syms {
		if strings.HasPrefix(name, "_") || !v.IsValid() {
			continue
		}
		pkg.Scope().Insert(imp.object(pkg, name, v))
	}
	pkg.MarkComplete()
	return pkg, nil
}

// fromSource type-checks a source package: iter, and the stubs of slices,
// maps and cmp (generic.go). They are the course's own text, so an error
// in them is a bug that the tests catch.
func (imp *importer) fromSource(p, src string) (*types.Package, error) {
	f, err := parser.ParseFile(imp.fset, p+".go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("source of %s: %w", p, err)
	}
	conf := types.Config{Importer: imp}
	pkg, err := conf.Check(p, imp.fset, []*ast.File{f}, nil)
	if err != nil {
		return nil, fmt.Errorf("source of %s: %w", p, err)
	}
	imp.pkgs[p] = pkg
	return pkg, nil
}

func (imp *importer) pkg(p string) *types.Package {
	if pkg, ok := imp.pkgs[p]; ok {
		return pkg
	}
	pkg := types.NewPackage(p, pkgName(p))
	imp.pkgs[p] = pkg
	return pkg
}

func isTypeSymbol(name string, v reflect.Value) bool {
	return !strings.HasPrefix(name, "_") && v.IsValid() && v.Kind() == reflect.Pointer && v.IsNil()
}

var constantValue = reflect.TypeFor[constant.Value]()

// object turns one symbol of the table into a go/types object.
func (imp *importer) object(pkg *types.Package, name string, v reflect.Value) types.Object {
	t := v.Type()
	switch {
	case t.Implements(constantValue):
		c := v.Interface().(constant.Value)
		return types.NewConst(token.NoPos, pkg, name, untypedOf(c), c)
	case isTypeSymbol(name, v):
		n := imp.typ(t.Elem())
		if named, ok := n.(*types.Named); ok {
			return named.Obj()
		}
		return types.NewTypeName(token.NoPos, pkg, name, n)
	case v.CanAddr():
		return types.NewVar(token.NoPos, pkg, name, imp.typ(t))
	case t.Kind() == reflect.Func:
		return types.NewFunc(token.NoPos, pkg, name, imp.signature(t, nil, 0))
	}
	// A typed constant (time.Second): its value in go/constant form.
	var c constant.Value
	switch {
	case v.CanInt():
		c = constant.MakeInt64(v.Int())
	case v.CanUint():
		c = constant.MakeUint64(v.Uint())
	case v.CanFloat():
		c = constant.MakeFloat64(v.Float())
	case t.Kind() == reflect.String:
		c = constant.MakeString(v.String())
	case t.Kind() == reflect.Bool:
		c = constant.MakeBool(v.Bool())
	default:
		return types.NewVar(token.NoPos, pkg, name, imp.typ(t))
	}
	return types.NewConst(token.NoPos, pkg, name, imp.typ(t), c)
}

func untypedOf(c constant.Value) types.Type {
	switch c.Kind() {
	case constant.Bool:
		return types.Typ[types.UntypedBool]
	case constant.String:
		return types.Typ[types.UntypedString]
	case constant.Float:
		return types.Typ[types.UntypedFloat]
	case constant.Complex:
		return types.Typ[types.UntypedComplex]
	}
	return types.Typ[types.UntypedInt]
}

var basics = map[reflect.Kind]types.BasicKind{
	reflect.Bool: types.Bool, reflect.Int: types.Int, reflect.Int8: types.Int8, reflect.Int16: types.Int16,
	reflect.Int32: types.Int32, reflect.Int64: types.Int64, reflect.Uint: types.Uint, reflect.Uint8: types.Uint8,
	reflect.Uint16: types.Uint16, reflect.Uint32: types.Uint32, reflect.Uint64: types.Uint64,
	reflect.Uintptr: types.Uintptr, reflect.Float32: types.Float32, reflect.Float64: types.Float64,
	reflect.Complex64: types.Complex64, reflect.Complex128: types.Complex128, reflect.String: types.String,
	reflect.UnsafePointer: types.UnsafePointer,
}

var errorType = reflect.TypeFor[error]()

// typ converts a reflected type. Named types are made once and filled in
// after they are cached, so recursive types terminate.
func (imp *importer) typ(t reflect.Type) types.Type {
	if t == errorType {
		return types.Universe.Lookup("error").Type()
	}
	if n, ok := imp.named[t]; ok {
		return n
	}
	pkgPath, name := t.PkgPath(), t.Name()
	if w, ok := imp.where[t]; ok {
		pkgPath, name = w[0], w[1]
	}
	// Instances of generic types (atomic.Pointer[T], iter.Seq[string])
	// have no declaration to name: they are used by their structure.
	if name == "" || pkgPath == "" || strings.ContainsRune(name, '[') {
		return imp.structure(t)
	}
	tn := types.NewTypeName(token.NoPos, imp.pkg(pkgPath), name, nil)
	n := types.NewNamed(tn, nil, nil)
	imp.named[t] = n
	n.SetUnderlying(imp.structure(t).Underlying())
	if t.Kind() != reflect.Interface {
		imp.methods(n, t)
	}
	return n
}

// methods adds the exported methods of t: those of T with a value
// receiver, the rest of *T's with a pointer receiver.
func (imp *importer) methods(n *types.Named, t reflect.Type) {
	seen := map[string]bool{}
	for i := range t.NumMethod() {
		m := t.Method(i)
		seen[m.Name] = true
		recv := types.NewVar(token.NoPos, n.Obj().Pkg(), "", n)
		n.AddMethod(types.NewFunc(token.NoPos, n.Obj().Pkg(), m.Name, imp.signature(m.Type, recv, 1)))
	}
	pt := reflect.PointerTo(t)
	for i := range pt.NumMethod() {
		m := pt.Method(i)
		if seen[m.Name] {
			continue
		}
		recv := types.NewVar(token.NoPos, n.Obj().Pkg(), "", types.NewPointer(n))
		n.AddMethod(types.NewFunc(token.NoPos, n.Obj().Pkg(), m.Name, imp.signature(m.Type, recv, 1)))
	}
}

// signature converts a function type, skipping its first skip inputs (the
// receiver of a method expression).
func (imp *importer) signature(t reflect.Type, recv *types.Var, skip int) *types.Signature {
	var in, out []*types.Var
	for i := skip; i < t.NumIn(); i++ {
		in = append(in, types.NewParam(token.NoPos, nil, "", imp.typ(t.In(i))))
	}
	for i := range t.NumOut() {
		out = append(out, types.NewParam(token.NoPos, nil, "", imp.typ(t.Out(i))))
	}
	return types.NewSignatureType(recv, nil, nil, types.NewTuple(in...), types.NewTuple(out...), t.IsVariadic())
}

// structure converts the structure of t, ignoring its name.
func (imp *importer) structure(t reflect.Type) types.Type {
	if k, ok := basics[t.Kind()]; ok {
		return types.Typ[k]
	}
	switch t.Kind() {
	case reflect.Pointer:
		return types.NewPointer(imp.typ(t.Elem()))
	case reflect.Slice:
		return types.NewSlice(imp.typ(t.Elem()))
	case reflect.Array:
		return types.NewArray(imp.typ(t.Elem()), int64(t.Len()))
	case reflect.Map:
		return types.NewMap(imp.typ(t.Key()), imp.typ(t.Elem()))
	case reflect.Chan:
		dir := types.SendRecv
		switch t.ChanDir() {
		case reflect.SendDir:
			dir = types.SendOnly
		case reflect.RecvDir:
			dir = types.RecvOnly
		}
		return types.NewChan(dir, imp.typ(t.Elem()))
	case reflect.Func:
		return imp.signature(t, nil, 0)
	case reflect.Interface:
		var ms []*types.Func
		for i := range t.NumMethod() {
			m := t.Method(i)
			ms = append(ms, types.NewFunc(token.NoPos, nil, m.Name, imp.signature(m.Type, nil, 0)))
		}
		return types.NewInterfaceType(ms, nil).Complete()
	case reflect.Struct:
		var fields []*types.Var
		var tags []string
		var owner *types.Package
		if t.PkgPath() != "" {
			owner = imp.pkg(t.PkgPath())
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fields = append(fields, types.NewField(token.NoPos, owner, f.Name, imp.typ(f.Type), f.Anonymous))
			tags = append(tags, string(f.Tag))
		}
		return types.NewStruct(fields, tags)
	}
	return types.Typ[types.Invalid]
}
