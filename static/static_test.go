package static

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// serve answers one GET for url from a.
func serve(a *Assets, url string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w
}

// A module's imports are served at their hashed URLs, so an importer cached
// for good can never pair with a stale import.
func TestImportsAreRewrittenToHashedURLs(t *testing.T) {
	files := map[string][]byte{
		"main.js": []byte("import { a } from \"./a.js\";\nimport \"./side.js\";\nexport { b } from './b.js';\nconst lazy = () => import(\"./a.js\");\n"),
		"a.js":    []byte("import { b } from \"./b.js\";\nexport const a = b + 1;\n"),
		"b.js":    []byte("export const b = 1;\n"),
		"side.js": []byte("document.title = \"x\";\n"),
		"x.css":   []byte("a { color: red }\n"),
	}
	a, err := newAssets(files)
	if err != nil {
		t.Fatal(err)
	}
	main := serve(a, mustURL(t, a, "main.js")).Body.String()
	for _, dep := range []string{"a.js", "b.js", "side.js"} {
		u := mustURL(t, a, dep)
		if !strings.Contains(main, `"./`+strings.TrimPrefix(u, "/static/")+`"`) && !strings.Contains(main, `'./`+strings.TrimPrefix(u, "/static/")+`'`) {
			t.Errorf("main.js does not import %s at %s:\n%s", dep, u, main)
		}
	}
	if strings.Contains(main, `.js"`) || strings.Contains(main, `.js'`) {
		t.Errorf("an import of main.js is left without its hash:\n%s", main)
	}
	got, err := a.Imports("main.js")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{mustURL(t, a, "a.js"), mustURL(t, a, "b.js"), mustURL(t, a, "side.js")}
	if !slices.Equal(got, want) {
		t.Errorf("Imports(main.js) = %v, want %v (b.js through a.js too)", got, want)
	}
	if got, _ := a.Imports("b.js"); len(got) != 0 {
		t.Errorf("Imports(b.js) = %v, want none", got)
	}
	if css := serve(a, "/static/x.css").Body.String(); css != string(files["x.css"]) {
		t.Errorf("a stylesheet was changed: %q", css)
	}

	// A change deep down changes the URL of every module above it, and of
	// nothing else.
	files["b.js"] = []byte("export const b = 2;\n")
	changed, err := newAssets(files)
	if err != nil {
		t.Fatal(err)
	}
	for name, moves := range map[string]bool{"b.js": true, "a.js": true, "main.js": true, "side.js": false, "x.css": false} {
		if (mustURL(t, a, name) != mustURL(t, changed, name)) != moves {
			t.Errorf("%s: URL %s then %s after b.js changed; want a new URL: %v", name, mustURL(t, a, name), mustURL(t, changed, name), moves)
		}
	}
}

func TestBrokenImportsFailAtStart(t *testing.T) {
	for name, files := range map[string]map[string][]byte{
		"missing module": {"main.js": []byte(`import { a } from "./nope.js";`)},
		"not a module":   {"main.js": []byte(`import "./x.css";`), "x.css": []byte("a{}")},
		"cycle": {
			"a.js": []byte(`import { b } from "./b.js"; export const a = 1;`),
			"b.js": []byte(`import { a } from "./a.js"; export const b = 2;`),
		},
		"self": {"a.js": []byte(`export * from "./a.js";`)},
	} {
		if _, err := newAssets(files); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The course's own modules: every import resolves to an asset served at
// the hashed URL the page preloads, cached for good.
func TestCourseModulesLinkAndCache(t *testing.T) {
	a, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	entry := mustURL(t, a, "course.js")
	imports, err := a.Imports("course.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 10 || !slices.ContainsFunc(imports, func(u string) bool { return strings.HasPrefix(u, "/static/params.js?v=") }) {
		t.Fatalf("course.js imports %v; want the page's modules, params.js among them", imports)
	}
	spec := regexp.MustCompile(`(?:\bfrom|\bimport)\s*(\(?)\s*["']\./([^"']+)["']`)
	// Modules loaded later with import() are not preloaded; they are
	// checked the same way, at the hashed URL their importer asks for.
	queue := append([]string{entry}, imports...)
	seen := map[string]bool{}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		w := serve(a, u, "Accept-Encoding", "identity")
		if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d, Cache-Control %q", u, w.Code, w.Header().Get("Cache-Control"))
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: Content-Type %q; a module needs a JavaScript type", u, ct)
		}
		for _, m := range spec.FindAllStringSubmatch(w.Body.String(), -1) {
			dep := "/static/" + m[2]
			if m[1] == "(" {
				queue = append(queue, dep)
				continue
			}
			if seen[dep] || slices.Contains(imports, dep) {
				continue
			}
			// A module of a lazy part is preloaded by nobody: its
			// importer must itself be lazy, so it is checked when served.
			queue = append(queue, dep)
			if !lazyPart(imports, u) {
				t.Errorf("%s imports %s, which the page does not preload (or has the wrong hash)", u, dep)
			}
		}
	}
	// theme.js stays a classic script with nothing to rewrite.
	if theme := serve(a, mustURL(t, a, "theme.js"), "Accept-Encoding", "identity").Body.String(); strings.Contains(theme, "import ") || strings.Contains(theme, "export ") {
		t.Error("theme.js uses import or export; it must stay a classic script, to run before the first paint")
	}
	// Asked for without the hash, or with an old one, a module must be
	// revalidated.
	for _, u := range []string{"/static/params.js", "/static/params.js?v=000000000000"} {
		if cc := serve(a, u).Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache", u, cc)
		}
	}
}

func mustURL(t *testing.T, a *Assets, name string) string {
	t.Helper()
	u, err := a.URL(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A module loaded with import() is hashed like any other, and not listed
// among the imports a page preloads: it comes when the page asks for it.
func TestDynamicImportsAreNotPreloaded(t *testing.T) {
	files := map[string][]byte{
		"main.js": []byte("import { a } from \"./a.js\";\nexport const later = () => import(\"./lazy.js\");\n"),
		"a.js":    []byte("export const a = 1;\n"),
		"lazy.js": []byte("import { a } from \"./a.js\";\nimport \"./deep.js\";\nexport const z = a;\n"),
		"deep.js": []byte("export const d = 1;\n"),
	}
	a, err := newAssets(files)
	if err != nil {
		t.Fatal(err)
	}
	main := serve(a, mustURL(t, a, "main.js")).Body.String()
	if lazy := strings.TrimPrefix(mustURL(t, a, "lazy.js"), "/static/"); !strings.Contains(main, `import("./`+lazy+`")`) {
		t.Errorf("the dynamic import is not at its hashed URL %s:\n%s", lazy, main)
	}
	got, err := a.Imports("main.js")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{mustURL(t, a, "a.js")}; !slices.Equal(got, want) {
		t.Errorf("Imports(main.js) = %v, want only %v: lazy.js and deep.js come later", got, want)
	}
}

// lazyPart says whether module u is outside what the page preloads: one
// loaded with import(), or one such a module imports.
func lazyPart(preloaded []string, u string) bool {
	return !slices.Contains(preloaded, u) && !strings.HasPrefix(u, "/static/course.js")
}
