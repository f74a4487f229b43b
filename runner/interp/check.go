package interp

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strconv"
	"strings"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// Diagnostic is one problem found in a program before it runs, placed on
// the learner's text: File is the file's name as the page shows it
// ("flags_sequential.go"), Line and Col count from 1.
type Diagnostic struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col,omitempty"`
	Msg  string `json:"msg"`
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s 第 %d 行：%s", d.File, d.Line, d.Msg)
}

// CompileError is a program that did not get to run: it does not parse,
// imports a package edited code cannot use, or does not type-check.
type CompileError struct {
	Diagnostics []Diagnostic
}

func (e *CompileError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// maxDiagnostics bounds what one program can report: the first few errors
// are the useful ones.
const maxDiagnostics = 10

// program is a demo's package as a learner left it: its files, which of
// them was edited, and the function to run.
type program struct {
	Package string            `json:"package"` // import path, "github.com/…/lessons/flags"
	Entry   string            `json:"entry"`   // the run function's name, "flagsSequential"
	Source  string            `json:"source"`  // the edited file's name
	Files   map[string]string `json:"files"`   // name → text, Source among them

	shown   map[string]bool   // the files the page shows (Source and Also)
	library map[string]string // the package's other files, added as used
}

// addLibrary adds the package's other files that declare a name the
// program's files use and do not declare, until none is missing. A file
// that does not parse adds nothing; its own errors come from parse.
func (p *program) addLibrary() {
	declared := map[string]string{} // top-level name → library file
	for name, text := range p.library {
		f, err := parser.ParseFile(token.NewFileSet(), name, text, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, n := range topLevel(f) {
			declared[n] = name
		}
	}
	for {
		added := false
		for _, text := range p.Files {
			f, err := parser.ParseFile(token.NewFileSet(), "", text, 0)
			if err != nil {
				continue
			}
			// Names the file leaves unresolved; a selector's field or
			// method name is not one.
			var visit func(n ast.Node) bool
			visit = func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					ast.Inspect(n.X, visit)
					return false
				case *ast.Ident:
					if n.Obj == nil {
						added = p.use(declared, n.Name) || added
					}
				}
				return true
			}
			ast.Inspect(f, visit)
		}
		if !added {
			return
		}
	}
}

// use adds the library file that declares name, if any and not yet added.
func (p *program) use(declared map[string]string, name string) bool {
	file, ok := declared[name]
	if !ok || p.Files[file] != "" {
		return false
	}
	p.Files[file] = p.library[file]
	return true
}

// topLevel lists the names a file declares at package level.
func topLevel(f *ast.File) []string {
	var names []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				names = append(names, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names = append(names, n.Name)
					}
				case *ast.TypeSpec:
					names = append(names, s.Name.Name)
				}
			}
		}
	}
	return names
}

// names lists the files in a fixed order: the edited one first.
func (p *program) names() []string {
	names := []string{p.Source}
	for name := range p.Files {
		if name != p.Source {
			names = append(names, name)
		}
	}
	slices.Sort(names[1:])
	return names
}

// parse parses every file and checks its imports against the symbol
// table. It is cheap and runs in the server, so that a syntax error or a
// forbidden import comes back before a process is started.
func (p *program) parse(fset *token.FileSet) ([]*ast.File, []Diagnostic) {
	allowed := map[string]bool{}
	for _, path := range Allowed() {
		allowed[path] = true
	}
	var files []*ast.File
	var diags []Diagnostic
	for _, name := range p.names() {
		f, err := parser.ParseFile(fset, name, p.Files[name], parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			var list scanner.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					diags = append(diags, Diagnostic{File: name, Line: e.Pos.Line, Col: e.Pos.Column, Msg: e.Msg})
				}
			} else {
				diags = append(diags, Diagnostic{File: name, Line: 1, Msg: err.Error()})
			}
			continue
		}
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err == nil && !allowed[path] {
				pos := fset.Position(spec.Path.Pos())
				diags = append(diags, Diagnostic{File: name, Line: pos.Line, Col: pos.Column,
					Msg: fmt.Sprintf("这里不能用包 %q", path)})
			}
		}
		files = append(files, f)
	}
	return files, cap10(diags)
}

func cap10(d []Diagnostic) []Diagnostic {
	if len(d) > maxDiagnostics {
		return d[:maxDiagnostics]
	}
	return d
}

// checked is a program that parses and type-checks.
type checked struct {
	fset  *token.FileSet
	files []*ast.File
	info  *types.Info
	pkg   *types.Package
	imp   *importer
}

// check parses and type-checks p against the symbol table, and checks
// that its entry is still a demo's run function.
func (p *program) check(ex yaegi.Exports) (*checked, []Diagnostic) {
	fset := token.NewFileSet()
	files, diags := p.parse(fset)
	if len(diags) > 0 {
		return nil, diags
	}
	imp := newImporter(fset, ex)
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Instances:  map[*ast.Ident]types.Instance{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf := types.Config{
		Importer:  imp,
		GoVersion: "go1.26",
		Error: func(err error) {
			if len(diags) >= maxDiagnostics {
				return
			}
			var te types.Error
			if !errors.As(err, &te) {
				diags = append(diags, Diagnostic{File: p.Source, Line: 1, Msg: err.Error()})
				return
			}
			pos := fset.Position(te.Pos)
			diags = append(diags, Diagnostic{File: pos.Filename, Line: pos.Line, Col: pos.Column, Msg: te.Msg})
		},
	}
	pkg, _ := conf.Check(p.Package, fset, files, info)
	if len(diags) > 0 {
		return nil, cap10(diags)
	}
	if d, ok := p.entryProblem(pkg, imp, fset); !ok {
		return nil, []Diagnostic{d}
	}
	return &checked{fset: fset, files: files, info: info, pkg: pkg, imp: imp}, nil
}

// entryProblem reports an entry function that is gone or no longer has
// the signature of a run function.
func (p *program) entryProblem(pkg *types.Package, imp *importer, fset *token.FileSet) (Diagnostic, bool) {
	want := imp.typ(reflect.TypeFor[runner.RunFunc]()).Underlying()
	obj := pkg.Scope().Lookup(p.Entry)
	if fn, ok := obj.(*types.Func); ok && types.Identical(fn.Type(), want) {
		return Diagnostic{}, true
	}
	msg := fmt.Sprintf("找不到函数 %s：它是这个演示的入口，要保留，签名是 "+
		"func(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error", p.Entry)
	if obj == nil {
		return Diagnostic{File: p.Source, Line: 1, Msg: msg}, false
	}
	pos := fset.Position(obj.Pos())
	return Diagnostic{File: pos.Filename, Line: pos.Line, Col: pos.Column,
		Msg: fmt.Sprintf("函数 %s 是这个演示的入口，签名必须是 "+
			"func(ctx context.Context, p runner.Values, out io.Writer, ev runner.Events) error", p.Entry)}, false
}
