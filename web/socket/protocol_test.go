package socket

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/bingfa-manyou/walkthrough/runner"
)

// packageDoc is the package documentation, the protocol's one reference.
func packageDoc(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "socket.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatal("socket.go has no package documentation")
	}
	return f.Doc.Text()
}

// packageSource is the package's own code, tests left out.
func packageSource(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	return src.String()
}

// jsonNames are the JSON names of a struct's fields, embedded ones'
// included unless skip says otherwise.
func jsonNames(typ reflect.Type, skip func(reflect.Type) bool) []string {
	var names []string
	for f := range typ.Fields() {
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous {
			if !skip(ft) {
				names = append(names, jsonNames(ft, skip)...)
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// The package documentation names every frame type, every field of a
// request and of a message (the trace frame's own fields are runner/trace's
// to document), every code and every closing code the package uses.
func TestProtocolIsDocumented(t *testing.T) {
	doc, src := packageDoc(t), packageSource(t)
	word := func(w string) bool {
		return regexp.MustCompile(`(^|[^a-z_])` + regexp.QuoteMeta(w) + `($|[^a-z_])`).MatchString(doc)
	}

	fromTraceSummary := func(typ reflect.Type) bool {
		return typ.PkgPath() != "" && strings.HasSuffix(typ.PkgPath(), "runner/trace")
	}
	fields := jsonNames(reflect.TypeFor[Request](), fromTraceSummary)
	fields = append(fields, jsonNames(reflect.TypeFor[Message](), fromTraceSummary)...)
	fields = append(fields, jsonNames(reflect.TypeFor[runner.Event](), fromTraceSummary)...)
	fields = append(fields, "part", "parts", "lanes", "threads", "gc", "goroutines", "tasks")
	for _, f := range fields {
		if !word(f) {
			t.Errorf("field %q is not in the package documentation", f)
		}
	}

	types := []string{"run", "stop"}
	for _, m := range regexp.MustCompile(`Type: "(\w+)"`).FindAllStringSubmatch(src, -1) {
		if !slices.Contains(types, m[1]) {
			types = append(types, m[1])
		}
	}
	if len(types) < 9 {
		t.Fatalf("found only the frame types %v in the source", types)
	}
	for _, typ := range types {
		if !strings.Contains(doc, `"type":"`+typ+`"`) {
			t.Errorf("frame type %q has no example in the package documentation", typ)
		}
	}

	for _, code := range Codes {
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(code) + `\s`).MatchString(doc) {
			t.Errorf("code %q is not in the package documentation's list of codes", code)
		}
	}
	// Every code the source sets is one of Codes.
	for _, m := range regexp.MustCompile(`Code(?:\s*[:=]\s*|: )"(\w+)"`).FindAllStringSubmatch(src, -1) {
		if !slices.Contains(Codes, m[1]) {
			t.Errorf("the source sets code %q, which Codes lacks", m[1])
		}
	}

	statuses := map[string]websocket.StatusCode{
		"StatusNormalClosure": websocket.StatusNormalClosure, "StatusGoingAway": websocket.StatusGoingAway,
		"StatusPolicyViolation": websocket.StatusPolicyViolation, "StatusMessageTooBig": websocket.StatusMessageTooBig,
		"statusIdle": statusIdle,
	}
	used := regexp.MustCompile(`websocket\.(Status[A-Z]\w+)|\b(statusIdle)\b`).FindAllStringSubmatch(src, -1)
	for _, m := range used {
		name := m[1] + m[2]
		if name == "StatusCode" { // the type, not a code
			continue
		}
		code, known := statuses[name]
		switch {
		case !known:
			t.Errorf("the source closes with %s, which this test does not know: add it, and document it", name)
		case code == websocket.StatusNormalClosure:
			// The client's own close, echoed.
		case !strings.Contains(doc, strconv.Itoa(int(code))):
			t.Errorf("closing code %d (%s) is not in the package documentation", code, name)
		}
	}
}
